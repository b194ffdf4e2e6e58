// The page's recovery store against a transport that records every call: the report is read once per
// connection and then follows the `recovery` events alone (no polling, however much time passes); a read the
// events overtook is dropped; the banner shows while recovery runs, lingers briefly after a clean finish the
// page saw, stays while something failed until dismissed, and comes back only when more fails; `quitting`
// events drive the overlay, which says the control room stopped once the connection drops.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContractError, CoreEvent } from '../../src/shared/contract'
import type { RecoveryReport } from '../../src/shared/domain'
import type { ConnStatus, Transport } from '../../src/renderer/src/transport'

const calls: string[] = []
let answer: () => Promise<RecoveryReport | null> = async () => null
;(globalThis as any).window = {
  gtBridge: {
    async call(req: { method: string }): Promise<{ result: unknown } | { error: ContractError }> {
      calls.push(req.method)
      return { result: req.method === 'town.recovery' ? await answer() : null }
    },
    onEvent: () => () => {}
  }
}
mock.timers.enable({ apis: ['setTimeout'] })
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r))
}

/** The events and status of a connection, driven by the test. */
function connection() {
  let onEvent: (e: CoreEvent) => void = () => {}
  let onStatus: (s: ConnStatus, epoch: number) => void = () => {}
  let status: ConnStatus = 'connecting'
  let epoch = 0
  const client = {
    onEvent: (fn: typeof onEvent) => ((onEvent = fn), () => {}),
    onStatus: (fn: typeof onStatus) => ((onStatus = fn), () => {}),
    status: () => status,
    epoch: () => epoch
  } as unknown as Transport
  return {
    client,
    emit: (e: CoreEvent) => onEvent(e),
    set(s: ConnStatus) {
      status = s
      if (s === 'connected') epoch++
      onStatus(s, epoch)
    }
  }
}

const START = '2026-12-01T12:00:00.000Z'
const running = (polecats: RecoveryReport['polecats'], startedAt = START): RecoveryReport => ({ startedAt, finishedAt: null, rigs: [{ name: 'app', state: 'done', detail: 'fetched' }], polecats })
const finished = (r: RecoveryReport): RecoveryReport => ({ ...r, finishedAt: '2026-12-01T12:00:30.000Z' })

test('read once per connection, then only events; a clean finish lingers, then goes', async () => {
  const { useRecovery, startRecoverySync, bannerShown, CLEAN_LINGER_MS } = await import('../../src/renderer/src/stores/recovery')
  const conn = connection()
  answer = async () => running([{ name: 'app/a', state: 'waiting', detail: 'worktree recreated from its local branch; resumes after 20 s' }])
  startRecoverySync(conn.client)
  conn.set('connected')
  await settle()
  assert.deepEqual(calls, ['town.recovery'], 'read on connect, so a page opened mid-recovery shows it')
  assert.equal(bannerShown(useRecovery.getState()), true, 'shown while it runs')

  conn.emit({ type: 'recovery', report: running([{ name: 'app/a', state: 'working', detail: 'resuming' }]) })
  conn.emit({ type: 'recovery', report: running([{ name: 'app/a', state: 'done', detail: 'resumed with its checkpoint' }]) })
  mock.timers.tick(60_000)
  await settle()
  assert.deepEqual(calls, ['town.recovery'], 'events carry every change: nothing is read again, however long it runs')
  const s = useRecovery.getState()
  assert.equal(s.report!.polecats[0].state, 'done', 'the last event is what shows')
  assert.deepEqual(s.trail['polecat:app/a'], ['worktree recreated from its local branch; resumes after 20 s', 'resuming', 'resumed with its checkpoint'], 'every detail the step went through')

  conn.emit({ type: 'recovery', report: finished(running([{ name: 'app/a', state: 'done', detail: 'resumed with its checkpoint' }])) })
  assert.equal(bannerShown(useRecovery.getState()), true, 'a clean finish the page saw stays a moment')
  mock.timers.tick(CLEAN_LINGER_MS + 1)
  assert.equal(bannerShown(useRecovery.getState()), false, 'then goes by itself')

  // Reconnected (the socket dropped, or a new core): read again, once.
  conn.set('reconnecting')
  conn.set('connected')
  await settle()
  assert.deepEqual(calls, ['town.recovery', 'town.recovery'])
})

