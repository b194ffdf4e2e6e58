// The Scheduler panel of the Convoys view: how many agents are alive against the town's and each rig's limit,
// which rigs take no new work and why (parked, failing, stuck), the queue in the order it will start with why
// each start waits, the slots in use (routed ones say the rig they were slung into), and the mayor's recent
// routing decisions. Limits, pause and park are changed here through the same contract methods as gt scheduler
// and gt rig park. Live from `scheduler` events; each section selects only its part of the store, so a change
// to the queue does not re-render the rigs (and nothing here re-renders the convoy board).
import { memo, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { SchedulerLimit, SchedulerQueueEntry, SchedulerRig, SchedulerSlot, SchedulerStatus } from '../../../../shared/scheduler'
import { shortTime } from '../../lib/format'
import { useScheduler, type RoutedDecision } from '../../stores/scheduler'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { openBead } from '../inbox/inbox-actions'
import { LIMIT_MAX, LIMIT_MIN, parseLimit, rigConditions, usedText } from './scheduler-view'
import './scheduler.css'

/** How many queued starts are listed; the rest are counted (gt scheduler status lists them all). */
const QUEUE_SHOWN = 200

function BeadLink({ id }: { id: string }) {
  return (
    <button className="link mono" onClick={() => openBead(id)} title="Open the bead in the Beads view">
      {id}
    </button>
  )
}

const applyStatus = (r: { status: SchedulerStatus } | undefined) => {
  if (r) useScheduler.getState().apply([], r.status)
}

/** A one-line form for an optional reason: Enter sends, Escape cancels; focused when it opens. */
function ReasonForm({ label, submitLabel, testId, onSubmit, onCancel }: { label: string; submitLabel: string; testId: string; onSubmit(reason: string | undefined): void; onCancel(): void }) {
  const [reason, setReason] = useState('')
  const inputRef = useRef<HTMLInputElement>(null)
  useEffect(() => inputRef.current?.focus(), [])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onSubmit(reason.trim() || undefined)
  }
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      onCancel()
    }
  }
  return (
    <form className="sched-reason" onSubmit={submit} onKeyDown={onKey} data-testid={testId}>
      <input ref={inputRef} className="small" aria-label={label} placeholder="reason (optional)" maxLength={300} value={reason} onChange={(e) => setReason(e.target.value)} data-testid={`${testId}-input`} />
      <button type="submit" className="small" data-testid={`${testId}-submit`}>
        {submitLabel}
      </button>
      <button type="button" className="small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  )
}

/** The limit of the town (rig undefined) or of a rig: a number to set, or back to the default. */
function LimitEditor({ rig, limit, testId, sourceShown = true }: { rig?: string; limit: SchedulerLimit; testId: string; sourceShown?: boolean }) {
  const [text, setText] = useState(String(limit.limit))
  const [busy, setBusy] = useState(false)
  // A limit changed elsewhere (gt scheduler limit, another window) shows here unless the user is typing one.
  const shown = useRef(limit.limit)
  useEffect(() => {
    if (text === String(shown.current)) setText(String(limit.limit))
    shown.current = limit.limit
  }, [limit.limit])
  const parsed = parseLimit(text)
  const what = rig ? `rig ${rig}` : 'the town'
  async function send(value: number | null) {
    setBusy(true)
    const s = await attempt(`Setting the limit of ${what} failed`, () => getClient().call('scheduler.limit', { ...(rig ? { rig } : {}), limit: value }))
    setBusy(false)
    if (s) {
      useScheduler.getState().apply([], s)
      const now = rig ? s.rigs.find((r) => r.rig === rig)?.limit : s.town.limit
      if (now !== undefined) setText(String(now))
    }
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if ('limit' in parsed) void send(parsed.limit)
  }
  const unchanged = 'limit' in parsed && parsed.limit === limit.limit && limit.source === 'set'
  return (
    <form className="sched-limit" onSubmit={submit} data-testid={testId}>
      <input
        className="mono small"
        type="number"
        inputMode="numeric"
        min={LIMIT_MIN}
        max={LIMIT_MAX}
        step={1}
        aria-label={`Limit of agents alive at once in ${what}`}
        aria-invalid={'error' in parsed}
        title={'error' in parsed ? parsed.error : `at most this many agents alive at once in ${what}`}
        value={text}
        onChange={(e) => setText(e.target.value)}
        disabled={busy}
        data-testid={`${testId}-input`}
      />
      <button type="submit" className="small" disabled={busy || 'error' in parsed || unchanged} aria-label={`Set the limit of ${what}`} title={'error' in parsed ? parsed.error : `Set the limit of ${what}`} data-testid={`${testId}-set`}>
        Set
      </button>
      <button
        type="button"
        className="small"
        disabled={busy || limit.source === 'default'}
        onClick={() => void send(null)}
        aria-label={`Default limit for ${what}`}
        title={limit.source === 'default' ? `${what} already has the default limit` : rig ? "Back to the default: the town's limit" : "Back to the default: the machine's"}
        data-testid={`${testId}-default`}
      >
        Default
      </button>
      {sourceShown ? <span className="muted small">{limit.source === 'set' ? 'set' : 'default'}</span> : null}
    </form>
  )
}

