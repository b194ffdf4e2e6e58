// Add a rig from a local path or a git URL. Cloning can take a while, so the core's progress
// messages are shown in a strip whose height is reserved, and a refusal is shown right here.
import { useState, type FormEvent } from 'react'
import { SAFE_NAME } from '../../lib/constants'
import { errorText } from '../../lib/format'
import { useRigs } from '../../stores/rigs'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'

/** A rig name guessed from the source's last path segment: shown as the placeholder, used if the name is left empty. */
function nameFromSource(source: string): string {
  const last = source.trim().replace(/[\\/]+$/, '').split(/[\\/:]/).pop() ?? ''
  return last
    .replace(/\.git$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 39)
}

export function AddRigForm() {
  const [name, setName] = useState('')
  const [source, setSource] = useState('')
  const [busy, setBusy] = useState(false)
  const [progress, setProgress] = useState<{ message: string; percent: number | null }>({ message: '', percent: null })
  const [error, setError] = useState<string | null>(null)
  const nameOk = name === '' || SAFE_NAME.test(name)

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (busy) return
    setBusy(true)
    setError(null)
    setProgress({ message: 'starting…', percent: null })
    try {
      const rig = await getClient().call(
        'rigs.add',
        { name: name.trim() || nameFromSource(source), source: source.trim() },
        { onProgress: (message, percent) => setProgress({ message, percent }) }
      )
      useRigs.getState().upsert(rig)
      useUi.getState().select('rigs', rig.name)
      useUi.getState().toast('info', `rig ${rig.name} added`)
      setName('')
      setSource('')
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="panel form-row add-rig" onSubmit={submit} aria-label="Add rig">
      <div className="fields">
        <label className="field" style={{ width: 200 }}>
          <span>name</span>
          <input
            data-testid="rig-add-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={nameFromSource(source) || 'my-project'}
            spellCheck={false}
            autoComplete="off"
            disabled={busy}
            aria-invalid={!nameOk}
          />
        </label>
        <label className="field grow">
          <span>local path or git URL</span>
          <input
            data-testid="rig-add-source"
            value={source}
            onChange={(e) => setSource(e.target.value)}
            placeholder="/home/me/src/project  or  https://github.com/org/repo.git"
            spellCheck={false}
            autoComplete="off"
            disabled={busy}
          />
        </label>
        <button type="submit" className="primary" data-testid="rig-add-submit" disabled={busy || !name.trim() || !source.trim()}>
          {busy ? 'Adding…' : 'Add rig'}
        </button>
      </div>
      <div className="status-strip">
        {busy ? (
          <div className="progress" data-testid="rig-add-progress" role="progressbar" aria-valuenow={progress.percent ?? undefined}>
            <div className={`bar${progress.percent === null ? ' indeterminate' : ''}`}>
              <div style={progress.percent === null ? undefined : { width: `${Math.max(0, Math.min(100, progress.percent))}%` }} />
            </div>
            <span className="progress-msg">
              {progress.percent !== null ? `${Math.round(progress.percent)}% · ` : ''}
              {progress.message}
            </span>
          </div>
        ) : error ? (
          <div className="inline-error" data-testid="rig-add-error" role="alert">
            {error}
          </div>
        ) : !nameOk ? (
          <div className="hint warn">name: 1–39 lowercase letters, digits, “-” or “_”, starting with a letter or digit</div>
        ) : (
          <div className="hint">The town clones the repository into its own folder; the source is never modified.</div>
        )}
      </div>
    </form>
  )
}
