// Rigs: the projects the town manages, and for the selected one its settings (check commands, the witness's
// limits, the Dogs' retries, escalation rules), its recent check runs and its permission rules. Removing asks
// first, and if the core refuses (e.g. a polecat still works there, or a branch has unpushed commits) offers
// to force it.
import { useState } from 'react'
import type { Rig } from '../../../../shared/domain'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { useListKeys } from '../../components/keys'
import { errorText, shortTime } from '../../lib/format'
import { useRigs } from '../../stores/rigs'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { useBeadFilter } from '../work/filter'
import { AddRigForm } from './AddRigForm'
import { CheckRuns } from './CheckRuns'
import { PermissionRules } from './PermissionRules'
import { RigSettings } from './RigSettings'

export function RigsView() {
  const { items, loaded, error } = useRigs()
  const selected = useUi((s) => s.selection.rigs)
  const select = useUi((s) => s.select)
  const [removing, setRemoving] = useState<Rig | null>(null)
  const rigs = [...items].sort((a, b) => a.name.localeCompare(b.name))
  // The selected rig's settings show below the list; with one rig, its own.
  const shown = rigs.find((r) => r.name === selected) ?? (rigs.length === 1 ? rigs[0] : undefined)

  useListKeys({
    active: removing === null,
    ids: rigs.map((r) => r.name),
    selected,
    onSelect: (id) => select('rigs', id),
    // Enter shows the rig's work.
    onOpen: (id) => {
      useBeadFilter.getState().set({ rig: id })
      useUi.getState().setView('work')
    }
  })

  return (
    <section className="view-body">
      <AddRigForm />
      {error ? <div className="inline-error">Could not list rigs: {error}</div> : null}
      <div className="table-wrap rig-list">
        <table className="table">
          <thead>
            <tr>
              <th style={{ width: 160 }}>name</th>
              <th>source</th>
              <th>town clone</th>
              <th style={{ width: 120 }}>default branch</th>
              <th style={{ width: 130 }}>added</th>
              <th style={{ width: 90 }} />
            </tr>
          </thead>
          <tbody>
            {rigs.map((r) => (
              <tr
                key={r.name}
                data-testid={`rig-row-${r.name}`}
                data-row-key={r.name}
                className={selected === r.name ? 'selected' : undefined}
                onClick={() => select('rigs', r.name)}
              >
                <td className="mono strong">{r.name}</td>
                <td className="mono ellipsis" title={r.source}>
                  {r.source}
                </td>
                <td className="mono ellipsis muted" title={r.path}>
                  {r.path}
                </td>
                <td className="mono">{r.defaultBranch}</td>
                <td className="muted">{shortTime(r.addedAt)}</td>
                <td className="actions">
                  <button className="small danger-quiet" onClick={() => setRemoving(r)} aria-label={`Remove rig ${r.name}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {loaded && rigs.length === 0 ? (
          <div className="empty">No rigs yet. Add a project above: a local repository path or a git URL.</div>
        ) : null}
      </div>
      {shown ? (
        <div className="rig-detail" data-testid="rig-detail" data-rig={shown.name}>
          <div className="rig-detail-col">
            <RigSettings rig={shown.name} />
          </div>
          <div className="rig-detail-col">
            <CheckRuns rig={shown.name} />
            <PermissionRules rig={shown.name} />
          </div>
        </div>
      ) : rigs.length > 1 ? (
        <div className="muted small">Select a rig to see its settings, check runs and permission rules.</div>
      ) : null}
      {removing ? <RemoveRigDialog rig={removing} onDone={() => setRemoving(null)} /> : null}
    </section>
  )
}

function RemoveRigDialog({ rig, onDone }: { rig: Rig; onDone(): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function remove(force: boolean) {
    setBusy(true)
    try {
      await getClient().call('rigs.remove', { name: rig.name, force })
      useUi.getState().toast('info', `rig ${rig.name} removed`)
      void useRigs.getState().refresh()
      onDone()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <ConfirmDialog
      title={`Remove rig ${rig.name}?`}
      confirmLabel="Remove"
      danger
      busy={busy}
      error={error}
      extra={error ? { label: 'Force remove', onClick: () => void remove(true) } : null}
      onConfirm={() => void remove(false)}
      onCancel={onDone}
    >
      <p>
        The town stops managing <span className="mono">{rig.name}</span> and deletes its clone at{' '}
        <span className="mono">{rig.path}</span>. The source <span className="mono">{rig.source}</span> is not touched.
      </p>
      {error ? <p className="muted">Force removes it anyway; branches that exist only in the town clone are lost.</p> : null}
    </ConfirmDialog>
  )
}
