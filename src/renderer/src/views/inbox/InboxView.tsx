// Deacon: what the watcher could not fix by itself. Most severe first, then newest.
import { useState } from 'react'
import { SeverityBadge } from '../../components/Badges'
import { useListKeys } from '../../components/keys'
import { shortTime } from '../../lib/format'
import { useInbox, useInboxFilter } from '../../stores/inbox'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'

export function InboxView() {
  const { items, loaded, error } = useInbox()
  const showAck = useInboxFilter()
  const selected = useUi((s) => s.selection.inbox)
  const select = useUi((s) => s.select)
  const [acking, setAcking] = useState<Set<string>>(new Set())

  function openTarget(id: string) {
    const e = items.find((x) => x.id === id)
    if (e?.polecatId) useUi.getState().openTerminal(e.polecatId)
    else if (e?.beadId) {
      useUi.getState().select('work', e.beadId)
      useUi.getState().setView('work')
    }
  }

  useListKeys({ active: true, ids: items.map((e) => e.id), selected, onSelect: (id) => select('inbox', id), onOpen: openTarget })

  async function ack(id: string) {
    setAcking((s) => new Set(s).add(id))
    const e = await attempt('Acknowledge failed', () => getClient().call('inbox.ack', { id }))
    setAcking((s) => {
      const n = new Set(s)
      n.delete(id)
      return n
    })
    if (e) void useInbox.getState().refresh()
  }

  return (
    <section className="view-body inbox">
      <div className="filters">
        <span className="muted">What agents escalate (gt escalate) waits here for you, most severe first, then newest.</span>
        <span className="spacer" />
        <label className="check">
          <input type="checkbox" checked={showAck.showAcknowledged} onChange={(e) => showAck.set(e.target.checked)} /> show acknowledged
        </label>
      </div>
      {error ? <div className="inline-error">Could not read the inbox: {error}</div> : null}
      <div className="table-wrap">
        <ul className="alerts">
          {items.map((e) => (
            <li
              key={e.id}
              data-testid={`inbox-row-${e.id}`}
              data-row-key={e.id}
              data-severity={e.severity}
              className={`alert sev-row-${e.severity}${selected === e.id ? ' selected' : ''}${e.closedAt ? ' acked' : ''}`}
              onClick={() => select('inbox', e.id)}
            >
              <div className="alert-head">
                <SeverityBadge severity={e.severity} />
                <span className="alert-title">{e.title}</span>
                <span className="spacer" />
                <span className="muted small">{shortTime(e.createdAt)}</span>
              </div>
              {e.body ? <pre className="alert-body">{e.body}</pre> : null}
              <div className="alert-foot">
                {e.polecatId ? (
                  <button className="link mono" data-testid={`inbox-terminal-${e.id}`} onClick={() => useUi.getState().openTerminal(e.polecatId!)}>
                    ▸ terminal {e.polecatId}
                  </button>
                ) : null}
                {e.beadId ? (
                  <button
                    className="link mono"
                    onClick={() => {
                      useUi.getState().select('work', e.beadId!)
                      useUi.getState().setView('work')
                    }}
                  >
                    ▸ bead {e.beadId}
                  </button>
                ) : null}
                <span className="muted mono small">{e.id}</span>
                <span className="spacer" />
                {e.closedAt ? (
                  <span className="muted small">acknowledged {shortTime(e.closedAt)}</span>
                ) : (
                  <button className="small" data-testid={`inbox-ack-${e.id}`} disabled={acking.has(e.id)} onClick={() => void ack(e.id)}>
                    {acking.has(e.id) ? 'Acknowledging…' : 'Acknowledge'}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
        {loaded && items.length === 0 ? <div className="empty">Nothing needs you. The inbox is clear.</div> : null}
      </div>
    </section>
  )
}
