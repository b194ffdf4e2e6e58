// The scheduler: the capacity layer under sling. Every start of an agent session (a sling, the Dogs' restarts,
// the inbox's Restart, start-up recovery) asks it for a slot first and holds the slot until the agent's process
// exits. A start with no room waits in the queue, in fair order (admission.ts), and the next one begins when a
// session ends — on that exit, not by polling.
//
// Admission is atomic: the check of the limits and the reservation of the slot happen in one synchronous pass
// (pump), and a slot is counted from the moment it is granted — through the awaits of preparing a worktree and
// the launch — until the process is gone. Many slings at once cannot pass the limits between two awaits.
// The mayor's router lives here too (admission.ts decides): a start may begin in a twin of its rig — a rig on
// the same source repository — when its own is full, parked, stuck or failing.
// The queue lives in memory: a queued sling is not acknowledged until it starts (its caller is still waiting);
// if the control room stops first, the caller gets an error and nothing was promised.
import { CoreError } from '../../../shared/contract'
import type { SchedulerChange, SchedulerQueueEntry, SchedulerSlot, SchedulerStatus } from '../../../shared/scheduler'
import type { Ledger } from '../ledger/ledger'
import { OPEN_RIG, planAdmission, type Hold, type RigCondition, type Waiting } from './admission'
import { thisMachine } from './machine-limit'
import type { SchedulerSettings } from './scheduler-settings'

/** How often a caller still waiting in the queue hears so. */
const PROGRESS_AGAIN_MS = 60_000
/** This many failed starts in a row make a rig "failing": new work goes to a twin while one is open… */
export const FAILING_AFTER = 3
/** …until this long after the last failure, when it gets a try again. */
export const FAILING_FOR_MS = 10 * 60_000

export interface AdmissionRequest {
  beadId: string
  rig: string
  priority: number
  beadCreatedAt: string
  title: string
  kind: 'sling' | 'restart'
  /** It may start in a twin rig: false for a restart or a bead whose branch lives in its rig. */
  movable: boolean
}

/** A granted place among the agents alive. Released once: when its start fails, or when its process exits. */
export interface Slot {
  readonly id: string
  /** Where it starts: the rig asked for, or a twin the router chose. */
  readonly rig: string
  /** Set when the router chose a twin: the rig asked for and why not there. */
  readonly routedFrom: { rig: string; why: string } | null
  /** The agent's process runs: the slot is held until it exits. */
  started(stream: { readonly running: boolean; onExit(listener: () => void): void }, polecatId: string, sessionId: string): void
  /**
   * The start failed before its process ran (`failure` says why; a start its caller gave up on has none):
   * the slot is free again. Once started, only the exit frees it.
   */
  release(failure?: string): void
}

export interface AdmitOptions {
  /** Told when the start has to wait, and why (gt sling prints it). */
  progress?: (message: string, percent: number | null) => void
  /** The caller went away: it leaves the queue. */
  signal?: AbortSignal
}

export interface SchedulerDeps {
  settings: SchedulerSettings
  ledger: Ledger
  /** The town's rigs, for the status. */
  rigs: () => string[]
  /** Why dispatch is paused town-wide (a mass death, a drain), or null: nothing starts while it is. */
  dispatchPaused: () => string | null
  /** Each batch of changes, with the status as it now is. */
  changed: (changes: SchedulerChange[], status: SchedulerStatus) => void
  /** The bead as it is now: a priority changed while it waits counts at the next admission. */
  bead: (id: string) => { priority: number; title: string } | null
  /** Each rig's twins: the other rigs on the same source repository (the router may start its work there). */
  twins: () => ReadonlyMap<string, readonly string[]>
  /** Whether the witness finds this polecat stuck (no activity for long while working). */
  stuck: (polecatId: string) => boolean
  /** The machine's default (tests give a fixed one). */
  machine?: () => SchedulerStatus['machine']
  now?: () => number
}

