// The Merge queue view's store: its pure logic (rows applied one by one, sections, times, a finished run's
// transcript, the live output feed) and the store against a transport that records every call — `mq.entry` and
// `mq.run` events are applied without re-reading anything, a burst of `beads` changes re-reads the shown queue
// at most twice, and a row pushed while a re-read is in flight wins over that re-read's older answer.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContractError, CoreEvent } from '../../src/shared/contract'
import type { InboxItem, MergeQueueEntry, MergeRun } from '../../src/shared/domain'

const calls: { method: string; params: any }[] = []
let emit: (e: CoreEvent) => void = () => {}
const answers: Record<string, (params: any) => unknown> = {}
/** While set, mq.list waits for the test to release it (a re-read in flight). */
let holdList = false
let releaseList: (() => void) | null = null
const bridge = {
  async call(req: { method: string; params: unknown }): Promise<{ result: unknown } | { error: ContractError }> {
    calls.push({ method: req.method, params: req.params })
    const answer = answers[req.method]
    if (holdList && req.method === 'mq.list') await new Promise<void>((r) => (releaseList = r))
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
mock.timers.enable({ apis: ['setTimeout'] })
const tick = () => new Promise<void>((r) => setImmediate(r))
const until = async (fn: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !fn(); i++) await tick()
  assert.ok(fn(), what)
}

const T0 = '2026-12-01T12:00:00.000Z'
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString()

function entry(id: string, p: Partial<MergeQueueEntry> = {}): MergeQueueEntry {
  return {
    id, rig: 'app', branch: `polecat/${id}`, title: `Work ${id}`, beadId: null, polecatId: null, priority: 2, state: 'pending', queuedSha: null, testedSha: null,
    mergedSha: null, failure: null, enqueuedAt: T0, startedAt: null, finishedAt: null, updatedAt: T0, ...p
  }
}
function run(id: string, p: Partial<MergeRun> = {}): MergeRun {
  return { id, rig: 'app', targetBranch: 'main', targetSha: 'a'.repeat(40), requests: [], candidateSha: null, status: 'building', detail: null, checks: [], startedAt: T0, finishedAt: null, ...p }
}
function mergeItem(id: string, requests: string[], candidate: string, p: Partial<InboxItem> = {}): InboxItem {
  return {
    id, kind: 'merge', severity: 'P2', status: 'open', title: id, body: '', rig: 'app', polecatId: null, beadId: null, sessionId: null, tool: null, screen: null, diffStat: null,
    createdAt: T0, updatedAt: T0, snoozedUntil: null, closedAt: null, closedBy: null, resolution: null, reason: null, incident: null, excerpt: null, attempts: 0,
    raisedLevels: 0, count: 1, affected: [], merge: { landing: 'land-1', requests, target: 'main', candidate }, ...p
  }
}

test('upsertEntry: a new row is added, a newer one replaces, an older one (a re-read behind an event) is ignored', async () => {
  const { upsertEntry } = await import('../../src/renderer/src/stores/merge-queue')
  const a = entry('mr-a', { updatedAt: at(10) })
  let list = upsertEntry([], a)
  assert.deepEqual(list.map((e) => e.id), ['mr-a'])
  list = upsertEntry(list, entry('mr-a', { state: 'testing', updatedAt: at(11) }))
  assert.equal(list[0].state, 'testing')
  const same = upsertEntry(list, entry('mr-a', { state: 'pending', updatedAt: at(5) }))
  assert.equal(same, list, 'an older row leaves the list as it was')
  assert.equal(upsertEntry(list, entry('mr-a', { state: 'merged', updatedAt: at(11) }))[0].state, 'merged', 'the same time: the later event wins')
})

test('upsertRun: newest first, capped, and a finished run never goes back to building or testing', async () => {
  const { upsertRun } = await import('../../src/renderer/src/stores/merge-queue')
  let runs: MergeRun[] = []
  for (let i = 0; i < 5; i++) runs = upsertRun(runs, run(`mqr-${i}`, { startedAt: at(i) }), 3)
  assert.deepEqual(runs.map((r) => r.id), ['mqr-4', 'mqr-3', 'mqr-2'])
  runs = upsertRun(runs, run('mqr-3', { status: 'green', startedAt: at(3), finishedAt: at(9) }), 3)
  assert.deepEqual(runs.map((r) => `${r.id}:${r.status}`), ['mqr-4:building', 'mqr-3:green', 'mqr-2:building'])
  const kept = upsertRun(runs, run('mqr-3', { status: 'testing', startedAt: at(3) }), 3)
  assert.equal(kept, runs, 'a late "testing" of a finished run is ignored')
})

test('queueSections: queue order, batches grouped by their inbox item with the run that passed, what came back newest first', async () => {
  const { queueSections } = await import('../../src/renderer/src/stores/merge-queue')
  const entries = [
    entry('mr-late', { enqueuedAt: at(30) }),
    entry('mr-urgent', { priority: 0, enqueuedAt: at(40) }),
    entry('mr-early', { enqueuedAt: at(10) }),
    entry('mr-t', { state: 'testing' }),
    entry('mr-w1', { state: 'awaiting_approval', enqueuedAt: at(1) }),
    entry('mr-w2', { state: 'awaiting_approval', enqueuedAt: at(2) }),
    entry('mr-lone', { state: 'awaiting_approval', enqueuedAt: at(3) }),
    entry('mr-m', { state: 'merged', finishedAt: at(50), mergedSha: 'c'.repeat(40) }),
    entry('mr-f', { state: 'failed', finishedAt: at(20), failure: { kind: 'checks', message: 'build failed' } }),
    entry('mr-cr', { state: 'changes_requested', finishedAt: at(60), failure: { kind: 'review', message: 'rename it' } }),
    entry('mr-rej', { state: 'rejected', finishedAt: at(40), failure: { kind: 'rejected', message: 'no' } })
  ]
  const runs = [
    run('mqr-live', { status: 'testing', requests: ['mr-t'], startedAt: at(70) }),
    run('mqr-passed', { status: 'green', requests: ['mr-w1', 'mr-w2'], candidateSha: 'b'.repeat(40), startedAt: at(60), finishedAt: at(65) }),
    run('mqr-older', { status: 'green', requests: ['mr-w1', 'mr-w2'], candidateSha: 'd'.repeat(40), startedAt: at(50), finishedAt: at(55) })
  ]
  const inbox = [mergeItem('inbox-batch', ['mr-w1', 'mr-w2'], 'b'.repeat(40)), mergeItem('inbox-closed', ['mr-lone'], 'e'.repeat(40), { status: 'approved' })]
  const s = queueSections(entries, runs, inbox)
  assert.deepEqual(s.pending.map((e) => e.id), ['mr-urgent', 'mr-early', 'mr-late'], 'priority, then age')
  assert.deepEqual(s.testing.map((e) => e.id), ['mr-t'])
  assert.deepEqual(s.activeRuns.map((r) => r.id), ['mqr-live'])
  assert.equal(s.awaiting.length, 2)
  assert.equal(s.awaiting[0].item?.id, 'inbox-batch')
  assert.deepEqual(s.awaiting[0].entries.map((e) => e.id), ['mr-w1', 'mr-w2'], 'one batch, one Approve')
  assert.equal(s.awaiting[0].run?.id, 'mqr-passed', "the run whose candidate is the item's")
  assert.equal(s.awaiting[1].item, null, 'a request whose item is not open (or not read) stands alone')
  assert.deepEqual(s.awaiting[1].entries.map((e) => e.id), ['mr-lone'])
  assert.deepEqual(s.merged.map((e) => e.id), ['mr-m'])
  assert.deepEqual(s.failed.map((e) => e.id), ['mr-cr', 'mr-rej', 'mr-f'], 'failed, sent back and rejected, newest first')
})

test('times: queued until finished for what is done, until now for what waits; runs likewise', async () => {
  const { entryTook, runTook, spanText } = await import('../../src/renderer/src/stores/merge-queue')
  assert.deepEqual(entryTook(entry('a', { state: 'merged', finishedAt: at(75) }), Date.parse(at(9999))), { ms: 75_000, done: true })
  assert.deepEqual(entryTook(entry('b', { state: 'pending' }), Date.parse(at(12))), { ms: 12_000, done: false })
  assert.deepEqual(entryTook(entry('c', { state: 'rejected', finishedAt: null, updatedAt: at(3) }), 0), { ms: 3000, done: true }, 'no finish time: its last change')
  assert.equal(runTook(run('r', { finishedAt: at(4) }), Date.parse(at(100))), 4000)
  assert.equal(runTook(run('r'), Date.parse(at(7))), 7000)
  assert.deepEqual([400, 12_000, 184_000, 7_500_000, -1].map(spanText), ['0.4 s', '12 s', '3 min 4 s', '2 h 5 min', '—'])
})

test("runTranscript: a finished run's checks as the live terminal showed them, CRLF line ends", async () => {
  const { runTranscript } = await import('../../src/renderer/src/stores/merge-queue')
  const text = runTranscript(
    run('r', {
      status: 'red',
      checks: [
        { check: 'build', command: 'make', status: 'ok', exitCode: 0, durationMs: 1200, output: 'compiled\n' },
        { check: 'test', command: 'make test', status: 'failed', exitCode: 1, durationMs: 300, output: 'FAIL: adds\nnot ok 2' },
        { check: 'coverage', command: '', status: 'skipped', exitCode: null, durationMs: 0, output: '' }
      ]
    })
  )
  assert.equal(text, '\x1b[1m$ make\x1b[0m\r\ncompiled\r\n\x1b[32mbuild: ok (exit 0) in 1.2 s\x1b[0m\r\n\r\n\x1b[1m$ make test\x1b[0m\r\nFAIL: adds\r\nnot ok 2\r\n\x1b[31mtest: failed (exit 1) in 0.3 s\x1b[0m\r\n')
  assert.doesNotMatch(text, /coverage/, 'a check with no command never ran: not shown')
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /\n/, 'no bare LF (xterm would not return the cursor)')
  assert.equal(runTranscript(run('g', { status: 'green' })), 'This tree passed the same checks before: not run again.\r\n')
  assert.equal(runTranscript(run('e', { status: 'error', detail: 'could not build' })), 'could not build\r\n')
})