const RigRow = memo(function RigRow({ r }: { r: SchedulerRig }) {
  const [parking, setParking] = useState(false)
  const [busy, setBusy] = useState(false)
  const parkRef = useRef<HTMLButtonElement>(null)
  const conditions = rigConditions(r)
  async function park(reason: string | undefined) {
    setParking(false)
    setBusy(true)
    applyStatus(await attempt(`Parking rig ${r.rig} failed`, () => getClient().call('scheduler.park', { rig: r.rig, ...(reason ? { reason } : {}) })))
    setBusy(false)
  }
  async function unpark() {
    setBusy(true)
    applyStatus(await attempt(`Unparking rig ${r.rig} failed`, () => getClient().call('scheduler.unpark', { rig: r.rig })))
    setBusy(false)
  }
  return (
    <tr data-testid={`scheduler-rig-${r.rig}`} data-parked={r.parked ? 'true' : 'false'}>
      <td className="mono">{r.rig}</td>
      <td className="mono" data-testid={`scheduler-rig-${r.rig}-alive`}>
        {usedText(r)}
      </td>
      <td>
        <LimitEditor rig={r.rig} limit={r} testId={`scheduler-limit-${r.rig}`} />
      </td>
      <td className="mono small" title={r.twins.length ? 'Rigs on the same source repository: queued work moves between them when one is full, parked, stuck or failing' : undefined}>
        {r.twins.length ? r.twins.join(', ') : '—'}
      </td>
      <td className="sched-condition" data-testid={`scheduler-rig-${r.rig}-condition`}>
        {conditions.length ? (
          conditions.map((c) => (
            <div key={c.kind} className={`sched-cond sched-cond-${c.kind}`} title={c.kind === 'parked' && r.parked ? `since ${shortTime(r.parked.at)}` : undefined}>
              {c.text}
            </div>
          ))
        ) : (
          <span className="muted">open</span>
        )}
      </td>
      <td className="actions">
        {parking ? (
          <ReasonForm
            label={`Why park rig ${r.rig}`}
            submitLabel="Park"
            testId={`scheduler-park-form-${r.rig}`}
            onSubmit={(reason) => void park(reason)}
            onCancel={() => {
              setParking(false)
              requestAnimationFrame(() => parkRef.current?.focus())
            }}
          />
        ) : r.parked ? (
          <button className="small" disabled={busy} onClick={() => void unpark()} aria-label={`Unpark rig ${r.rig}`} title="Let it take new work again" data-testid={`scheduler-unpark-${r.rig}`}>
            Unpark
          </button>
        ) : (
          <button ref={parkRef} className="small" disabled={busy} onClick={() => setParking(true)} aria-label={`Park rig ${r.rig}`} title="Nothing new starts in it (running agents go on); queued work goes to a twin or waits" data-testid={`scheduler-park-${r.rig}`}>
            Park…
          </button>
        )}
      </td>
    </tr>
  )
})

function RigsSection() {
  const rigs = useScheduler((s) => s.status?.rigs)
  if (!rigs) return null
  if (!rigs.length) return <div className="muted small">No rigs yet.</div>
  return (
    <table className="table sched-table sched-rigs" data-testid="scheduler-rigs">
      <caption className="sched-caption">Rigs</caption>
      <thead>
        <tr>
          <th scope="col" style={{ width: '11%' }}>rig</th>
          <th scope="col" style={{ width: '8%' }}>alive</th>
          <th scope="col" style={{ width: '20%' }}>limit</th>
          <th scope="col" style={{ width: '12%' }}>twins</th>
          <th scope="col">condition</th>
          <th scope="col" style={{ width: '25%' }}>
            <span className="sr-only">actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rigs.map((r) => (
          <RigRow key={r.rig} r={r} />
        ))}
      </tbody>
    </table>
  )
}