interface Entry extends Waiting, AdmissionRequest {
  queuedAt: string
  resolve: (slot: Slot) => void
  reject: (err: Error) => void
  opts: AdmitOptions
  lastWhy: string | null
  noted: boolean
  unlisten: () => void
}

interface SlotRow extends SchedulerSlot {
  released: boolean
}

/** Starts that failed in a row in a rig (before their agent ran), and the last one's why. */
interface StartFailures {
  count: number
  at: number
  why: string
}

export class Scheduler {
  private queue: Entry[] = []
  private slots = new Map<string, SlotRow>()
  private seq = 0
  private pumpQueued = false
  private pending: SchedulerChange[] = []
  private closed = false
  private machine: SchedulerStatus['machine']
  private failures = new Map<string, StartFailures>()
  private now: () => number

  constructor(private d: SchedulerDeps) {
    this.machine = d.machine ? d.machine() : thisMachine()
    this.now = d.now ?? Date.now
  }

  /**
   * Resolves with a slot once the request may start. Requests that arrive in the same turn of the event loop
   * (many slings at once) are ordered together before any is admitted.
   */
  admit(req: AdmissionRequest, opts: AdmitOptions = {}): Promise<Slot> {
    if (this.closed) return Promise.reject(new CoreError('failed', 'the control room is shutting down'))
    const queued = this.queue.findIndex((e) => e.beadId === req.beadId)
    if (queued >= 0) throw new CoreError('conflict', `bead ${req.beadId} is already waiting to start (gt scheduler status shows it in the queue, for rig ${this.queue[queued].rig})`)
    const holding = [...this.slots.values()].find((s) => s.beadId === req.beadId)
    if (holding) throw new CoreError('conflict', holding.state === 'starting' ? `bead ${req.beadId} is already starting` : `bead ${req.beadId} is already hooked to ${holding.polecatId}, which is running`)
    if (opts.signal?.aborted) throw new CoreError('failed', 'the caller went away before the start was queued')
    return new Promise<Slot>((resolve, reject) => {
      const id = `q${++this.seq}`
      // Its twins are looked up at each pass (refresh), as rigs come and go while it waits.
      const entry: Entry = { ...req, twins: [], id, seq: this.seq, queuedAt: new Date().toISOString(), resolve, reject, opts, lastWhy: null, noted: false, unlisten: () => {} }
      const cleanups: (() => void)[] = []
      if (opts.signal) {
        const onAbort = () => this.drop(entry, 'its caller went away')
        opts.signal.addEventListener('abort', onAbort, { once: true })
        cleanups.push(() => opts.signal!.removeEventListener('abort', onAbort))
      }
      if (opts.progress) {
        // A caller waiting on a quiet answer gives up (fetch: after 5 minutes): it hears the wait again now and then.
        const again = setInterval(() => entry.lastWhy && opts.progress!(`still ${entry.lastWhy}`, null), PROGRESS_AGAIN_MS)
        again.unref()
        cleanups.push(() => clearInterval(again))
      }
      entry.unlisten = () => cleanups.forEach((c) => c())
      this.queue.push(entry)
      this.note({ kind: 'queued', id, beadId: req.beadId, rig: req.rig })
      this.schedulePump()
    })
  }

  /** Something that may make room or lift a hold happened (dispatch resumed): look at the queue again. */
  kick(): void {
    this.schedulePump()
  }

  townLimit(): { limit: number; source: 'set' | 'default' } {
    const set = this.d.settings.read().town
    return set !== null ? { limit: set, source: 'set' } : { limit: this.machine.townDefault, source: 'default' }
  }

  rigLimit(rig: string): { limit: number; source: 'set' | 'default' } {
    const set = this.d.settings.read().rigs[rig]
    return set !== undefined ? { limit: set, source: 'set' } : { limit: this.townLimit().limit, source: 'default' }
  }