test('the output feed: what arrives before the answer is in it (dropped), what comes after is written, an unwatched run gets nothing', async () => {
  const { createOutputFeed } = await import('../../src/renderer/src/stores/merge-queue')
  const feed = createOutputFeed()
  const written: string[] = []
  let answer!: (text: string) => void
  const stop = feed.watch('mqr-1', (d) => written.push(d), () => new Promise<string>((r) => (answer = r)))
  feed.deliver('mqr-1', 'line 1\r\n')
  feed.deliver('mqr-2', 'another run\r\n')
  answer('line 1\r\n')
  await tick()
  feed.deliver('mqr-1', 'line 2\r\n')
  assert.deepEqual(written, ['line 1\r\n', 'line 2\r\n'], 'each byte once, in order')
  stop()
  feed.deliver('mqr-1', 'line 3\r\n')
  assert.deepEqual(written, ['line 1\r\n', 'line 2\r\n'])

  const failed: string[] = []
  feed.watch('mqr-3', (d) => failed.push(d), () => Promise.reject(new Error('no merge run mqr-3')))
  await tick()
  feed.deliver('mqr-3', 'after\r\n')
  assert.match(failed[0], /could not read the output so far: no merge run mqr-3/)
  assert.equal(failed[1], 'after\r\n', 'live output still comes after a failed read')
})

