// Which queued starts may begin now: pure, so the order and the limits are tested on their own.
// Fair order is priority (0 first), then age (the older bead first), then arrival. A start whose rig is full
// does not hold back the ones behind it in other rigs: it waits, they go, while the town has room.
import type { SchedulerWaitKind } from '../../../shared/scheduler'

export interface Waiting {
  id: string
  rig: string
  priority: number
  /** ISO time the bead was created. */
  beadCreatedAt: string
  /** Arrival order, for ties. */
  seq: number
}

export interface Capacity {
  town: number
  rig: (rig: string) => number
}

/** Slots in use now: admitted starts and live sessions. */
export interface InUse {
  town: number
  rigs: ReadonlyMap<string, number>
}

export interface Hold {
  kind: 'paused' | 'dispatch_paused'
  why: string
}

export interface Plan<T extends Waiting> {
  admit: T[]
  /** Everything left in the queue, in order, with why it waits. */
  waiting: { entry: T; kind: SchedulerWaitKind; why: string }[]
}

export function fairOrder<T extends Waiting>(a: T, b: T): number {
  return a.priority - b.priority || (a.beadCreatedAt < b.beadCreatedAt ? -1 : a.beadCreatedAt > b.beadCreatedAt ? 1 : 0) || a.seq - b.seq
}

export function planAdmission<T extends Waiting>(queue: readonly T[], used: InUse, limits: Capacity, hold: Hold | null): Plan<T> {
  const ordered = [...queue].sort(fairOrder)
  if (hold) return { admit: [], waiting: ordered.map((entry) => ({ entry, kind: hold.kind, why: hold.why })) }
  let town = used.town
  const rigs = new Map(used.rigs)
  const admit: T[] = []
  const waiting: Plan<T>['waiting'] = []
  for (const entry of ordered) {
    const inRig = rigs.get(entry.rig) ?? 0
    const rigLimit = limits.rig(entry.rig)
    if (inRig >= rigLimit) {
      waiting.push({ entry, kind: 'rig_full', why: `rig ${entry.rig} is at its limit (${inRig} of ${rigLimit} in use)` })
      continue
    }
    if (town >= limits.town) {
      waiting.push({ entry, kind: 'town_full', why: `the town is at its limit (${town} of ${limits.town} in use)` })
      continue
    }
    admit.push(entry)
    town++
    rigs.set(entry.rig, inRig + 1)
  }
  return { admit, waiting }
}
