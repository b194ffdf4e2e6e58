// The Convoys view's store: read on connect, then each `convoy` event applied as it comes — the convoy
// whole, newest wins — without re-reading anything.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContractError, CoreEvent } from '../../src/shared/contract'
import type { ConvoyStatus } from '../../src/shared/domain'

const calls: string[] = []
let emit: (e: CoreEvent) => void = () => {}
const answers: Record<string, (params: any) => unknown> = {}
const bridge = {
  async call(req: { method: string; params: unknown }): Promise<{ result: unknown } | { error: ContractError }> {
    calls.push(req.method)
    const answer = answers[req.method]
    return { result: answer ? answer(req.params) : [] }
  },
  onEvent(cb: (e: CoreEvent) => void) {
    emit = cb
    return () => {}
  }
}
;(globalThis as any).window = { gtBridge: bridge }
mock.timers.enable({ apis: ['setTimeout'] })
const tick = () => new Promise<void>((r) => setImmediate(r))

function convoy(id: string, landed: number, p: Partial<ConvoyStatus> = {}): ConvoyStatus {
  return {
    id, title: id, mode: 'mountain', molecule: null, moleculeVars: {}, agent: null, agentCmd: null, state: 'open', createdAt: '2026-12-01T12:00:00Z', createdBy: 'human',
    updatedAt: '2026-12-01T12:00:00Z', landedAt: null, landedBy: null, leftOut: [], beads: [], waves: [], progress: { landed, total: 3, skipped: 0 }, notLanding: [], cycle: null, approval: null, ...p
  }
}

test('convoys are read on connect, then every convoy event is applied without a call', async () => {
  let listParams: unknown = null
  answers['convoys.list'] = (p) => {
    listParams = p
    return [convoy('convoy-a', 0)]
  }
  answers['town.info'] = () => ({ town: '/t', version: '0', runtimes: [], defaultRuntime: 'claude' })
  const { startSync } = await import('../../src/renderer/src/stores/sync')
  const { useConvoys } = await import('../../src/renderer/src/stores/convoys')
  startSync()
  for (let i = 0; i < 1000 && !useConvoys.getState().loaded; i++) await tick()
  assert.ok(useConvoys.getState().loaded, 'read on connect')
  assert.deepEqual(listParams, { includeLanded: true }, 'landed convoys too: the board shows them')
  assert.equal(calls.filter((c) => c === 'convoys.list').length, 1)
  const before = calls.length

  for (let n = 1; n <= 3; n++) emit({ type: 'convoy', convoy: convoy('convoy-a', n, n === 3 ? { state: 'landed', landedAt: '2026-12-01T12:05:00Z' } : {}) })
  emit({ type: 'convoy', convoy: convoy('convoy-b', 0) })
  for (let i = 0; i < 20; i++) await tick()
  assert.deepEqual(calls.slice(before), [], 'no call for pushed convoys')
  const byId = new Map(useConvoys.getState().items.map((c) => [c.id, c]))
  assert.deepEqual([...byId.keys()].sort(), ['convoy-a', 'convoy-b'])
  assert.equal(byId.get('convoy-a')!.state, 'landed')
  assert.equal(byId.get('convoy-a')!.progress.landed, 3, 'as last pushed')
})