  /** Sets (or, with null, unsets) the town's limit or a rig's. Lowering one stops nothing: no new start until below. */
  setLimit(rig: string | null, limit: number | null, actor: string): SchedulerStatus {
    const was = rig ? (this.d.settings.read().rigs[rig] ?? null) : this.d.settings.read().town
    this.d.settings.change(actor, 'scheduler.limit-set', { rig, limit, was }, (s) => {
      if (rig === null) s.town = limit
      else if (limit === null) delete s.rigs[rig]
      else s.rigs[rig] = limit
      return s
    })
    this.note({ kind: 'limit', rig, limit })
    this.schedulePump()
    return this.status()
  }

  /** Holds the queue: running agents go on, nothing new starts. Separate from a mass death's dispatch pause. */
  pause(why: string, actor: string): { paused: boolean; status: SchedulerStatus } {
    if (this.d.settings.read().paused !== null) return { paused: false, status: this.status() }
    this.d.settings.change(actor, 'scheduler.paused', { why }, (s) => ({ ...s, paused: why }))
    this.note({ kind: 'paused', why })
    this.schedulePump()
    return { paused: true, status: this.status() }
  }

  resume(actor: string): { resumed: boolean; status: SchedulerStatus } {
    const was = this.d.settings.read().paused
    if (was === null) return { resumed: false, status: this.status() }
    this.d.settings.change(actor, 'scheduler.resumed', { was }, (s) => ({ ...s, paused: null }))
    this.note({ kind: 'resumed' })
    this.schedulePump()
    return { resumed: true, status: this.status() }
  }

  /** Parks a rig: nothing new starts in it; running agents go on; what waits for it may go to a twin. */
  park(rig: string, why: string, actor: string): { parked: boolean; status: SchedulerStatus } {
    if (this.d.settings.read().parked[rig]) return { parked: false, status: this.status() }
    this.d.settings.change(actor, 'scheduler.rig-parked', { rig, why }, (s) => {
      s.parked[rig] = { why, by: actor, at: new Date(this.now()).toISOString() }
      return s
    })
    this.note({ kind: 'parked', rig, why })
    this.schedulePump()
    return { parked: true, status: this.status() }
  }

  unpark(rig: string, actor: string): { unparked: boolean; status: SchedulerStatus } {
    const was = this.d.settings.read().parked[rig]
    if (!was) return { unparked: false, status: this.status() }
    this.d.settings.change(actor, 'scheduler.rig-unparked', { rig, was }, (s) => {
      delete s.parked[rig]
      return s
    })
    this.note({ kind: 'unparked', rig })
    this.schedulePump()
    return { unparked: true, status: this.status() }
  }

  /** A rig removed from the town: what waits to start in it is refused, and its limit and park go with it. */
  forgetRig(rig: string, actor: string): void {
    for (const e of this.queue.filter((x) => x.rig === rig)) this.drop(e, `its rig ${rig} was removed`)
    const s = this.d.settings.read()
    this.failures.delete(rig)
    if (s.rigs[rig] === undefined && !s.parked[rig]) return
    this.d.settings.change(actor, 'scheduler.rig-forgotten', { rig }, (x) => {
      delete x.rigs[rig]
      delete x.parked[rig]
      return x
    })
  }

  status(): SchedulerStatus {
    if (this.pumpQueued) this.pump()
    const twins = this.refresh()
    const used = this.inUse()
    const town = this.townLimit()
    const plan = planAdmission(this.queue, used, { town: town.limit, rig: (r) => this.rigLimit(r).limit }, this.hold(), (r) => this.condition(r))
    const slots = [...this.slots.values()].map(({ released: _, ...s }) => s)
    const rigNames = [...new Set([...this.d.rigs(), ...slots.map((s) => s.rig), ...this.queue.map((e) => e.rig)])].sort()
    const count = (rig: string | null, state: SchedulerSlot['state']) => slots.filter((s) => (rig === null || s.rig === rig) && s.state === state).length
    const queue: SchedulerQueueEntry[] = plan.waiting.map((w, i) => ({
      position: i + 1,
      id: w.entry.id,
      beadId: w.entry.beadId,
      rig: w.entry.rig,
      twins: [...w.entry.twins],
      priority: w.entry.priority,
      title: w.entry.title,
      kind: w.entry.kind,
      beadCreatedAt: w.entry.beadCreatedAt,
      queuedAt: w.entry.queuedAt,
      wait: { kind: w.kind, why: w.why }
    }))
    return {
      paused: this.d.settings.read().paused,
      dispatchPaused: this.d.dispatchPaused(),
      town: { ...town, running: count(null, 'running'), starting: count(null, 'starting') },
      rigs: rigNames.map((rig) => ({
        rig,
        ...this.rigLimit(rig),
        running: count(rig, 'running'),
        starting: count(rig, 'starting'),
        parked: this.d.settings.read().parked[rig] ?? null,
        failing: this.failingWhy(rig),
        stuck: this.stuckWhy(rig),
        twins: [...(twins.get(rig) ?? [])]
      })),
      slots,
      queue,
      machine: this.machine
    }
  }

