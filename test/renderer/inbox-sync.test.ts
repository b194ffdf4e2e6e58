// The page's stores against a transport that records every call: the `inbox.item` and `polecat` events the
// core pushes are applied as they come, without re-reading any list (fifty busy agents stay one small update
// each); a (re)connect reads everything; a refused decision is an error toast that says why.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContractError, CoreEvent } from '../../src/shared/contract'
import type { InboxItem, Polecat } from '../../src/shared/domain'

const calls: string[] = []
let emit: (e: CoreEvent) => void = () => {}
const answers: Record<string, (params: any) => unknown> = {}
const bridge = {
  async call(req: { method: string; params: unknown }): Promise<{ result: unknown } | { error: ContractError }> {
    calls.push(req.method)
    const answer = answers[req.method]
    if (!answer) return { result: [] }
    try {
      return { result: answer(req.params) }
    } catch (err) {
      return { error: { code: 'conflict', message: (err as Error).message } }
    }
  },
  onEvent(cb: (e: CoreEvent) => void) {
    emit = cb
    return () => {}
  }
}
;(globalThis as any).window = { gtBridge: bridge }
// Toasts dismiss themselves on a timer that would hold the test process for seconds: timers are the test's.
mock.timers.enable({ apis: ['setTimeout'] })
const tick = () => new Promise<void>((r) => setImmediate(r))

function item(id: string, p: Partial<InboxItem> = {}): InboxItem {
  return {
    id, kind: 'permission', severity: 'P1', status: 'open', title: id, body: '', rig: 'app', polecatId: 'app/nux', beadId: null, sessionId: null,
    tool: { name: 'Bash', input: { command: 'npm test' }, useId: null }, screen: null, diffStat: null, createdAt: '2026-12-01T12:00:00Z',
    updatedAt: '2026-12-01T12:00:00Z', snoozedUntil: null, closedAt: null, closedBy: null, resolution: null, reason: null,
    incident: null, excerpt: null, attempts: 0, raisedLevels: 0, count: 1, affected: [], merge: null, ...p
  }
}
function polecat(n: number, p: Partial<Polecat> = {}): Polecat {
  return {
    id: `app/p${n}`, rig: 'app', name: `p${n}`, state: 'working', beadId: null, branch: null, worktree: '/w', sessionId: null, runtime: 'claude',
    takenOver: false, pid: null, updatedAt: '2026-12-01T12:00:00Z', activity: 'working', activitySince: '2026-12-01T12:00:00Z',
    activityDetail: null, activitySource: 'hooks', lastActivityAt: null, lastProgressAt: null, health: { retries: 0, lastIncident: null, lastCheck: null }, ...p
  }
}

const until = async (fn: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !fn(); i++) await tick()
  assert.ok(fn(), what)
}

test('pushed rows are applied without re-reading a list; the connect reads everything once', async () => {
  answers['inbox.list'] = () => [item('perm-1')]
  answers['polecats.list'] = () => Array.from({ length: 50 }, (_, i) => polecat(i))
  answers['town.info'] = () => ({ town: '/t', version: '0', runtimes: [], defaultRuntime: 'claude' })
  const { startSync } = await import('../../src/renderer/src/stores/sync')
  const { useInbox } = await import('../../src/renderer/src/stores/inbox')
  const { usePolecats } = await import('../../src/renderer/src/stores/polecats')
  startSync()
  await until(() => useInbox.getState().loaded && usePolecats.getState().loaded, 'the first read on connect')
  for (const m of ['inbox.list', 'polecats.list', 'rigs.list', 'beads.list', 'sessions.list', 'permissions.list', 'town.info']) {
    assert.equal(calls.filter((c) => c === m).length, 1, `${m} read once on connect`)
  }
  const before = calls.length

  // Fifty agents change activity ten times each; two items are raised and one decided.
  for (let round = 0; round < 10; round++) for (let i = 0; i < 50; i++) emit({ type: 'polecat', polecat: polecat(i, { activity: round % 2 ? 'at_prompt' : 'working', updatedAt: `2026-12-01T12:00:${String(round).padStart(2, '0')}Z` }) })
  emit({ type: 'inbox.item', item: item('perm-2') })
  emit({ type: 'inbox.item', item: item('esc-1', { kind: 'escalation', severity: 'P0', tool: null }) })
  emit({ type: 'inbox.item', item: item('perm-1', { status: 'approved', closedAt: '2026-12-01T12:01:00Z', closedBy: 'human' }) })
  // The core still names the topic after an escalation: every change already came as an item.
  emit({ type: 'changed', topics: ['inbox'] })
  for (let i = 0; i < 50; i++) await tick()

  assert.deepEqual(calls.slice(before), [], 'no call at all for pushed rows')
  assert.equal(usePolecats.getState().items.length, 50)
  assert.ok(usePolecats.getState().items.every((p) => p.activity === 'at_prompt'), 'every polecat as last pushed')
  const byId = new Map(useInbox.getState().items.map((i) => [i.id, i]))
  assert.deepEqual([...byId.keys()].sort(), ['esc-1', 'perm-1', 'perm-2'])
  assert.equal(byId.get('perm-1')!.status, 'approved')
})

test('a decision the core refuses (decided meanwhile) is an error toast that says so; an accepted one updates the item', async () => {
  const { approve } = await import('../../src/renderer/src/views/inbox/inbox-actions')
  const { useInbox } = await import('../../src/renderer/src/stores/inbox')
  const { useUi } = await import('../../src/renderer/src/stores/ui')
  answers['inbox.approve'] = (p: { id: string }) => {
    if (p.id === 'perm-1') throw new Error('perm-1 was decided meanwhile')
    return item(p.id, { status: 'approved', closedBy: 'human', resolution: 'approved once' })
  }
  assert.equal(await approve(item('perm-1')), false)
  assert.ok(useUi.getState().toasts.some((t) => t.kind === 'error' && t.message === 'Approve perm-1 failed: perm-1 was decided meanwhile'), JSON.stringify(useUi.getState().toasts))
  assert.equal(await approve(item('perm-2')), true)
  assert.equal(useInbox.getState().items.find((i) => i.id === 'perm-2')!.status, 'approved')
})
