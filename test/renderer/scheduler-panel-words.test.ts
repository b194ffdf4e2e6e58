// The Scheduler panel's pure parts: the limit typed in, a rig's condition in words, the routing history kept
// from `scheduler` events, and the status kept part by part so unchanged sections keep their objects.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SchedulerChange, SchedulerRig, SchedulerStatus } from '../../src/shared/scheduler'
import { addRouted, ROUTED_KEPT, routedFromLedger, stableStatus, type RoutedDecision } from '../../src/renderer/src/stores/scheduler'
import type { LedgerEvent } from '../../src/shared/domain'
import { parseLimit, rigConditions, usedText } from '../../src/renderer/src/views/convoys/scheduler-view'

test('a typed limit: a whole number from 1 to 10000, else why not', () => {
  assert.deepEqual(parseLimit(' 3 '), { limit: 3 })
  assert.deepEqual(parseLimit('10000'), { limit: 10000 })
  assert.match((parseLimit('') as { error: string }).error, /type a limit/)
  assert.match((parseLimit('0') as { error: string }).error, /pause the scheduler/)
  assert.match((parseLimit('10001') as { error: string }).error, /at most 10000/)
  assert.match((parseLimit('2.5') as { error: string }).error, /not a whole number/)
  assert.match((parseLimit('-1') as { error: string }).error, /not a whole number/)
  assert.match((parseLimit('1e3') as { error: string }).error, /not a whole number/)
})

const rig = (over: Partial<SchedulerRig> = {}): SchedulerRig => ({ rig: 'a', limit: 2, source: 'default', running: 1, starting: 0, parked: null, failing: null, stuck: null, twins: [], ...over })

test("a rig's condition: open, or each reason new work avoids it", () => {
  assert.deepEqual(rigConditions(rig()), [])
  assert.deepEqual(
    rigConditions(rig({ parked: { why: 'disk full', by: 'human', at: '2026-12-01T00:00:00Z' }, failing: 'its last 3 starts failed', stuck: 'every agent looks stuck' })),
    [
      { kind: 'parked', text: 'parked by human: disk full' },
      { kind: 'failing', text: 'failing: its last 3 starts failed' },
      { kind: 'stuck', text: 'stuck: every agent looks stuck' }
    ]
  )
  assert.equal(usedText({ running: 2, starting: 1, limit: 4 }), '3/4 (1 starting)')
  assert.equal(usedText({ running: 0, starting: 0, limit: 1 }), '0/1')
})

test('routing decisions: newest first, at most ten, the same list when an event routed nothing', () => {
  const routed = (n: number): SchedulerChange => ({ kind: 'routed', id: `q${n}`, beadId: `gt-${n}`, from: 'a', to: 'a2', why: 'rig a is parked' })
  let list: RoutedDecision[] = []
  list = addRouted(list, [routed(1), { kind: 'queued', id: 'q9', beadId: 'gt-9', rig: 'a' }, routed(2)], 'T1')
  assert.deepEqual(list.map((d) => [d.beadId, d.at, d.from, d.to]), [['gt-2', 'T1', 'a', 'a2'], ['gt-1', 'T1', 'a', 'a2']])
  const same = addRouted(list, [{ kind: 'resumed' }], 'T2')
  assert.equal(same, list, 'no routed change: the very same list (no re-render)')
  for (let i = 3; i <= 14; i++) list = addRouted(list, [routed(i)], `T${i}`)
  assert.equal(list.length, 10)
  assert.equal(list[0].beadId, 'gt-14')
  assert.equal(list[9].beadId, 'gt-5')
})

function status(over: Partial<SchedulerStatus> = {}): SchedulerStatus {
  return {
    paused: null,
    dispatchPaused: null,
    town: { limit: 4, source: 'default', running: 1, starting: 0 },
    rigs: [rig(), rig({ rig: 'b' })],
    slots: [{ id: 's1', beadId: 'gt-1', rig: 'a', routedFrom: null, state: 'running', polecatId: 'a/p1', sessionId: 'x', since: 'T' }],
    queue: [],
    machine: { cores: 2, memoryGiB: 4, townDefault: 4, formula: 'min(cores*2, GiB)' },
    ...over
  }
}

