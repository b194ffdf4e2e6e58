// A convoy bead's history as the board's panel shows it: the ledger events about the bead and about its merge
// request, one list by event id, read again only when an event says something about them may have happened.
import type { CoreEvent } from '../../../../shared/contract'
import type { LedgerEvent } from '../../../../shared/domain'

/** The events read so far with the fresh ones put in: each id once, oldest first, at most `cap` (the newest). */
export function mergeEvents(have: readonly LedgerEvent[], fresh: readonly LedgerEvent[], cap = 1000): LedgerEvent[] {
  const byId = new Map<number, LedgerEvent>()
  for (const e of have) byId.set(e.id, e)
  for (const e of fresh) byId.set(e.id, e)
  const all = [...byId.values()].sort((a, b) => a.id - b.id)
  return all.length > cap ? all.slice(all.length - cap) : all
}

/**
 * Whether a pushed event may mean new ledger events for these subjects: a ledger, beads or sessions change,
 * a convoy holding the bead, a polecat working on it, its merge request moving. Terminal output never does.
 */
export function touchesHistory(e: CoreEvent, beadId: string, mergeRequestId: string | null): boolean {
  switch (e.type) {
    case 'changed':
      return e.topics.some((t) => t === 'ledger' || t === 'beads' || t === 'sessions')
    case 'convoy':
      return e.convoy.beads.some((b) => b.id === beadId)
    case 'polecat':
      return e.polecat.beadId === beadId
    case 'mq.entry':
      return e.entry.beadId === beadId || e.entry.id === mergeRequestId
    default:
      return false
  }
}

/** The highest event id read (the next read asks only for what comes after it). */
export const lastId = (events: readonly LedgerEvent[]): number => events.reduce((m, e) => Math.max(m, e.id), 0)
