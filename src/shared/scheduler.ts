// The scheduler's shapes as clients see them (gt scheduler status, the `scheduler` event). No Node, no DOM.

/** Why a queued start waits. */
export type SchedulerWaitKind = 'paused' | 'dispatch_paused' | 'town_full' | 'rig_full' | 'rig_parked'

export interface SchedulerQueueEntry {
  /** 1 = the next to start when there is room for it. */
  position: number
  id: string
  beadId: string
  /** The rig it was slung into. It may start in one of `twins` instead (the mayor's router). */
  rig: string
  /**
   * Rigs on the same source repository it may start in when its own rig is full, parked, stuck or failing.
   * Empty for a restart or a bead whose branch lives in its rig (hooked to an exited polecat).
   */
  twins: string[]
  priority: number
  title: string
  /** A new sling, or a new session for a polecat whose bead is still on its hook (the Dogs, recovery, Restart). */
  kind: 'sling' | 'restart'
  /** When the bead was created: its age, the order within a priority. */
  beadCreatedAt: string
  queuedAt: string
  wait: { kind: SchedulerWaitKind; why: string }
}

/** A slot in use: a start admitted and under way, or an agent session alive. */
export interface SchedulerSlot {
  id: string
  beadId: string
  rig: string
  /** Routed: the rig it was slung into and why it starts here instead; null when it starts where it was slung. */
  routedFrom: { rig: string; why: string } | null
  state: 'starting' | 'running'
  polecatId: string | null
  sessionId: string | null
  since: string
}

export interface SchedulerLimit {
  limit: number
  /** `set` with gt scheduler limit; `default` from the machine (town) or the town's limit (a rig). */
  source: 'set' | 'default'
}

export interface SchedulerStatus {
  /** Why the scheduler holds its queue (gt scheduler pause), or null. */
  paused: string | null
  /** Why dispatch is paused town-wide (a mass death, a drain), or null: the queue waits for it too. */
  dispatchPaused: string | null
  town: SchedulerLimit & { running: number; starting: number }
  rigs: SchedulerRig[]
  slots: SchedulerSlot[]
  queue: SchedulerQueueEntry[]
  /** The machine's default town limit and how it was worked out. */
  machine: { cores: number; memoryGiB: number; townDefault: number; formula: string }
}

/** A rig parked with gt rig park: nothing new starts in it (running agents go on) until unparked. */
export interface ParkedRig {
  why: string
  by: string
  at: string
}

/** A rig as the scheduler and the mayor's router see it. */
export interface SchedulerRig extends SchedulerLimit {
  rig: string
  running: number
  starting: number
  parked: ParkedRig | null
  /** Why new work goes elsewhere when it can: its last starts failed; null when not. */
  failing: string | null
  /** Why new work goes elsewhere when it can: every agent alive in it looks stuck; null when not. */
  stuck: string | null
  /** Rigs on the same source repository: queued work moves between them (the mayor's router). */
  twins: string[]
}

/** What changed, carried by the `scheduler` event with the status as it now is. */
export type SchedulerChange =
  | { kind: 'queued'; id: string; beadId: string; rig: string }
  | { kind: 'admitted'; id: string; beadId: string; rig: string }
  | { kind: 'started'; id: string; beadId: string; rig: string; polecatId: string; sessionId: string }
  | { kind: 'released'; id: string; beadId: string; rig: string }
  | { kind: 'dropped'; id: string; beadId: string; rig: string; why: string }
  | { kind: 'limit'; rig: string | null; limit: number | null }
  | { kind: 'routed'; id: string; beadId: string; from: string; to: string; why: string }
  | { kind: 'parked'; rig: string; why: string }
  | { kind: 'unparked'; rig: string }
  | { kind: 'paused'; why: string }
  | { kind: 'resumed' }
