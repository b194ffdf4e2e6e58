// The page's stores for the witness's side, against a transport that records every call: whether dispatch is
// paused is re-read when a mass death is raised (and not for other items); the shown rig's settings follow
// the `rigs` topic and its check runs the `checks` topic; a refused setting comes back in the core's words;
// Retry now says what the Dogs did; the item actions are offered only where they apply.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContractError, CoreEvent } from '../../src/shared/contract'
import type { CheckRun, InboxItem, LedgerEvent, Polecat, RigConfig } from '../../src/shared/domain'

const calls: { method: string; params: any }[] = []
let emit: (e: CoreEvent) => void = () => {}
const answers: Record<string, (params: any) => unknown> = {}
const bridge = {
  async call(req: { method: string; params: unknown }): Promise<{ result: unknown } | { error: ContractError }> {
    calls.push({ method: req.method, params: req.params })
    const answer = answers[req.method]
    if (!answer) return { result: [] }
    try {
      return { result: answer(req.params) }
    } catch (err) {
      return { error: { code: 'invalid_params', message: (err as Error).message } }
    }
  },
  onEvent(cb: (e: CoreEvent) => void) {
    emit = cb
    return () => {}
  }
}
;(globalThis as any).window = { gtBridge: bridge }
mock.timers.enable({ apis: ['setTimeout'] })
const tick = () => new Promise<void>((r) => setImmediate(r))
const settle = async () => {
  for (let i = 0; i < 50; i++) await tick()
}
const callsOf = (method: string, since = 0) => calls.slice(since).filter((c) => c.method === method)

function item(id: string, p: Partial<InboxItem> = {}): InboxItem {
  return {
    id, kind: 'alarm', severity: 'P1', status: 'open', title: id, body: '', rig: 'app', polecatId: 'app/nux', beadId: 'gt-1', sessionId: null,
    tool: null, screen: null, diffStat: null, createdAt: '2026-12-01T12:00:00Z', updatedAt: '2026-12-01T12:00:00Z', snoozedUntil: null,
    closedAt: null, closedBy: null, resolution: null, reason: null, incident: 'check_failed', excerpt: 'boom', attempts: 2, raisedLevels: 0, count: 1, affected: ['app/nux'], merge: null, ...p
  }
}
function polecat(p: Partial<Polecat> = {}): Polecat {
  return {
    id: 'app/nux', rig: 'app', name: 'nux', state: 'working', beadId: 'gt-1', branch: 'polecat/nux/gt-1', worktree: '/w', sessionId: 's-1', runtime: 'custom',
    takenOver: false, pid: null, updatedAt: '2026-12-01T12:00:00Z', activity: 'working', activitySince: '2026-12-01T12:00:00Z', activityDetail: null,
    activitySource: 'process', lastActivityAt: null, lastProgressAt: null, health: { retries: 2, lastIncident: 'check_failed', lastCheck: null }, ...p
  }
}
const config = (value: unknown): RigConfig => ({ rig: 'app', settings: [{ key: 'stuck_s', value, isSet: value !== 600, default: 600, help: 'seconds without any activity' }] })

test('a mass death re-reads whether dispatch is paused; other items do not', async () => {
  let paused: string | null = null
  answers['town.status'] = () => ({ dispatchPaused: paused })
  answers['town.info'] = () => ({ town: '/t', version: '0', runtimes: [], defaultRuntime: 'claude' })
  const { startSync } = await import('../../src/renderer/src/stores/sync')
  const { useTown } = await import('../../src/renderer/src/stores/town')
  startSync()
  await settle()
  assert.equal(callsOf('town.status').length, 1, 'read once on connect')
  assert.equal(useTown.getState().dispatchPaused, null)
  const before = calls.length
  emit({ type: 'inbox.item', item: item('esc-1') })
  emit({ type: 'polecat', polecat: polecat() })
  await settle()
  assert.equal(callsOf('town.status', before).length, 0, 'an ordinary item reads nothing')
  paused = '3 agents died within 30 s: dispatch is paused town-wide'
  emit({ type: 'inbox.item', item: item('md-1', { incident: 'mass_death', polecatId: null, severity: 'P0' }) })
  await settle()
  assert.equal(callsOf('town.status', before).length, 1)
  assert.equal(useTown.getState().dispatchPaused, paused, 'the banner has its reason')
  answers['town.resume'] = () => {
    paused = null
    return { resumed: true }
  }
  assert.equal(await useTown.getState().resume(), true)
  assert.equal(useTown.getState().dispatchPaused, null)
})

