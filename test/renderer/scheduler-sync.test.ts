// The Scheduler panel's store: scheduler.status read on connect, then each `scheduler` event's status applied
// as it is (no re-read), its `routed` changes kept as recent routing, and an answer to a read that was in flight
// when an event came never overwrites the event's newer status, though the ledger's routing it read is kept.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ContractError, CoreEvent } from '../../src/shared/contract'
import type { SchedulerStatus } from '../../src/shared/scheduler'

const calls: string[] = []
let emit: (e: CoreEvent) => void = () => {}
let release: (() => void) | null = null
let hold = false
let ledgerRouted: unknown[] = []

function status(limit: number, paused: string | null = null): SchedulerStatus {
  return {
    paused,
    dispatchPaused: null,
    town: { limit, source: 'set', running: 0, starting: 0 },
    rigs: [{ rig: 'a', limit, source: 'default', running: 0, starting: 0, parked: null, failing: null, stuck: null, twins: ['a2'] }],
    slots: [],
    queue: [],
    machine: { cores: 2, memoryGiB: 4, townDefault: 4, formula: 'f' }
  }
}

const bridge = {
  async call(req: { method: string; params: unknown }): Promise<{ result: unknown } | { error: ContractError }> {
    calls.push(req.method)
    if (req.method === 'scheduler.status') {
      if (hold) await new Promise<void>((r) => (release = r))
      return { result: status(1) }
    }
    if (req.method === 'ledger.list') return { result: ledgerRouted }
    if (req.method === 'town.info') return { result: { town: '/t', version: '0', runtimes: [], defaultRuntime: 'claude' } }
    return { result: [] }
  },
  onEvent(cb: (e: CoreEvent) => void) {
    emit = cb
    return () => {}
  }
}
;(globalThis as any).window = { gtBridge: bridge }
const tick = () => new Promise<void>((r) => setImmediate(r))

test('the scheduler status is read on connect, then follows scheduler events without a call', async () => {
  const { startSync } = await import('../../src/renderer/src/stores/sync')
  const { useScheduler } = await import('../../src/renderer/src/stores/scheduler')
  startSync()
  for (let i = 0; i < 1000 && !useScheduler.getState().status; i++) await tick()
  assert.equal(useScheduler.getState().status?.town.limit, 1, 'read on connect')

  const before = calls.length
  emit({ type: 'scheduler', changes: [{ kind: 'routed', id: 'q1', beadId: 'gt-1', from: 'a', to: 'a2', why: 'rig a is parked' }], status: status(3) })
  for (let i = 0; i < 20; i++) await tick()
  assert.deepEqual(calls.slice(before), [], 'no call for a pushed status')
  assert.equal(useScheduler.getState().status?.town.limit, 3)
  assert.deepEqual(useScheduler.getState().routed.map((d) => [d.beadId, d.from, d.to, d.why]), [['gt-1', 'a', 'a2', 'rig a is parked']])

  // The same status again (a change that moved nothing shown): the store keeps its objects.
  const shown = useScheduler.getState().status
  emit({ type: 'scheduler', changes: [{ kind: 'resumed' }], status: status(3) })
  assert.equal(useScheduler.getState().status, shown, 'an equal status: the same object')

  // A read in flight when the event comes answers with what it read before: the event's status wins, but the
  // ledger's routing decisions (one made before this page connected, q0, and q1, heard already) are merged in.
  const at = (s: number) => new Date(Date.now() - s * 1000).toISOString()
  ledgerRouted = [
    { id: 7, at: at(60), actor: 'mayor', kind: 'scheduler.routed', subject: 'gt-0', data: { slot: 'q0', from: 'a', to: 'a2', why: 'rig a is at its limit' } },
    { id: 9, at: at(1), actor: 'mayor', kind: 'scheduler.routed', subject: 'gt-1', data: { slot: 'q1', from: 'a', to: 'a2', why: 'rig a is parked' } }
  ]
  hold = true
  const read = useScheduler.getState().refresh()
  for (let i = 0; i < 20 && !release; i++) await tick()
  emit({ type: 'scheduler', changes: [{ kind: 'paused', why: 'lunch' }], status: status(3, 'lunch') })
  release!()
  await read
  assert.equal(useScheduler.getState().status?.paused, 'lunch', 'the newer event, not the older answer')
  assert.deepEqual(
    useScheduler.getState().routed.map((d) => [d.id, d.beadId, d.why]),
    [
      ['q1', 'gt-1', 'rig a is parked'],
      ['q0', 'gt-0', 'rig a is at its limit']
    ],
    "the ledger's decisions merged by slot id, newest first, none twice"
  )
})