  /** Quitting: queued starts are refused (their callers hear why); held slots end with their processes. */
  close(): void {
    this.closed = true
    for (const e of this.queue.splice(0)) {
      e.unlisten()
      e.reject(new CoreError('failed', `the control room is shutting down: ${e.beadId} was still waiting to start and was not slung`))
    }
  }

  /** The queue as things are now: each entry's twins and its bead's priority and title. Returns the twins. */
  private refresh(): ReadonlyMap<string, readonly string[]> {
    const twins = this.d.twins()
    for (const e of this.queue) {
      // A twin added or removed while it waits counts at the next admission.
      e.twins = e.movable ? (twins.get(e.rig) ?? []) : []
      const b = this.d.bead(e.beadId)
      if (b) {
        e.priority = b.priority
        e.title = b.title
      }
    }
    return twins
  }

  private condition(rig: string): RigCondition {
    const parked = this.d.settings.read().parked[rig]
    const avoid = this.failingWhy(rig) ?? this.stuckWhy(rig)
    return parked || avoid ? { parked: parked ? parked.why : null, avoid } : OPEN_RIG
  }

  private failingWhy(rig: string): string | null {
    const f = this.failures.get(rig)
    if (!f || f.count < FAILING_AFTER || this.now() - f.at > FAILING_FOR_MS) return null
    return `its last ${f.count} starts failed (the last: ${f.why.slice(0, 200)})`
  }

  private stuckWhy(rig: string): string | null {
    const alive = [...this.slots.values()].filter((s) => s.rig === rig && s.state === 'running' && s.polecatId)
    if (!alive.length || !alive.every((s) => this.d.stuck(s.polecatId!))) return null
    return alive.length === 1 ? `its agent ${alive[0].polecatId} looks stuck` : `all ${alive.length} of its agents alive look stuck`
  }

  private hold(): Hold | null {
    const dispatch = this.d.dispatchPaused()
    if (dispatch) return { kind: 'dispatch_paused', why: `dispatch is paused: ${dispatch} (gt town resume)` }
    const paused = this.d.settings.read().paused
    if (paused !== null) return { kind: 'paused', why: `the scheduler is paused: ${paused} (gt scheduler resume)` }
    return null
  }

