// The scheduler's shapes as clients see them (gt scheduler status, the `scheduler` event). No Node, no DOM.

/** Why a queued start waits. */
export type SchedulerWaitKind = 'paused' | 'dispatch_paused' | 'town_full' | 'rig_full'

export interface SchedulerQueueEntry {
  /** 1 = the next to start when there is room for it. */
  position: number
  id: string
  beadId: string
  rig: string
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
  rigs: (SchedulerLimit & { rig: string; running: number; starting: number })[]
  slots: SchedulerSlot[]
  queue: SchedulerQueueEntry[]
  /** The machine's default town limit and how it was worked out. */
  machine: { cores: number; memoryGiB: number; townDefault: number; formula: string }
}

/** What changed, carried by the `scheduler` event with the status as it now is. */
export type SchedulerChange =
  | { kind: 'queued'; id: string; beadId: string; rig: string }
  | { kind: 'admitted'; id: string; beadId: string; rig: string }
  | { kind: 'started'; id: string; beadId: string; rig: string; polecatId: string; sessionId: string }
  | { kind: 'released'; id: string; beadId: string; rig: string }
  | { kind: 'dropped'; id: string; beadId: string; rig: string; why: string }
  | { kind: 'limit'; rig: string | null; limit: number | null }
  | { kind: 'paused'; why: string }
  | { kind: 'resumed' }