test("the shown rig's settings follow the rigs topic, its check runs the checks topic; nothing is read for a rig not shown", async () => {
  const { useRigConfig } = await import('../../src/renderer/src/stores/rig-config')
  const { useCheckRuns } = await import('../../src/renderer/src/stores/check-runs')
  let stuck: unknown = 600
  const runs: CheckRun[] = []
  answers['rigs.config'] = () => config(stuck)
  answers['checks.list'] = (p: { rig: string }) => runs.filter((r) => r.rig === p.rig)
  let before = calls.length
  emit({ type: 'changed', topics: ['rigs', 'checks'] })
  await settle()
  assert.equal(callsOf('rigs.config', before).length + callsOf('checks.list', before).length, 0, 'no rig shown: nothing read')

  await useRigConfig.getState().show('app')
  await useCheckRuns.getState().show('app')
  assert.equal(useRigConfig.getState().config?.settings[0].value, 600)
  stuck = 5
  runs.push({ id: 'chk-1', rig: 'app', polecatId: 'app/nux', beadId: 'gt-1', trigger: 'checkpoint', head: null, status: 'failed', severity: 'P0', reasons: ['build failed (exit code 2)'], checks: [], coverage: null, startedAt: '2026-12-01T12:00:00Z', finishedAt: '2026-12-01T12:00:01Z' })
  before = calls.length
  emit({ type: 'changed', topics: ['checks'] })
  await settle()
  assert.deepEqual(callsOf('checks.list', before).map((c) => c.params), [{ rig: 'app', limit: 30 }])
  assert.equal(callsOf('rigs.config', before).length, 0, 'the checks topic leaves the settings alone')
  assert.deepEqual(useCheckRuns.getState().runs.map((r) => r.id), ['chk-1'])
  emit({ type: 'changed', topics: ['rigs'] })
  await settle()
  assert.equal(useRigConfig.getState().config?.settings[0].value, 5, 'set elsewhere (gt rig config), shown here')

  // A refusal comes back in the core's words; an accepted value is what the core answered; '' unsets.
  answers['rigs.configure'] = (p: { key: string; value: string | null }) => {
    if (p.value === '0') throw new Error('app stuck_s: "0" is not accepted: at least 1')
    return config(p.value === null ? 600 : Number(p.value))
  }
  assert.equal(await useRigConfig.getState().configure('stuck_s', '0'), 'app stuck_s: "0" is not accepted: at least 1')
  assert.equal(await useRigConfig.getState().configure('stuck_s', '30'), null)
  assert.equal(useRigConfig.getState().config?.settings[0].value, 30)
  const { configureValue } = await import('../../src/renderer/src/lib/rig-settings')
  assert.equal(await useRigConfig.getState().configure('stuck_s', configureValue('   ')), null)
  assert.deepEqual(callsOf('rigs.configure').at(-1)!.params, { rig: 'app', key: 'stuck_s', value: null }, 'an emptied field goes back to the default')
})

test('Retry now says what the Dogs did, from the ledger after it; the actions apply only where they can', async () => {
  const { retryNow, restartFromItem, unavailable } = await import('../../src/renderer/src/views/inbox/inbox-actions')
  const { useUi } = await import('../../src/renderer/src/stores/ui')
  const events: LedgerEvent[] = [{ id: 7, at: '', actor: 'dogs', kind: 'dogs.nudged', subject: 'gt-1', data: { polecat: 'app/nux', attempt: 2 } }]
  answers['ledger.list'] = (p: { afterId?: number; limit: number }) => (p.afterId === undefined ? events.slice(-p.limit) : events.filter((e) => e.id > p.afterId!))
  answers['inbox.retry'] = (p: { id: string }) => {
    events.push({ id: 8, at: '', actor: 'human', kind: 'dogs.retry-now', subject: 'gt-1', data: {} }, { id: 9, at: '', actor: 'dogs', kind: 'dogs.nudged', subject: 'gt-1', data: { polecat: 'app/nux', attempt: 3 } })
    return item(p.id)
  }
  assert.equal(await retryNow(item('it-1')), true)
  assert.deepEqual(callsOf('ledger.list').at(-1)!.params, { subject: 'gt-1', afterId: 7, limit: 50 }, 'only what came after the click')
  assert.ok(useUi.getState().toasts.some((t) => t.message === 'Retry now: the Dogs told app/nux what went wrong (attempt 3)'), JSON.stringify(useUi.getState().toasts))
  answers['inbox.restart'] = () => {
    throw new Error('dispatch is paused: 3 agents died within 30 s')
  }
  assert.equal(await restartFromItem(item('it-1')), false)
  assert.ok(useUi.getState().toasts.some((t) => t.kind === 'error' && t.message === 'Restart app/nux failed: dispatch is paused: 3 agents died within 30 s'))

  const live = polecat()
  assert.equal(unavailable('retry', item('a'), live), null)
  assert.match(unavailable('retry', item('a', { incident: null, kind: 'escalation' }), live)!, /not one/)
  assert.match(unavailable('retry', item('a', { incident: 'escalated', kind: 'escalation' }), live)!, /only a human can/)
  assert.match(unavailable('retry', item('a', { incident: 'mass_death', polecatId: null }), undefined)!, /no one polecat/)
  assert.match(unavailable('retry', item('a', { status: 'acknowledged' }), live)!, /already acknowledged/)
  assert.equal(unavailable('restart', item('a'), live), null)
  assert.match(unavailable('restart', item('a'), polecat({ beadId: null }))!, /nothing on its hook/)
  assert.match(unavailable('restart', item('a', { kind: 'permission', incident: null }), live)!, /approve or deny/)
  assert.equal(unavailable('stop', item('a'), live), null)
  assert.match(unavailable('stop', item('a'), polecat({ state: 'exited' }))!, /not running/)
})
