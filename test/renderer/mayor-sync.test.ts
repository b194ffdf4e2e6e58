// The Mayor panel's store: mayor.status read on connect, then each `mayor` event applied as it is (no re-read),
// and an answer to a read that was in flight when an event came never overwrites the event's newer status.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContractError, CoreEvent, MayorStatus } from '../../src/shared/contract'

const calls: string[] = []
let emit: (e: CoreEvent) => void = () => {}
let release: (() => void) | null = null
let hold = false
const bridge = {
  async call(req: { method: string; params: unknown }): Promise<{ result: unknown } | { error: ContractError }> {
    calls.push(req.method)
    if (req.method === 'mayor.status') {
      if (hold) await new Promise<void>((r) => (release = r))
      return { result: status(false) }
    }
    if (req.method === 'town.info') return { result: { town: '/t', version: '0', runtimes: [], defaultRuntime: 'claude' } }
    return { result: [] }
  },
  onEvent(cb: (e: CoreEvent) => void) {
    emit = cb
    return () => {}
  }
}
;(globalThis as any).window = { gtBridge: bridge }
mock.timers.enable({ apis: ['setTimeout'] })
const tick = () => new Promise<void>((r) => setImmediate(r))

function status(running: boolean, sessionId: string | null = null): MayorStatus {
  return { running, sessionId, runtime: running ? 'claude' : null, startedAt: running ? '2026-12-01T12:00:00Z' : null, cwd: '/t/mayor', ended: null }
}

test('the mayor status is read on connect, then follows mayor events without a call', async () => {
  const { startSync } = await import('../../src/renderer/src/stores/sync')
  const { useMayor } = await import('../../src/renderer/src/stores/mayor')
  startSync()
  for (let i = 0; i < 1000 && !useMayor.getState().status; i++) await tick()
  assert.equal(useMayor.getState().status?.running, false, 'read on connect')
  const before = calls.length
  emit({ type: 'mayor', mayor: status(true, 'm-1') })
  for (let i = 0; i < 20; i++) await tick()
  assert.deepEqual(calls.slice(before), [], 'no call for a pushed status')
  assert.equal(useMayor.getState().status?.sessionId, 'm-1')

  // A read in flight when the event comes answers with what it read before: the event wins.
  hold = true
  const read = useMayor.getState().refresh()
  for (let i = 0; i < 20 && !release; i++) await tick()
  emit({ type: 'mayor', mayor: status(true, 'm-2') })
  release!()
  await read
  assert.equal(useMayor.getState().status?.sessionId, 'm-2', 'the newer event, not the older answer')
})