test('a new status keeps the objects of the parts that did not change', () => {
  const prev = status()
  assert.equal(stableStatus(null, prev), prev)
  assert.equal(stableStatus(prev, status()), prev, 'all equal: the old status itself')

  const next = stableStatus(prev, status({ rigs: [rig(), rig({ rig: 'b', running: 2 })], queue: [{ position: 1, id: 'q1', beadId: 'gt-2', rig: 'a', twins: [], priority: 2, title: 't', kind: 'sling', beadCreatedAt: 'T', queuedAt: 'T', wait: { kind: 'rig_full', why: 'rig a is full' } }] }))
  assert.notEqual(next, prev)
  assert.equal(next.town, prev.town)
  assert.equal(next.machine, prev.machine)
  assert.equal(next.slots, prev.slots, 'slots unchanged: the same list')
  assert.notEqual(next.rigs, prev.rigs)
  assert.equal(next.rigs[0], prev.rigs[0], 'rig a unchanged: its old row')
  assert.notEqual(next.rigs[1], prev.rigs[1])
  assert.equal(next.rigs[1].running, 2)
  assert.equal(next.queue.length, 1)

  const paused = stableStatus(next, { ...structuredClone(next), paused: 'lunch' })
  assert.equal(paused.paused, 'lunch')
  assert.equal(paused.rigs, next.rigs)

  // A reordering is a change of the list even with every row the same.
  const swapped = stableStatus(prev, status({ rigs: [rig({ rig: 'b' }), rig()] }))
  assert.deepEqual(swapped.rigs.map((r) => r.rig), ['b', 'a'])
  assert.equal(swapped.rigs[0], prev.rigs[1])
})

test("the recent routing read from the ledger: newest first, only well-formed routed events, the same list when nothing changed", () => {
  const ev = (id: number, data: unknown, kind = 'scheduler.routed', subject: string | null = `gt-${id}`): LedgerEvent =>
    ({ id, at: `2026-12-02T00:00:0${id}.000Z`, actor: 'mayor', kind, subject, data }) as LedgerEvent
  const events = [ev(1, { from: 'a', to: 'a2', why: 'rig a is at its limit' }), ev(2, { from: 'a' }), ev(3, { from: 'b', to: 'b2', why: 'parked' }), ev(4, { from: 'x', to: 'y' }, 'scheduler.admitted')]
  const list = routedFromLedger(events, [])
  assert.deepEqual(list.map((d) => [d.beadId, d.from, d.to, d.why]), [['gt-3', 'b', 'b2', 'parked'], ['gt-1', 'a', 'a2', 'rig a is at its limit']])
  assert.equal(routedFromLedger(events, list), list, 'unchanged: the same object')

  // Decisions heard from events are merged by slot id: one the read already holds shows once (the ledger's time),
  // one heard after the read stays in front, one older than a full read's newest ROUTED_KEPT is let go.
  const heard = (slot: string, at: string) => ({ at, id: slot, beadId: `gt-${slot}`, from: 'a', to: 'a2', why: 'heard' })
  const withSlots = [ev(1, { slot: 's1', from: 'a', to: 'a2', why: 'from the ledger' })]
  const merged = routedFromLedger(withSlots, [heard('s2', '2026-12-02T00:00:09.000Z'), heard('s1', '2026-12-02T00:00:01.500Z')])
  assert.deepEqual(merged.map((d) => [d.id, d.why]), [['s2', 'heard'], ['s1', 'from the ledger']])
  const full = Array.from({ length: ROUTED_KEPT }, (_, i) => ({ ...ev(i + 1, { slot: `f${i}`, from: 'a', to: 'a2' }), at: `2026-12-02T00:01:${String(10 + i)}.000Z` }))
  const trimmed = routedFromLedger(full, [heard('old', '2026-12-02T00:00:00.000Z')])
  assert.equal(trimmed.length, ROUTED_KEPT)
  assert.ok(!trimmed.some((d) => d.id === 'old'), 'older than every decision of a full read: not kept')
})
