// The inbox as the human reads it: what waits, in which order, what is snoozed until when, and what the nav
// badge and the window title count.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InboxItem } from '../../src/shared/domain'
import { deservesNotification, inboxCounts, inboxSections, nextSnoozeEnd, titleWithCounts } from '../../src/renderer/src/lib/inbox-queue'

const T0 = Date.parse('2026-12-01T12:00:00Z')
const at = (min: number) => new Date(T0 + min * 60_000).toISOString()

function item(id: string, p: Partial<InboxItem> = {}): InboxItem {
  return {
    id,
    kind: 'escalation',
    severity: 'P2',
    status: 'open',
    title: id,
    body: '',
    rig: 'app',
    polecatId: 'app/nux',
    beadId: null,
    sessionId: null,
    tool: null,
    screen: null,
    diffStat: null,
    createdAt: at(0),
    updatedAt: at(0),
    snoozedUntil: null,
    closedAt: null,
    closedBy: null,
    resolution: null,
    reason: null,
    incident: null,
    excerpt: null,
    attempts: 0,
    raisedLevels: 0,
    count: 1,
    affected: [],
    merge: null,
    ...p
  }
}

test('open items first: P0 on top, then by severity, newest first; orphaned after open; snoozed and closed apart', () => {
  const items = [
    item('p2-new', { severity: 'P2', createdAt: at(9) }),
    item('p1-old', { severity: 'P1', createdAt: at(1) }),
    item('p0-old', { severity: 'P0', createdAt: at(0) }),
    item('p1-new', { severity: 'P1', createdAt: at(5) }),
    item('orphan-p0', { severity: 'P0', status: 'orphaned', createdAt: at(8) }),
    item('snoozed-p0', { severity: 'P0', snoozedUntil: at(30), createdAt: at(7) }),
    item('snoozed-soon', { snoozedUntil: at(20) }),
    item('approved', { kind: 'permission', status: 'approved', closedAt: at(3) }),
    item('acked', { status: 'acknowledged', closedAt: at(6) }),
    item('snooze-over', { severity: 'P1', snoozedUntil: at(2), createdAt: at(4) })
  ]
  const s = inboxSections(items, T0 + 10 * 60_000)
  assert.deepEqual(s.waiting.map((i) => i.id), ['p0-old', 'p1-new', 'snooze-over', 'p1-old', 'p2-new', 'orphan-p0'])
  assert.deepEqual(s.snoozed.map((i) => i.id), ['snoozed-soon', 'snoozed-p0'], 'soonest back first')
  assert.deepEqual(s.closed.map((i) => i.id), ['acked', 'approved'], 'most recently closed first')
})

test('a snoozed item comes back when its time comes, and is counted again', () => {
  const items = [item('a', { severity: 'P0', snoozedUntil: at(15) }), item('b')]
  const before = T0 + 14 * 60_000
  assert.deepEqual(inboxCounts(items, before), { waiting: 1, p0: 0 })
  assert.equal(nextSnoozeEnd(items, before), T0 + 15 * 60_000)
  const after = T0 + 15 * 60_000 + 1
  assert.deepEqual(inboxSections(items, after).waiting.map((i) => i.id), ['a', 'b'])
  assert.deepEqual(inboxCounts(items, after), { waiting: 2, p0: 1 })
  assert.equal(nextSnoozeEnd(items, after), null)
})

test('the counts leave out closed items; the title carries them', () => {
  const items = [item('a', { severity: 'P0' }), item('b', { severity: 'P0' }), item('c'), item('d', { status: 'orphaned' }), item('e', { status: 'denied' })]
  const c = inboxCounts(items, T0)
  assert.deepEqual(c, { waiting: 4, p0: 2 })
  assert.equal(titleWithCounts(c), '(2 P0 · 4) Gas Town Control Room')
  assert.equal(titleWithCounts({ waiting: 5, p0: 0 }), '(5) Gas Town Control Room')
  assert.equal(titleWithCounts({ waiting: 0, p0: 0 }), 'Gas Town Control Room')
})

test('notifications are for open P0s and open permission requests only', () => {
  assert.equal(deservesNotification(item('a', { severity: 'P0' })), true)
  assert.equal(deservesNotification(item('b', { kind: 'permission', severity: 'P1' })), true)
  assert.equal(deservesNotification(item('c', { severity: 'P1' })), false)
  assert.equal(deservesNotification(item('d', { kind: 'permission', status: 'orphaned' })), false)
})