const SlotRow = memo(function SlotRow({ x }: { x: SchedulerSlot }) {
  return (
    <tr data-testid={`scheduler-slot-${x.beadId}`} data-rig={x.rig} data-routed-from={x.routedFrom?.rig ?? ''}>
      <td>
        <BeadLink id={x.beadId} />
      </td>
      <td className="mono">
        {x.rig}{' '}
        {x.routedFrom ? (
          <span className="sched-from" title={x.routedFrom.why} data-testid={`scheduler-slot-${x.beadId}-from`}>
            from {x.routedFrom.rig}
            <span className="sr-only">: {x.routedFrom.why}</span>
          </span>
        ) : null}
      </td>
      <td>
        <span className={`badge ${x.state === 'running' ? 'state-working' : 'state-starting'}`}>{x.state}</span>
      </td>
      <td>
        {x.polecatId ? (
          <button className="link mono" onClick={() => useUi.getState().openTerminal(x.polecatId!)} title={`Open ${x.polecatId}'s terminal`}>
            {x.polecatId}
          </button>
        ) : (
          '—'
        )}
      </td>
      <td className="muted small">{shortTime(x.since)}</td>
    </tr>
  )
})

function SlotsSection() {
  const slots = useScheduler((s) => s.status?.slots)
  if (!slots) return null
  return (
    <table className="table sched-table" data-testid="scheduler-slots">
      <caption className="sched-caption">Slots in use ({slots.length})</caption>
      <thead>
        <tr>
          <th scope="col" style={{ width: '18%' }}>bead</th>
          <th scope="col" style={{ width: '30%' }}>rig</th>
          <th scope="col" style={{ width: '14%' }}>state</th>
          <th scope="col">polecat</th>
          <th scope="col" style={{ width: '14%' }}>since</th>
        </tr>
      </thead>
      <tbody>
        {slots.length ? (
          slots.map((x) => <SlotRow key={x.id} x={x} />)
        ) : (
          <tr>
            <td colSpan={5} className="muted small">
              No agent alive.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  )
}

const QueueRow = memo(function QueueRow({ q }: { q: SchedulerQueueEntry }) {
  return (
    <tr data-testid={`scheduler-queue-${q.beadId}`} data-wait={q.wait.kind}>
      <td className="mono">{q.position}</td>
      <td>
        <BeadLink id={q.beadId} />
      </td>
      <td className="mono" title={q.twins.length ? `may start in ${q.twins.join(', ')} (same source repository) when ${q.rig} cannot take it` : undefined}>
        {q.rig}
        {q.twins.length ? <span className="muted small"> or {q.twins.join(', ')}</span> : null}
      </td>
      <td>
        <span className={`badge sev-P${q.priority}`}>P{q.priority}</span>
      </td>
      <td className="small">{q.kind}</td>
      <td title={q.title}>{q.title}</td>
      <td className="sched-why" title={q.wait.why} data-testid={`scheduler-queue-${q.beadId}-why`}>
        {q.wait.why}
      </td>
    </tr>
  )
})

function QueueSection() {
  const queue = useScheduler((s) => s.status?.queue)
  if (!queue) return null
  const shown = queue.length > QUEUE_SHOWN ? queue.slice(0, QUEUE_SHOWN) : queue
  return (
    <table className="table sched-table" data-testid="scheduler-queue">
      <caption className="sched-caption">Queue ({queue.length}) — in the order it starts: priority, then the older bead</caption>
      <thead>
        <tr>
          <th scope="col" style={{ width: '4%' }}>#</th>
          <th scope="col" style={{ width: '11%' }}>bead</th>
          <th scope="col" style={{ width: '15%' }}>rig</th>
          <th scope="col" style={{ width: '6%' }}>p</th>
          <th scope="col" style={{ width: '7%' }}>kind</th>
          <th scope="col" style={{ width: '22%' }}>title</th>
          <th scope="col">waits for</th>
        </tr>
      </thead>
      <tbody>
        {shown.length ? (
          shown.map((q) => <QueueRow key={q.id} q={q} />)
        ) : (
          <tr>
            <td colSpan={7} className="muted small">
              Nothing waits to start.
            </td>
          </tr>
        )}
        {queue.length > shown.length ? (
          <tr>
            <td colSpan={7} className="muted small">
              and {queue.length - shown.length} more (gt scheduler status lists them all)
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  )
}

function RoutedItem({ d }: { d: RoutedDecision }) {
  return (
    <li data-testid={`scheduler-routed-${d.beadId}`} title={d.why}>
      <span className="muted small mono">{shortTime(d.at)}</span> <span className="mono">{d.beadId}</span>{' '}
      <span className="mono">
        {d.from} → {d.to}
      </span>
      <span className="muted small"> — {d.why}</span>
    </li>
  )
}

function RoutedSection() {
  const routed = useScheduler((s) => s.routed)
  return (
    <div className="sched-routed">
      <h4 className="sched-caption">Recent routing by the mayor</h4>
      {routed.length ? (
        <ul data-testid="scheduler-routed">
          {routed.map((d) => (
            <RoutedItem key={`${d.id}-${d.at}`} d={d} />
          ))}
        </ul>
      ) : (
        <div className="muted small">None yet. A queued start moves to a twin rig (same source) when its own rig is full, parked, stuck or failing.</div>
      )}
    </div>
  )
}

function TownHead() {
  const town = useScheduler((s) => s.status?.town)
  const machine = useScheduler((s) => s.status?.machine)
  if (!town || !machine) return null
  return (
    <div className="sched-town" data-testid="scheduler-town">
      <span>
        Town: <span className="mono" data-testid="scheduler-town-alive">{usedText(town)}</span> agents alive
      </span>
      <LimitEditor limit={town} testId="scheduler-limit-town" sourceShown={false} />
      <span className="muted small" title={`${machine.cores} cores, ${machine.memoryGiB} GiB`} data-testid="scheduler-town-source">
        {town.source === 'set' ? `set (the machine's default would be ${machine.townDefault}: ${machine.formula})` : `default for ${machine.cores} cores, ${machine.memoryGiB} GiB: ${machine.formula}`}
      </span>
    </div>
  )
}

function PauseControl() {
  const paused = useScheduler((s) => s.status?.paused ?? null)
  const loaded = useScheduler((s) => s.status !== null)
  const [asking, setAsking] = useState(false)
  const [busy, setBusy] = useState(false)
  if (!loaded) return null
  async function pause(reason: string | undefined) {
    setAsking(false)
    setBusy(true)
    applyStatus(await attempt('Pausing the scheduler failed', () => getClient().call('scheduler.pause', reason ? { reason } : {})))
    setBusy(false)
  }
  async function resume() {
    setBusy(true)
    applyStatus(await attempt('Resuming the scheduler failed', () => getClient().call('scheduler.resume', {})))
    setBusy(false)
  }
  if (asking) return <ReasonForm label="Why pause the scheduler" submitLabel="Pause" testId="scheduler-pause-form" onSubmit={(r) => void pause(r)} onCancel={() => setAsking(false)} />
  return paused !== null ? (
    <button className="small" disabled={busy} onClick={() => void resume()} title="Let the queue go: waiting starts begin as there is room" data-testid="scheduler-resume">
      Resume
    </button>
  ) : (
    <button className="small" disabled={busy} onClick={() => setAsking(true)} title="Hold the queue: running agents go on, nothing new starts" data-testid="scheduler-pause">
      Pause…
    </button>
  )
}

/** Agents alive and queued, in the head: still there when the panel is folded. */
function Summary() {
  const town = useScheduler((s) => s.status?.town)
  const queued = useScheduler((s) => s.status?.queue.length ?? 0)
  const parked = useScheduler((s) => s.status?.rigs.filter((r) => r.parked).length ?? 0)
  if (!town) return null
  return (
    <span className="muted small mono" data-testid="scheduler-summary">
      {usedText(town)} alive · {queued} queued{parked ? ` · ${parked} parked` : ''}
    </span>
  )
}

function Banners() {
  const paused = useScheduler((s) => s.status?.paused ?? null)
  const dispatchPaused = useScheduler((s) => s.status?.dispatchPaused ?? null)
  return (
    <>
      {paused !== null ? (
        <div className="sched-banner" role="status" data-testid="scheduler-paused">
          The scheduler is paused: {paused}. Running agents go on; nothing new starts until Resume.
        </div>
      ) : null}
      {dispatchPaused !== null ? (
        <div className="sched-banner" role="status" data-testid="scheduler-dispatch-paused">
          Dispatch is paused town-wide: {dispatchPaused}. The queue waits for it too (gt town resume).
        </div>
      ) : null}
    </>
  )
}

export function SchedulerPanel() {
  const [open, setOpen] = useState(true)
  const error = useScheduler((s) => s.error)
  const loaded = useScheduler((s) => s.status !== null)
  return (
    <section className="panel scheduler-panel" data-testid="scheduler-panel" aria-labelledby="scheduler-panel-title">
      <div className="sched-head">
        <h3 className="detail-title" id="scheduler-panel-title">
          <button className="link sched-toggle" aria-expanded={open} aria-controls="scheduler-panel-body" onClick={() => setOpen(!open)} data-testid="scheduler-toggle">
            {open ? '▾' : '▸'} Scheduler
          </button>{' '}
          <span className="muted small">— agents alive against the limits, what waits and why, and where the mayor routes work</span>
        </h3>
        <span className="spacer" />
        <Summary />
        <PauseControl />
      </div>
      {error ? <div className="inline-error">Could not read the scheduler's status: {error}</div> : null}
      {open ? (
        <div className="sched-body" id="scheduler-panel-body">
          {loaded ? null : <div className="muted small">Reading the scheduler…</div>}
          <Banners />
          <TownHead />
          <RigsSection />
          <div className="sched-columns">
            <SlotsSection />
            <RoutedSection />
          </div>
          <QueueSection />
        </div>
      ) : null}
    </section>
  )
}
