// A rig's settings, as `gt rig config RIG` lists them: its check commands, the witness's time limits, the
// Dogs' retries and the escalation rules, each with its value, whether it was set or is the default, and what
// it means (under the field while it is edited, and on the name's tooltip). Edited in place: Enter (or Save)
// sets it, an empty field (or Default) goes back to the default, Esc drops the edit, and the core's refusal
// is shown under the field as the core says it.
import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react'
import { configureValue, groupSettings, settingText, type RigSetting } from '../../lib/rig-settings'
import { useRigConfig } from '../../stores/rig-config'

export function RigSettings({ rig }: { rig: string }) {
  const config = useRigConfig((s) => (s.rig === rig ? s.config : null))
  const error = useRigConfig((s) => (s.rig === rig ? s.error : null))

  // Read while shown; once the view is left, the topics re-read nothing for it.
  useEffect(() => {
    void useRigConfig.getState().show(rig)
    return () => void useRigConfig.getState().show(null)
  }, [rig])

  return (
    <section className="panel rig-settings" data-testid={`rig-settings-${rig}`} aria-label={`Settings of ${rig}`}>
      <h4>
        Settings of <span className="mono">{rig}</span> <span className="muted">— also: gt rig config {rig} KEY VALUE</span>
      </h4>
      {error ? <div className="inline-error">Could not read the settings: {error}</div> : null}
      {config
        ? groupSettings(config.settings).map((g) => (
            <div key={g.id} className="setting-group" data-testid={`rig-settings-group-${g.id}`}>
              <div className="setting-group-title">
                {g.title} {g.hint ? <span className="muted">— {g.hint}</span> : null}
              </div>
              {g.settings.map((s) => (
                <SettingRow key={s.key} setting={s} />
              ))}
            </div>
          ))
        : !error
          ? <div className="muted small">reading…</div>
          : null}
    </section>
  )
}

function SettingRow({ setting }: { setting: RigSetting }) {
  const current = setting.isSet ? settingText(setting.value) : ''
  // null: not being edited, the field shows what the core has; a string: what the user typed, kept as typed
  // when the core's settings are re-read meanwhile.
  const [draft, setDraft] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const text = draft ?? current
  const dirty = draft !== null && draft !== current
  const isBool = typeof setting.default === 'boolean'
  const isCommand = typeof setting.default === 'string' && ['build', 'test', 'coverage'].includes(setting.key)

  async function save(value: string | null) {
    setBusy(true)
    const refused = await useRigConfig.getState().configure(setting.key, value)
    setBusy(false)
    setError(refused)
    if (!refused) setDraft(null)
  }
  function submit(e: FormEvent) {
    e.preventDefault()
    if (!busy) void save(configureValue(text))
  }
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape' && draft !== null) {
      e.preventDefault()
      setDraft(null)
      setError(null)
    }
  }

  const placeholder = `default: ${settingText(setting.default) || '(none)'}`
  return (
    <form className="setting-row" data-testid={`rig-setting-${setting.key}`} data-set={setting.isSet ? 'true' : 'false'} onSubmit={submit} aria-label={setting.key}>
      <label className="setting-key mono" htmlFor={`setting-${setting.key}`} title={setting.help}>
        {setting.key}
      </label>
      {isBool ? (
        <select
          id={`setting-${setting.key}`}
          data-testid={`rig-setting-input-${setting.key}`}
          value={text}
          disabled={busy}
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            setDraft(e.target.value)
            void save(configureValue(e.target.value))
          }}
        >
          <option value="">{placeholder}</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : (
        <input
          id={`setting-${setting.key}`}
          className={isCommand ? 'mono' : undefined}
          data-testid={`rig-setting-input-${setting.key}`}
          value={text}
          placeholder={placeholder}
          disabled={busy}
          maxLength={4000}
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={`setting-help-${setting.key}`}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
        />
      )}
      <span className={`badge ${setting.isSet ? 'set' : 'default'}`} title={setting.isSet ? 'set for this rig' : 'the default applies'}>
        {setting.isSet ? 'set' : 'default'}
      </span>
      <span className="setting-buttons">
        {!isBool && dirty ? (
          <button type="submit" className="small primary" disabled={busy} data-testid={`rig-setting-save-${setting.key}`}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        ) : null}
        {setting.isSet && !dirty ? (
          <button type="button" className="small" disabled={busy} data-testid={`rig-setting-reset-${setting.key}`} title={`Back to the default: ${settingText(setting.default) || '(none)'}`} onClick={() => void save(null)}>
            Default
          </button>
        ) : null}
      </span>
      <div className="setting-help muted small" id={`setting-help-${setting.key}`}>
        {setting.help}
      </div>
      {error ? (
        <div className="inline-error setting-error" role="alert" data-testid={`rig-setting-error-${setting.key}`}>
          {error}
        </div>
      ) : null}
    </form>
  )
}
