// Polecats: the worker agents, and a grid of their live terminals (several at once).
import { useState } from 'react'
import type { InboxItem, Polecat } from '../../../../shared/domain'
import { StateBadge } from '../../components/Badges'
import { activityLine, activityText } from '../../lib/activity'
import { useNow } from '../../lib/use-now'
import { useInbox } from '../../stores/inbox'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { useListKeys } from '../../components/keys'
import { errorText, polecatKey, shortTime } from '../../lib/format'
import { usePolecats } from '../../stores/polecats'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { TerminalPane } from './TerminalPane'
import { OpenDiffButton, useOpenDiffKey } from '../diff/open-diff'

const STATE_ORDER = { working: 0, starting: 1, idle: 2, exited: 3 }

export function PolecatsView({ active }: { active: boolean }) {
  const { items, loaded, error } = usePolecats()
  const terminals = useUi((s) => s.terminals)
  const selected = useUi((s) => s.selection.polecats)
  const select = useUi((s) => s.select)
  const openTerminal = useUi((s) => s.openTerminal)
  const [stopping, setStopping] = useState<Polecat | null>(null)
  const polecats = [...items].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.id.localeCompare(b.id))
  // Durations tick while the view shows; hidden, it costs nothing.
  const now = useNow(1000, active)
  const waitingItems = useInbox((s) => s.items)

  useListKeys({
    active: active && stopping === null,
    ids: polecats.map((p) => p.id),
    selected,
    onSelect: (id) => select('polecats', id),
    onOpen: openTerminal
  })
  useOpenDiffKey(active && stopping === null, polecats.find((p) => p.id === selected))

  return (
    <section className="view-body polecats" hidden={!active}>
      {error ? <div className="inline-error">Could not list polecats: {error}</div> : null}
      <div className="table-wrap polecat-list">
        <table className="table">
          <thead>
            <tr>
              <th style={{ width: 150 }}>polecat</th>
              <th style={{ width: 86 }}>state</th>
              <th>activity</th>
              <th style={{ width: 96 }}>bead</th>
              <th style={{ width: 170 }}>branch</th>
              <th style={{ width: 76 }}>runtime</th>
              <th style={{ width: 90 }}>input</th>
              <th style={{ width: 76 }}>updated</th>
              <th style={{ width: 190 }} />
            </tr>
          </thead>
          <tbody>
            {polecats.map((p) => (
              <tr
                key={p.id}
                data-testid={`polecat-row-${polecatKey(p.id)}`}
                data-row-key={p.id}
                data-state={p.state}
                className={selected === p.id ? 'selected' : undefined}
                onClick={() => openTerminal(p.id)}
              >
                <td className="mono strong">{p.id}</td>
                <td>
                  <StateBadge state={p.state} />
                </td>
                <ActivityCell polecat={p} now={now} itemId={p.activity === 'waiting_permission' ? openPermissionOf(waitingItems, p.id) : null} />
                <td className="mono">{p.beadId ?? '—'}</td>
                <td className="mono muted ellipsis" title={p.branch ?? undefined}>
                  {p.branch ?? '—'}
                </td>
                <td className="mono muted">{p.runtime ?? '—'}</td>
                <td>{p.takenOver ? <span className="badge taken">taken over</span> : <span className="muted">agent</span>}</td>
                <td className="muted">{shortTime(p.updatedAt)}</td>
                <td className="actions">
                  <button
                    className="small"
                    onClick={(e) => {
                      e.stopPropagation()
                      openTerminal(p.id)
                    }}
                  >
                    {terminals.includes(p.id) ? 'Shown' : 'Terminal'}
                  </button>
                  <OpenDiffButton target={p.branch ? { polecat: p.id } : null} testId={`polecat-diff-${polecatKey(p.id)}`} />
                  <button
                    className="small danger-quiet"
                    disabled={p.state === 'exited'}
                    onClick={(e) => {
                      e.stopPropagation()
                      setStopping(p)
                    }}
                  >
                    Stop
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {loaded && polecats.length === 0 ? <div className="empty">No polecats. Sling a bead from the Beads view to start one.</div> : null}
      </div>
      <div className={`term-grid n${Math.min(terminals.length, 4)}`}>
        {terminals.map((id) => (
          <TerminalPane key={id} polecatId={id} visible={active} onStop={setStopping} />
        ))}
        {terminals.length === 0 ? <div className="empty term-empty">Click a polecat (or select it and press Enter) to watch its terminal.</div> : null}
      </div>
      {stopping ? <StopDialog polecat={stopping} onDone={() => setStopping(null)} /> : null}
    </section>
  )
}

/** The open permission request a waiting polecat's agent is blocked on (the newest, if several). */
function openPermissionOf(items: InboxItem[], polecatId: string): string | null {
  let found: InboxItem | null = null
  for (const i of items) {
    if (i.polecatId === polecatId && i.kind === 'permission' && i.status === 'open' && (!found || i.createdAt > found.createdAt)) found = i
  }
  return found?.id ?? null
}

function ActivityCell({ polecat, now, itemId }: { polecat: Polecat; now: number; itemId: string | null }) {
  const t = activityText(polecat, now)
  const line = activityLine(t)
  return (
    <td className="activity" data-testid={`polecat-activity-${polecatKey(polecat.id)}`} data-activity={t.activity} title={line}>
      <span className={`act act-${t.activity}`}>{t.words}</span>
      {t.duration ? <span className="muted"> · {t.duration}</span> : null}
      {itemId ? ' ' : null}
      {itemId ? (
        <button
          className="link small"
          data-testid={`polecat-inbox-link-${polecatKey(polecat.id)}`}
          title="Open the request in the Deacon inbox"
          onClick={(e) => {
            e.stopPropagation()
            useUi.getState().openInboxItem(itemId)
          }}
        >
          ▸ inbox
        </button>
      ) : null}
      {t.processOnly ? (
        <span className="muted small" title="This runtime reports nothing through hooks: only its process is watched (started, running, exited)">
          {' '}
          (process only)
        </span>
      ) : null}
      {t.detail ? <span className="mono"> · {t.detail}</span> : null}
    </td>
  )
}

function StopDialog({ polecat, onDone }: { polecat: Polecat; onDone(): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  async function stop() {
    setBusy(true)
    try {
      usePolecats.getState().upsert(await getClient().call('polecats.stop', { polecat: polecat.id }))
      onDone()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <ConfirmDialog title={`Stop ${polecat.id}?`} confirmLabel="Stop agent" danger busy={busy} error={error} onConfirm={() => void stop()} onCancel={onDone}>
      <p>
        The agent process is ended. Its hook (worktree <span className="mono">{polecat.worktree}</span>, branch and session log) is kept, and{' '}
        {polecat.beadId ? <span className="mono">{polecat.beadId}</span> : 'its bead'} can be slung again.
      </p>
    </ConfirmDialog>
  )
}
