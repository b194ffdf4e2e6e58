// The scheduler's status for the Convoys view's Scheduler panel: scheduler.status read on every (re)connect,
// then replaced by each `scheduler` event (which carries the whole status as it now is), and the mayor's recent
// routing decisions gathered from those events' `routed` changes. With fifty agents the event comes often:
// the parts of a new status equal to the shown one keep their old objects (stableStatus), so a panel section
// that selects one part re-renders only when that part changed.
import type { SchedulerChange, SchedulerStatus } from '../../../shared/scheduler'
import type { LedgerEvent } from '../../../shared/domain'
import { create } from 'zustand'
import { errorText } from '../lib/format'
import { getClient } from '../transport'

/** A routing decision as the panel lists it: a queued start begun in a twin rig instead of its own. */
export interface RoutedDecision {
  /** When it happened (the ledger's time), or when this page heard of it (an event's arrival). */
  at: string
  id: string
  beadId: string
  from: string
  to: string
  why: string
}

/** How many routing decisions the panel keeps. */
export const ROUTED_KEPT = 10

interface SchedulerState {
  status: SchedulerStatus | null
  error: string | null
  /** Newest first, at most ROUTED_KEPT: the ledger's on each (re)connect, then each event's. */
  routed: RoutedDecision[]
  refresh(): Promise<void>
  apply(changes: readonly SchedulerChange[], status: SchedulerStatus): void
}

/** The `routed` changes put in front of `list`, newest first, at most `max`; `list` itself when there are none. */
export function addRouted(list: RoutedDecision[], changes: readonly SchedulerChange[], at: string, max = ROUTED_KEPT): RoutedDecision[] {
  const fresh: RoutedDecision[] = []
  for (const c of changes) if (c.kind === 'routed') fresh.push({ at, id: c.id, beadId: c.beadId, from: c.from, to: c.to, why: c.why })
  if (!fresh.length) return list
  return [...fresh.reverse(), ...list].slice(0, max)
}

/**
 * The ledger's `scheduler.routed` events (oldest first) as decisions, newest first, merged with the decisions in
 * `list` the ledger read does not hold (heard from events after it was read); `list` itself when nothing changed.
 */
export function routedFromLedger(events: readonly LedgerEvent[], list: RoutedDecision[]): RoutedDecision[] {
  const fresh: RoutedDecision[] = []
  for (const e of events) {
    const d = e.data as { slot?: unknown; from?: unknown; to?: unknown; why?: unknown } | null
    if (e.kind !== 'scheduler.routed' || !e.subject || typeof d?.from !== 'string' || typeof d.to !== 'string') continue
    // Older events have no slot id; they can only match a decision by their ledger id.
    const id = typeof d.slot === 'string' ? d.slot : `ledger-${e.id}`
    fresh.push({ at: e.at, id, beadId: e.subject, from: d.from, to: d.to, why: typeof d.why === 'string' ? d.why : '' })
  }
  fresh.reverse()
  // The read holds the newest ROUTED_KEPT: a decision missing from a full read may be one older than all of them.
  const known = new Set(fresh.map((d) => d.id))
  const oldest = fresh.length >= ROUTED_KEPT ? fresh[fresh.length - 1].at : ''
  const heardSince = list.filter((d) => !known.has(d.id) && d.at > oldest)
  const merged = [...heardSince, ...fresh].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, ROUTED_KEPT)
  return same(merged.map(key), list.map(key)) ? list : merged
}

const key = (d: RoutedDecision) => `${d.id} ${d.beadId} ${d.from} ${d.to} ${d.at.slice(0, 19)}`

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** `next` as a list whose rows equal to `prev`'s (by key) are `prev`'s objects; `prev` itself when all are. */
function stableRows<T>(prev: T[], next: T[], key: (x: T) => string): T[] {
  const old = new Map(prev.map((x) => [key(x), x]))
  let changed = prev.length !== next.length
  const rows = next.map((x, i) => {
    const was = old.get(key(x))
    if (was !== undefined && same(was, x)) {
      if (prev[i] !== was) changed = true
      return was
    }
    changed = true
    return x
  })
  return changed ? rows : prev
}

/**
 * `next` with every part equal to `prev`'s kept as `prev`'s object (town, machine, each rig, slot and queue
 * entry, and the lists themselves), so selectors on unchanged parts see the same reference; `prev` when nothing changed.
 */
export function stableStatus(prev: SchedulerStatus | null, next: SchedulerStatus): SchedulerStatus {
  if (!prev) return next
  const s: SchedulerStatus = {
    paused: next.paused,
    dispatchPaused: next.dispatchPaused,
    town: same(prev.town, next.town) ? prev.town : next.town,
    machine: same(prev.machine, next.machine) ? prev.machine : next.machine,
    rigs: stableRows(prev.rigs, next.rigs, (r) => r.rig),
    slots: stableRows(prev.slots, next.slots, (x) => x.id),
    queue: stableRows(prev.queue, next.queue, (q) => q.id)
  }
  const unchanged = s.paused === prev.paused && s.dispatchPaused === prev.dispatchPaused && s.town === prev.town && s.machine === prev.machine && s.rigs === prev.rigs && s.slots === prev.slots && s.queue === prev.queue
  return unchanged ? prev : s
}

let readToken = 0

export const useScheduler = create<SchedulerState>()((set, get) => ({
  status: null,
  error: null,
  routed: [],
  async refresh() {
    const mine = ++readToken
    try {
      // The recent routing is the ledger's (actor mayor), so decisions made before this page connected show too.
      const [status, events] = await Promise.all([getClient().call('scheduler.status', {}), getClient().call('ledger.list', { kinds: ['scheduler.routed'], limit: ROUTED_KEPT })])
      // An event heard meanwhile has a newer status, but the ledger's decisions from before this page connected
      // are in no event: they are merged in either way.
      const routed = routedFromLedger(events, get().routed)
      if (mine === readToken) set({ status: stableStatus(get().status, status), routed, error: null })
      else if (routed !== get().routed) set({ routed })
    } catch (err) {
      if (mine === readToken) set({ error: errorText(err) })
    }
  },
  apply(changes, status) {
    // An event is newer than any read still in flight.
    ++readToken
    const { status: prev, routed, error } = get()
    const next = stableStatus(prev, status)
    const nextRouted = addRouted(routed, changes, new Date().toISOString())
    if (next !== prev || nextRouted !== routed || error !== null) set({ status: next, routed: nextRouted, error: null })
  }
}))