test('a read answered after an event is dropped; a finished report the page never saw running does not show unless it failed', async () => {
  const { useRecovery, startRecoverySync, bannerShown } = await import('../../src/renderer/src/stores/recovery')
  const conn = connection()
  let release: (r: RecoveryReport | null) => void = () => {}
  const stale = running([{ name: 'app/b', state: 'waiting', detail: null }], '2026-12-01T13:00:00.000Z')
  answer = () => new Promise((res) => (release = res))
  startRecoverySync(conn.client)
  conn.set('connected')
  await settle()
  const fresh = running([{ name: 'app/b', state: 'working', detail: 'getting its worktree back' }], '2026-12-01T13:00:00.000Z')
  conn.emit({ type: 'recovery', report: fresh })
  release(stale)
  await settle()
  assert.equal(useRecovery.getState().report!.polecats[0].state, 'working', 'the older answer did not overwrite the event')

  // A page opened long after a recovery that went well: nothing to show.
  useRecovery.getState().apply(null)
  useRecovery.getState().apply(finished(running([{ name: 'app/c', state: 'done', detail: 'resumed with its checkpoint' }], '2026-12-01T14:00:00.000Z')))
  assert.equal(bannerShown(useRecovery.getState()), false)
  // …but one that failed shows, whenever the page opens.
  useRecovery.getState().apply(finished(running([{ name: 'app/c', state: 'failed', detail: 'could not get its worktree back: fatal: x' }], '2026-12-01T15:00:00.000Z')))
  assert.equal(bannerShown(useRecovery.getState()), true)
})

test('a failed recovery stays until dismissed; dismissed, it stays away unless more fails; a new run shows again', async () => {
  const { useRecovery, bannerShown } = await import('../../src/renderer/src/stores/recovery')
  const st = () => useRecovery.getState()
  const one = running([{ name: 'app/a', state: 'failed', detail: 'could not get its worktree back: fatal: bad ref' }, { name: 'app/b', state: 'waiting', detail: 'its worktree was there; resumes after 1 s' }], '2026-12-01T16:00:00.000Z')
  st().apply(one)
  st().dismiss()
  assert.equal(bannerShown(st()), false, 'dismissed while it runs')
  st().apply(finished(one))
  assert.equal(bannerShown(st()), false, 'finishing with the same failures keeps it dismissed')
  mock.timers.tick(3_600_000)
  assert.equal(bannerShown(st()), false, 'and time does not bring it back')
  const worse = finished({ ...one, polecats: [one.polecats[0], { name: 'app/b', state: 'failed', detail: 'no such branch' }] })
  st().apply(worse)
  assert.equal(bannerShown(st()), true, 'a new failure brings it back')
  st().dismiss()
  assert.equal(bannerShown(st()), false)
  st().apply(running([{ name: 'app/a', state: 'waiting', detail: null }], '2026-12-01T17:00:00.000Z'))
  assert.equal(bannerShown(st()), true, 'the next recovery shows')
})

test('quitting events: done of total and whose work was saved last; the overlay says the control room stopped when the connection drops', async () => {
  const { useRecovery, startRecoverySync } = await import('../../src/renderer/src/stores/recovery')
  const conn = connection()
  startRecoverySync(conn.client)
  conn.set('connected')
  await settle()
  assert.equal(useRecovery.getState().quitting, null)
  conn.emit({ type: 'quitting', done: 0, total: 2, polecatId: null })
  assert.deepEqual(useRecovery.getState().quitting, { done: 0, total: 2, last: null, stopped: false })
  conn.emit({ type: 'quitting', done: 1, total: 2, polecatId: 'app/a' })
  conn.emit({ type: 'quitting', done: 2, total: 2, polecatId: 'app/b' })
  assert.deepEqual(useRecovery.getState().quitting, { done: 2, total: 2, last: 'app/b', stopped: false })
  conn.set('reconnecting')
  assert.equal(useRecovery.getState().quitting!.stopped, true)
  // A control room running again (started anew): the quit is over.
  conn.set('connected')
  assert.equal(useRecovery.getState().quitting, null)
})