  private inUse(): { town: number; rigs: Map<string, number> } {
    const rigs = new Map<string, number>()
    for (const s of this.slots.values()) rigs.set(s.rig, (rigs.get(s.rig) ?? 0) + 1)
    return { town: this.slots.size, rigs }
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.closed) return
    this.pumpQueued = true
    setImmediate(() => {
      if (this.pumpQueued && !this.closed) this.pump()
    })
  }

  /** One synchronous pass: what may start is given its slot here, before anything else can run. */
  private pump(): void {
    this.pumpQueued = false
    this.refresh()
    const town = this.townLimit().limit
    const plan = planAdmission(this.queue, this.inUse(), { town, rig: (r) => this.rigLimit(r).limit }, this.hold(), (r) => this.condition(r))
    for (const { entry: e, rig, routedWhy } of plan.admit) {
      // The limits are checked against the slots as they are after each grant: planAdmission counted them in.
      this.queue.splice(this.queue.indexOf(e), 1)
      e.unlisten()
      const routedFrom = routedWhy === null ? null : { rig: e.rig, why: routedWhy }
      if (routedFrom) {
        this.d.ledger.append('mayor', 'scheduler.routed', e.beadId, { slot: e.id, from: e.rig, to: rig, why: routedWhy })
        this.note({ kind: 'routed', id: e.id, beadId: e.beadId, from: e.rig, to: rig, why: routedWhy! })
        e.opts.progress?.(`${routedWhy}: starting in its twin rig ${rig} (same source repository)`, null)
      }
      const slot = this.grant(e, rig, routedFrom)
      const used = this.inUse()
      this.d.ledger.append('scheduler', 'scheduler.admitted', e.beadId, {
        rig,
        ...(routedFrom ? { slungInto: e.rig } : {}),
        priority: e.priority,
        kind: e.kind,
        waitedMs: Date.now() - Date.parse(e.queuedAt),
        inUse: { town: used.town, rig: used.rigs.get(rig) ?? 0 },
        limits: { town, rig: this.rigLimit(rig).limit }
      })
      this.note({ kind: 'admitted', id: e.id, beadId: e.beadId, rig })
      e.resolve(slot)
    }
    plan.waiting.forEach((w, i) => {
      const e = w.entry
      if (!e.noted) {
        e.noted = true
        this.d.ledger.append('scheduler', 'scheduler.queued', e.beadId, { rig: e.rig, priority: e.priority, kind: e.kind, why: w.why })
      }
      const message = `waiting to start (${i + 1} in the queue): ${w.why}`
      if (e.lastWhy !== message) {
        e.lastWhy = message
        e.opts.progress?.(message, null)
      }
    })
    this.flush()
  }

  private grant(e: Entry, rig: string, routedFrom: SlotRow['routedFrom']): Slot {
    const row: SlotRow = { id: e.id, beadId: e.beadId, rig, routedFrom, state: 'starting', polecatId: null, sessionId: null, since: new Date().toISOString(), released: false }
    this.slots.set(row.id, row)
    const release = () => {
      if (row.released) return
      row.released = true
      this.slots.delete(row.id)
      this.note({ kind: 'released', id: row.id, beadId: row.beadId, rig: row.rig })
      // The next start goes now, in this turn: a burst is ordered on arrival, a freed slot has nothing to wait for.
      if (!this.closed) this.pump()
    }
    return {
      id: row.id,
      rig,
      routedFrom,
      started: (stream, polecatId, sessionId) => {
        if (row.released) return
        this.failures.delete(rig)
        row.state = 'running'
        row.polecatId = polecatId
        row.sessionId = sessionId
        row.since = new Date().toISOString()
        this.note({ kind: 'started', id: row.id, beadId: row.beadId, rig: row.rig, polecatId, sessionId })
        if (!stream.running) return release()
        stream.onExit(release)
      },
      release: (failure) => {
        if (row.state !== 'starting' || row.released) return
        if (failure !== undefined) {
          const f = this.failures.get(rig)
          this.failures.set(rig, { count: (f?.count ?? 0) + 1, at: this.now(), why: failure })
        }
        release()
      }
    }
  }

  private drop(e: Entry, why: string): void {
    const i = this.queue.indexOf(e)
    if (i < 0) return
    this.queue.splice(i, 1)
    e.unlisten()
    this.d.ledger.append('scheduler', 'scheduler.dropped', e.beadId, { rig: e.rig, why })
    this.note({ kind: 'dropped', id: e.id, beadId: e.beadId, rig: e.rig, why })
    e.reject(new CoreError('failed', `${e.beadId} left the scheduler's queue: ${why}`))
  }

  /** Collects changes and sends them, with the status, once per turn of the event loop. */
  private note(change: SchedulerChange): void {
    this.pending.push(change)
    if (this.pending.length === 1) setImmediate(() => this.flush())
  }

  private flush(): void {
    if (this.pending.length === 0 || this.closed) return
    const changes = this.pending.splice(0)
    this.d.changed(changes, this.status())
  }
}
