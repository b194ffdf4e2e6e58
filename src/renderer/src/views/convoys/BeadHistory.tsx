// The history of one bead of a convoy, beside the waves: its ledger events (and its merge request's), newest
// first, and its agent sessions (each opens in Seance). Read when opened, then only what is new, whenever a
// pushed event may have added to it — live, like the board.
import { useEffect, useRef, useState } from 'react'
import type { ConvoyBead, LedgerEvent, Session } from '../../../../shared/domain'
import { GLOSSARY } from '../../../../shared/domain'
import { compactJson, duration, errorText, shortTime } from '../../lib/format'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { lastId, mergeEvents, touchesHistory } from './bead-history'

const REREAD_MS = 250

export function BeadHistory({ bead, onClose }: { bead: ConvoyBead; onClose(): void }) {
  const [events, setEvents] = useState<LedgerEvent[]>([])
  const [sessions, setSessions] = useState<Session[]>([])
  const [error, setError] = useState<string | null>(null)
  const [loaded, setLoaded] = useState(false)
  const mr = bead.mergeRequest?.id ?? null
  const eventsRef = useRef(events)
  eventsRef.current = events

  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | null = null
    let reading = false
    let again = false
    eventsRef.current = []
    setEvents([])
    setLoaded(false)
    const read = async () => {
      if (reading) {
        again = true
        return
      }
      reading = true
      try {
        do {
          again = false
          const after = lastId(eventsRef.current)
          const subjects = [bead.id, ...(mr ? [mr] : [])]
          const [lists, s] = await Promise.all([
            Promise.all(subjects.map((subject) => getClient().call('ledger.list', { subject, ...(after ? { afterId: after } : {}), limit: 1000 }))),
            getClient().call('sessions.list', { bead: bead.id, limit: 50 })
          ])
          if (!live) return
          eventsRef.current = mergeEvents(eventsRef.current, lists.flat())
          setEvents(eventsRef.current)
          setSessions(s)
          setError(null)
          setLoaded(true)
        } while (again && live)
      } catch (err) {
        if (live) setError(errorText(err))
      } finally {
        reading = false
      }
    }
    void read()
    const off = getClient().onEvent((e) => {
      if (!touchesHistory(e, bead.id, mr)) return
      if (timer) return
      timer = setTimeout(() => {
        timer = null
        void read()
      }, REREAD_MS)
    })
    return () => {
      live = false
      off()
      if (timer) clearTimeout(timer)
    }
  }, [bead.id, mr])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A dialog's Esc (it prevents the default) is the dialog's, not the panel's.
      if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('[role="dialog"]')) onClose()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])

  return (
    <aside className="convoy-history" data-testid="convoy-history" data-bead={bead.id} aria-label={`History of ${bead.id}`}>
      <div className="detail-head">
        <span className="mono">{bead.id}</span>
        <span className="muted small">history{mr ? ` · with ${mr}` : ''}</span>
        <span className="spacer" />
        <button className="icon" onClick={onClose} aria-label="Close history" data-testid="convoy-history-close">
          ×
        </button>
      </div>
      <div className="detail-title">{bead.title}</div>
      {error ? <div className="inline-error">Could not read the history: {error}</div> : null}
      {!loaded && !error ? <div className="muted small">reading…</div> : null}
      {sessions.length ? (
        <section className="detail-section">
          <h4 title="agent runs on this bead; open one in Seance">Sessions ({sessions.length})</h4>
          {sessions.map((s) => (
            <button
              key={s.id}
              className="row-button small"
              onClick={() => {
                useUi.getState().select('history', s.id)
                useUi.getState().setView('history')
              }}
            >
              <span className="mono">{s.polecatId}</span> <span className="muted">{s.runtime}</span> <span className="muted">{shortTime(s.startedAt)}</span>{' '}
              <span className="muted">{duration(s.startedAt, s.endedAt)}</span> <span>{s.endedAt ? (s.endReason ?? 'ended') : 'live'}</span>
            </button>
          ))}
        </section>
      ) : null}
      <section className="detail-section">
        <h4 title={GLOSSARY.Ledger}>Ledger ({events.length})</h4>
        <ol className="events" data-testid="convoy-history-events">
          {[...events].reverse().map((e) => (
            <li key={e.id}>
              <span className="muted ts">{shortTime(e.at)}</span>
              <span className="mono actor">{e.actor}</span>
              <span className="mono kind">{e.kind}</span>
              {e.subject !== bead.id ? <span className="mono muted convoy-history-subject">{e.subject}</span> : null}
              <span className="data">{compactJson(e.data)}</span>
            </li>
          ))}
        </ol>
      </section>
    </aside>
  )
}
