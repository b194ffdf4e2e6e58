// A rig's permission policy: which tools (or, for Bash, which command prefixes) its agents may use without
// asking, must always ask for, or may never use. "Always allow" on an inbox request adds a rule here. The
// core checks every rule (a prefix is Bash only, and a plain command start); its refusal is shown as it says it.
import { useEffect, useState, type FormEvent } from 'react'
import { PERMISSION_ACTIONS, type PermissionAction, type PermissionRule } from '../../../../shared/domain'
import { errorText, shortTime } from '../../lib/format'
import { usePermissionRules } from '../../stores/permissions'
import { attempt } from '../../stores/ui'
import { getClient } from '../../transport'

const ACTION_WORDS: Record<PermissionAction, string> = { allow: 'always allow', ask: 'always ask', deny: 'always deny' }
// Claude Code's tool names, offered as suggestions; any name may be typed.
const KNOWN_TOOLS = ['Bash', 'Edit', 'Write', 'Read', 'NotebookEdit', 'WebFetch', 'WebSearch', 'Glob', 'Grep', 'Task']

export function PermissionRules({ rig }: { rig: string }) {
  const { items, error } = usePermissionRules()
  const rules = items.filter((r) => r.rig === rig).sort((a, b) => a.tool.localeCompare(b.tool) || (a.commandPrefix ?? '').localeCompare(b.commandPrefix ?? ''))

  // Rules change without an event ("Always allow" elsewhere, gt rig permissions): read them when shown.
  useEffect(() => {
    void usePermissionRules.getState().refresh()
  }, [rig])

  return (
    <section className="panel rules" data-testid={`rig-rules-${rig}`} aria-label={`Permission rules of ${rig}`}>
      <h4>
        Permission rules of <span className="mono">{rig}</span>{' '}
        <span className="muted">— what its agents may do without asking you; anything without a rule is asked in the Deacon inbox</span>
      </h4>
      {error ? <div className="inline-error">Could not read the rules: {error}</div> : null}
      {rules.length > 0 ? (
        <table className="table rules-table">
          <thead>
            <tr>
              <th style={{ width: 140 }}>tool</th>
              <th>command prefix (Bash)</th>
              <th style={{ width: 150 }}>action</th>
              <th style={{ width: 170 }}>set</th>
              <th style={{ width: 96 }} />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <RuleRow key={r.id} rule={r} />
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted small" data-testid="rig-rules-empty">
          No rules: every tool use that needs permission is asked.
        </div>
      )}
      <AddRuleForm rig={rig} />
    </section>
  )
}

function RuleRow({ rule }: { rule: PermissionRule }) {
  const [busy, setBusy] = useState(false)
  const label = `${rule.tool}${rule.commandPrefix ? ` ${rule.commandPrefix}` : ''}`
  async function change(action: PermissionAction) {
    setBusy(true)
    await attempt(`Changing the rule ${label} failed`, () => getClient().call('permissions.set', { rig: rule.rig, tool: rule.tool, commandPrefix: rule.commandPrefix, action }))
    await usePermissionRules.getState().refresh()
    setBusy(false)
  }
  async function remove() {
    setBusy(true)
    await attempt(`Removing the rule ${label} failed`, () => getClient().call('permissions.remove', { id: rule.id }))
    await usePermissionRules.getState().refresh()
    setBusy(false)
  }
  return (
    <tr data-testid={`rule-row-${rule.id}`} data-tool={rule.tool} data-prefix={rule.commandPrefix ?? ''} data-action={rule.action}>
      <td className="mono strong">{rule.tool}</td>
      <td className="mono">{rule.commandPrefix ?? <span className="muted">any use of the tool</span>}</td>
      <td>
        <select value={rule.action} disabled={busy} onChange={(e) => void change(e.target.value as PermissionAction)} aria-label={`Action for ${label}`} data-testid="rule-action">
          {PERMISSION_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {ACTION_WORDS[a]}
            </option>
          ))}
        </select>
      </td>
      <td className="muted small">
        {shortTime(rule.createdAt)} by {rule.createdBy}
      </td>
      <td className="actions">
        <button className="small danger-quiet" disabled={busy} onClick={() => void remove()} aria-label={`Remove the rule ${label}`} data-testid="rule-remove">
          Remove
        </button>
      </td>
    </tr>
  )
}

function AddRuleForm({ rig }: { rig: string }) {
  const [tool, setTool] = useState('Bash')
  const [prefix, setPrefix] = useState('')
  const [action, setAction] = useState<PermissionAction>('allow')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (busy) return
    setBusy(true)
    setError(null)
    try {
      await getClient().call('permissions.set', { rig, tool, commandPrefix: prefix.trim() ? prefix : null, action })
      setPrefix('')
      await usePermissionRules.getState().refresh()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
    <form className="fields add-rule" onSubmit={submit} aria-label={`Add a permission rule to ${rig}`}>
      <label className="field" style={{ width: 150 }}>
        <span>tool</span>
        <input list="known-tools" data-testid="rule-add-tool" value={tool} onChange={(e) => setTool(e.target.value)} maxLength={120} required />
        <datalist id="known-tools">
          {KNOWN_TOOLS.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </label>
      <label className="field grow">
        <span>command prefix (Bash only; empty: any use of the tool)</span>
        <input data-testid="rule-add-prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} placeholder="e.g. npm test" maxLength={500} aria-invalid={error ? true : undefined} />
      </label>
      <label className="field">
        <span>action</span>
        <select data-testid="rule-add-action" value={action} onChange={(e) => setAction(e.target.value as PermissionAction)}>
          {PERMISSION_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {ACTION_WORDS[a]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy || !tool.trim()} data-testid="rule-add-submit">
        {busy ? 'Saving…' : 'Add rule'}
      </button>
    </form>
      {error ? (
        <div className="inline-error rule-error" role="alert" data-testid="rule-add-error">
          {error}
        </div>
      ) : null}
    </>
  )
}
