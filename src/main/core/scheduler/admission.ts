// Which queued starts may begin now, and in which rig: pure, so the order, the limits and the mayor's routing
// are tested on their own. Fair order is priority (0 first), then age (the older bead first), then arrival.
// A start whose rig is full does not hold back the ones behind it in other rigs: it waits, they go, while the
// town has room.
//
// The router: a start may begin in a twin of its rig (a rig on the same source repository, so its work lands
// in the same place) when its own rig is full, parked, stuck or failing and a twin is open — the twin with
// the most free room, then by name. Parked and full hold a start that has no open twin; stuck and failing only
// send work elsewhere when they can (with nowhere else to go it starts in its own rig, and its caller hears
// what went wrong there).
import type { SchedulerWaitKind } from '../../../shared/scheduler'

export interface Waiting {
  id: string
  rig: string
  /** Rigs it may begin in instead of its own; empty when it must run in its own. */
  twins: readonly string[]
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

/** What the router knows of a rig besides its room. */
export interface RigCondition {
  /** Why nothing new starts in it (gt rig park), or null. */
  parked: string | null
  /** Why work should go elsewhere when it can (its last starts failed, its agents look stuck), or null. */
  avoid: string | null
}

export const OPEN_RIG: RigCondition = { parked: null, avoid: null }

export interface Admission<T> {
  entry: T
  /** Where it starts: its own rig or a twin. */
  rig: string
  /** Why it starts in a twin and not its own rig; null in its own. */
  routedWhy: string | null
}

export interface Plan<T extends Waiting> {
  admit: Admission<T>[]
  /** Everything left in the queue, in order, with why it waits. */
  waiting: { entry: T; kind: SchedulerWaitKind; why: string }[]
}

export function fairOrder<T extends Waiting>(a: T, b: T): number {
  return a.priority - b.priority || (a.beadCreatedAt < b.beadCreatedAt ? -1 : a.beadCreatedAt > b.beadCreatedAt ? 1 : 0) || a.seq - b.seq
}

export function planAdmission<T extends Waiting>(
  queue: readonly T[],
  used: InUse,
  limits: Capacity,
  hold: Hold | null,
  condition: (rig: string) => RigCondition = () => OPEN_RIG
): Plan<T> {
  const ordered = [...queue].sort(fairOrder)
  if (hold) return { admit: [], waiting: ordered.map((entry) => ({ entry, kind: hold.kind, why: hold.why })) }
  let town = used.town
  const rigs = new Map(used.rigs)
  const admit: Admission<T>[] = []
  const waiting: Plan<T>['waiting'] = []
  const free = (rig: string) => limits.rig(rig) - (rigs.get(rig) ?? 0)
  const take = (entry: T, rig: string, routedWhy: string | null) => {
    admit.push({ entry, rig, routedWhy })
    town++
    rigs.set(rig, (rigs.get(rig) ?? 0) + 1)
  }
  /** Why a rig takes no new start now (null: it takes one); `lift` says how to lift a park, for a start that waits. */
  const closed = (rig: string): { kind: SchedulerWaitKind; why: string; lift: string } | null => {
    const c = condition(rig)
    if (c.parked) return { kind: 'rig_parked', why: `rig ${rig} is parked: ${c.parked}`, lift: ` (gt rig unpark ${rig})` }
    const inRig = rigs.get(rig) ?? 0
    if (inRig >= limits.rig(rig)) return { kind: 'rig_full', why: `rig ${rig} is at its limit (${inRig} of ${limits.rig(rig)} in use)`, lift: '' }
    return null
  }
  for (const entry of ordered) {
    const own = condition(entry.rig)
    const blocked = closed(entry.rig)
    if (town >= limits.town) {
      waiting.push({ entry, ...(blocked ? { kind: blocked.kind, why: blocked.why + blocked.lift } : { kind: 'town_full', why: `the town is at its limit (${town} of ${limits.town} in use)` }) })
      continue
    }
    if (!blocked && !own.avoid) {
      take(entry, entry.rig, null)
      continue
    }
    const twins = entry.twins.filter((t) => t !== entry.rig)
    const twin = twins.filter((t) => !closed(t) && !condition(t).avoid).sort((a, b) => free(b) - free(a) || a.localeCompare(b))[0]
    if (twin) {
      take(entry, twin, blocked ? blocked.why : `rig ${entry.rig}: ${own.avoid}`)
      continue
    }
    if (!blocked) {
      take(entry, entry.rig, null) // avoided, but nowhere better to go
      continue
    }
    // Each twin's own reason: "rig web2 is at its limit (1 of 1 in use)", "rig web3: its agent looks stuck".
    const theirs = twins.map((t) => closed(t)?.why ?? `rig ${t}: ${condition(t).avoid}`)
    waiting.push({ entry, kind: blocked.kind, why: [blocked.why + blocked.lift, ...theirs.map((w) => `its twin ${w}`)].join('; ') })
  }
  return { admit, waiting }
}