test('the store: rows pushed as events cost no call; other rigs are ignored; beads changes re-read the shown queue at most twice; a row pushed during a re-read wins', async () => {
  answers['mq.list'] = (p: { rig: string }) => (p.rig === 'app' ? [entry('mr-1'), entry('mr-2', { enqueuedAt: at(1) })] : [])
  answers['mq.runs'] = () => [run('mqr-old', { status: 'green', requests: ['mr-9'], finishedAt: at(1) })]
  answers['town.info'] = () => ({ town: '/t', version: '0', runtimes: [], defaultRuntime: 'claude' })
  const { startSync } = await import('../../src/renderer/src/stores/sync')
  const { useMergeQueue, outputFeed } = await import('../../src/renderer/src/stores/merge-queue')
  startSync()
  for (let i = 0; i < 20; i++) await tick()
  assert.equal(calls.filter((c) => c.method === 'mq.list').length, 0, 'nothing read while no view shows a rig')

  await useMergeQueue.getState().show('app')
  assert.deepEqual(calls.filter((c) => c.method.startsWith('mq.')).map((c) => [c.method, c.params.rig]), [['mq.list', 'app'], ['mq.runs', 'app']])
  assert.deepEqual(useMergeQueue.getState().entries.map((e) => e.id), ['mr-1', 'mr-2'])
  const before = calls.length

  // A batch goes through: building, testing with output, green, awaiting approval — and another rig's noise.
  emit({ type: 'mq.run', run: run('mqr-new', { requests: ['mr-1', 'mr-2'], startedAt: at(5) }) })
  for (const id of ['mr-1', 'mr-2']) emit({ type: 'mq.entry', entry: entry(id, { state: 'testing', updatedAt: at(5) }) })
  const seen: string[] = []
  outputFeed.watch('mqr-new', (d) => seen.push(d), async () => '')
  await tick()
  for (let i = 0; i < 100; i++) emit({ type: 'mq.output', runId: 'mqr-new', data: `ok ${i}\r\n` })
  emit({ type: 'mq.run', run: run('mqr-new', { status: 'green', requests: ['mr-1', 'mr-2'], startedAt: at(5), finishedAt: at(8) }) })
  for (const id of ['mr-1', 'mr-2']) emit({ type: 'mq.entry', entry: entry(id, { state: 'awaiting_approval', updatedAt: at(8) }) })
  emit({ type: 'mq.entry', entry: entry('other-1', { rig: 'web', state: 'merged', updatedAt: at(9) }) })
  emit({ type: 'mq.run', run: run('other-run', { rig: 'web' }) })
  for (let i = 0; i < 20; i++) await tick()
  assert.deepEqual(calls.slice(before), [], 'no call at all for pushed rows and output')
  assert.equal(seen.length, 100, 'every output chunk reached the watching terminal')
  const s = useMergeQueue.getState()
  assert.deepEqual(s.entries.map((e) => `${e.id}:${e.state}`), ['mr-1:awaiting_approval', 'mr-2:awaiting_approval'], "only the shown rig's rows")
  assert.deepEqual(s.runs.map((r) => `${r.id}:${r.status}`), ['mqr-new:green', 'mqr-old:green'])

  // Ten `beads` changes in a burst: one read running, one after it.
  const beforeBurst = calls.filter((c) => c.method === 'mq.list').length
  for (let i = 0; i < 10; i++) emit({ type: 'changed', topics: ['beads'] })
  await until(() => calls.filter((c) => c.method === 'mq.list').length >= beforeBurst + 1, 'the re-read')
  for (let i = 0; i < 50; i++) await tick()
  const reads = calls.filter((c) => c.method === 'mq.list').length - beforeBurst
  assert.ok(reads >= 1 && reads <= 2, `a burst re-read the queue ${reads} times`)

  // A re-read in flight answers what the core had before the event that arrives meanwhile: the event wins.
  answers['mq.list'] = () => [entry('mr-1', { state: 'awaiting_approval', updatedAt: at(8) }), entry('mr-2', { state: 'awaiting_approval', updatedAt: at(8) })]
  holdList = true
  const reread = useMergeQueue.getState().refresh()
  await until(() => releaseList !== null, 'the re-read to be asked')
  emit({ type: 'mq.entry', entry: entry('mr-1', { state: 'merged', mergedSha: 'f'.repeat(40), updatedAt: at(8) }) })
  holdList = false
  releaseList!()
  await reread
  assert.equal(useMergeQueue.getState().entries.find((e) => e.id === 'mr-1')!.state, 'merged', 'the row pushed during the re-read')
  assert.equal(useMergeQueue.getState().entries.find((e) => e.id === 'mr-2')!.state, 'awaiting_approval')

  // Left: the store forgets the rig, and events for it are not kept.
  await useMergeQueue.getState().show(null)
  emit({ type: 'mq.entry', entry: entry('mr-3') })
  assert.deepEqual(useMergeQueue.getState().entries, [])
})
