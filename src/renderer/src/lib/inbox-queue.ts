// The Deacon inbox as a human reads it: what waits (P0 pinned on top, then the most severe, then the newest),
// what is snoozed until its time, and what is closed. Pure functions of the items and the clock, so the
// views, the nav badge and the window title all count the same way.
import type { InboxItem, Severity } from '../../../shared/domain'

const RANK: Record<Severity, number> = { P0: 0, P1: 1, P2: 2 }

/** Still in the queue: open, or orphaned (its agent is gone; it waits to be read and acknowledged). */
export function isWaiting(item: InboxItem): boolean {
  return item.status === 'open' || item.status === 'orphaned'
}

/** Open, but put aside until a time that has not come yet. */
export function isSnoozed(item: InboxItem, now: number): boolean {
  if (item.status !== 'open' || !item.snoozedUntil) return false
  const until = Date.parse(item.snoozedUntil)
  return Number.isFinite(until) && until > now
}

/** Open before orphaned; P0 on top, then by severity; newest first; the id breaks ties so the order is stable. */
export function compareWaiting(a: InboxItem, b: InboxItem): number {
  return (
    Number(a.status !== 'open') - Number(b.status !== 'open') ||
    RANK[a.severity] - RANK[b.severity] ||
    b.createdAt.localeCompare(a.createdAt) ||
    b.id.localeCompare(a.id)
  )
}

export interface InboxSections {
  /** What needs the human now, in reading order. */
  waiting: InboxItem[]
  /** Snoozed, soonest back first. */
  snoozed: InboxItem[]
  /** Decided, resolved or acknowledged, most recently closed first. */
  closed: InboxItem[]
}

export function inboxSections(items: readonly InboxItem[], now: number): InboxSections {
  const waiting: InboxItem[] = []
  const snoozed: InboxItem[] = []
  const closed: InboxItem[] = []
  for (const item of items) {
    if (!isWaiting(item)) closed.push(item)
    else if (isSnoozed(item, now)) snoozed.push(item)
    else waiting.push(item)
  }
  waiting.sort(compareWaiting)
  snoozed.sort((a, b) => a.snoozedUntil!.localeCompare(b.snoozedUntil!) || compareWaiting(a, b))
  closed.sort((a, b) => (b.closedAt ?? b.updatedAt).localeCompare(a.closedAt ?? a.updatedAt) || b.id.localeCompare(a.id))
  return { waiting, snoozed, closed }
}

export interface InboxCounts {
  /** Items waiting for the human (snoozed ones not counted until their time comes). */
  waiting: number
  /** Of those, P0s. */
  p0: number
}

export function inboxCounts(items: readonly InboxItem[], now: number): InboxCounts {
  let waiting = 0
  let p0 = 0
  for (const item of items) {
    if (!isWaiting(item) || isSnoozed(item, now)) continue
    waiting++
    if (item.severity === 'P0') p0++
  }
  return { waiting, p0 }
}

/** The earliest time a snoozed item comes back (ms since the epoch), or null when none is snoozed. */
export function nextSnoozeEnd(items: readonly InboxItem[], now: number): number | null {
  let next: number | null = null
  for (const item of items) {
    if (!isSnoozed(item, now)) continue
    const until = Date.parse(item.snoozedUntil!)
    if (next === null || until < next) next = until
  }
  return next
}

export const APP_TITLE = 'Gas Town Control Room'

/** The window title with what waits: "(2 P0 · 5) Gas Town Control Room"; Electron's window title follows it. */
export function titleWithCounts(c: InboxCounts): string {
  if (c.waiting === 0) return APP_TITLE
  return c.p0 > 0 ? `(${c.p0} P0 · ${c.waiting}) ${APP_TITLE}` : `(${c.waiting}) ${APP_TITLE}`
}

/** Whether a newly seen item should interrupt the human: a P0, or a permission request an agent waits on. */
export function deservesNotification(item: InboxItem): boolean {
  return item.status === 'open' && (item.severity === 'P0' || item.kind === 'permission')
}
