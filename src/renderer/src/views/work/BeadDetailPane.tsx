// The selected bead in full: its fields and links, what happened to it (ledger events, agent
// sessions, merge requests), and the two things a human does to it: sling it or close it.
import { useState, type ReactNode } from 'react'
import type { BeadDetail } from '../../../../shared/contract'
import { GLOSSARY } from '../../../../shared/domain'
import { Mono, PriorityBadge, StatusBadge } from '../../components/Badges'
import { compactJson, duration, shortTime } from '../../lib/format'
import { useBeadDetail, useBeads } from '../../stores/beads'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { SlingForm } from './SlingForm'

export function BeadDetailPane({ onClose }: { onClose(): void }) {
  const { id, detail, error } = useBeadDetail()
  if (!id) {
    return (
      <aside className="detail empty-detail">
        <p className="muted">Select a bead to see its history, sling it to a polecat or close it.</p>
        <p className="muted small">j / k move · Enter focuses the detail</p>
      </aside>
    )
  }
  return (
    <aside className="detail" data-testid="bead-detail" tabIndex={-1} aria-label={`Bead ${id}`}>
      <div className="detail-head">
        <Mono>{id}</Mono>
        {detail ? <StatusBadge status={detail.bead.status} /> : null}
        {detail ? <PriorityBadge priority={detail.bead.priority} /> : null}
        {detail ? <span className={detail.bead.type === 'merge-request' ? 'type-mr' : 'muted'}>{detail.bead.type}</span> : null}
        <span className="spacer" />
        <button className="icon" onClick={onClose} aria-label="Close detail">
          ×
        </button>
      </div>
      {error ? <div className="inline-error">{error}</div> : null}
      {detail ? <DetailBody detail={detail} /> : !error ? <div className="muted pad">loading…</div> : null}
    </aside>
  )
}

function DetailBody({ detail }: { detail: BeadDetail }) {
  const { bead, events, sessions, mergeRequests } = detail
  const select = useUi((s) => s.select)
  const open = bead.status !== 'closed'
  return (
    <div className="detail-scroll">
      <h3 className="detail-title">{bead.title}</h3>
      {mergeRequests.length > 0 ? (
        <div className="ready-line">
          <span className="badge ready" data-testid="bead-ready-for-merge">
            ready for merge
          </span>
          <span className="muted small">
            {GLOSSARY.Refinery}: {mergeRequests.map((m) => m.id).join(', ')}
          </span>
        </div>
      ) : null}
      {bead.description ? <pre className="description">{bead.description}</pre> : null}
      <dl className="kv">
        <dt>rig</dt>
        <dd className="mono">{bead.rig ?? '—'}</dd>
        <dt>assignee</dt>
        <dd className="mono">
          {bead.assignee ? (
            <button className="link" onClick={() => useUi.getState().openTerminal(bead.assignee!)}>
              {bead.assignee}
            </button>
          ) : (
            '—'
          )}
        </dd>
        <dt>labels</dt>
        <dd>{bead.labels.length ? bead.labels.map((l) => <span key={l} className="label">{l}</span>) : '—'}</dd>
        <dt>created</dt>
        <dd>{shortTime(bead.createdAt)}</dd>
        <dt>updated</dt>
        <dd>{shortTime(bead.updatedAt)}</dd>
        {bead.closedAt ? (
          <>
            <dt>closed</dt>
            <dd>
              {shortTime(bead.closedAt)} {bead.closeReason ? <span className="muted">— {bead.closeReason}</span> : null}
            </dd>
          </>
        ) : null}
        {bead.deps.length ? (
          <>
            <dt>deps</dt>
            <dd>
              {bead.deps.map((d) => (
                <div key={`${d.type}:${d.target}`}>
                  <span className="muted">{d.type}</span>{' '}
                  <button className="link mono" onClick={() => select('work', d.target)}>
                    {d.target}
                  </button>
                </div>
              ))}
            </dd>
          </>
        ) : null}
      </dl>

      {open ? <SlingForm bead={bead} /> : null}
      {open ? <CloseBead id={bead.id} /> : null}

      {mergeRequests.length > 0 ? (
        <Section title="Merge requests" hint={GLOSSARY.Refinery}>
          {mergeRequests.map((m) => (
            <button key={m.id} className="row-button" onClick={() => select('work', m.id)}>
              <Mono>{m.id}</Mono> <StatusBadge status={m.status} /> <span className="ellipsis">{m.title}</span>
            </button>
          ))}
        </Section>
      ) : null}

      <Section title={`Sessions (${sessions.length})`} hint="agent runs on this bead; open one in Seance">
        {sessions.length === 0 ? <div className="muted small">none yet</div> : null}
        {sessions.map((s) => (
          <button
            key={s.id}
            className="row-button"
            onClick={() => {
              useUi.getState().select('history', s.id)
              useUi.getState().setView('history')
            }}
          >
            <Mono>{s.polecatId}</Mono>
            <span className="muted">{s.runtime}</span>
            <span className="muted">{shortTime(s.startedAt)}</span>
            <span className="muted">{duration(s.startedAt, s.endedAt)}</span>
            <span className={s.endedAt ? (s.exitCode === 0 ? 'ok' : 'warn') : 'live'}>
              {s.endedAt ? `${s.endReason ?? 'ended'}${s.exitCode !== null ? ` (${s.exitCode})` : ''}` : 'live'}
            </span>
          </button>
        ))}
      </Section>

      <Section title={`Ledger (${events.length})`} hint={GLOSSARY.Ledger}>
        <ol className="events">
          {[...events].reverse().map((e) => (
            <li key={e.id}>
              <span className="muted ts">{shortTime(e.at)}</span>
              <span className="mono actor">{e.actor}</span>
              <span className="mono kind">{e.kind}</span>
              <span className="data">{compactJson(e.data)}</span>
            </li>
          ))}
        </ol>
      </Section>
    </div>
  )
}

function Section({ title, hint, children }: { title: string; hint?: string; children: ReactNode }) {
  return (
    <section className="detail-section">
      <h4 title={hint}>{title}</h4>
      {children}
    </section>
  )
}

function CloseBead({ id }: { id: string }) {
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  async function close() {
    setBusy(true)
    const bead = await attempt('Close failed', () => getClient().call('beads.close', { id, reason: reason.trim() || 'done' }))
    setBusy(false)
    if (!bead) return
    useBeads.getState().upsert(bead)
    void useBeadDetail.getState().refresh()
  }
  return (
    <div className="close-bead fields">
      <label className="field grow">
        <span>close reason</span>
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="done" data-testid="bead-close-reason" />
      </label>
      <button data-testid="bead-close" onClick={() => void close()} disabled={busy}>
        {busy ? 'Closing…' : 'Close bead'}
      </button>
    </div>
  )
}
