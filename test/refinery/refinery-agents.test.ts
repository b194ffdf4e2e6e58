// The refinery and the agents: a polecat whose branch breaks the build on the merge candidate gets
// FIX_NEEDED with the failing output (the Dogs' nudge), fixes it, runs gt done again and is merged — MERGED
// mail, bead closed. And the host killed in the middle of a batch: the restart finishes or redoes it, and no
// request is merged twice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MergeQueueEntry, Polecat } from '../../src/shared/domain'
import { startServe, type Served } from '../../e2e/support/serve'
import { endpointRpc } from '../support/endpoint-rpc'
import { eventually, fakeAgentCmd, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { human, useTestTown } from '../support/town'
import { BUILD, TESTS, bareOrigin, filesAt, firstParents, originSha, pushBranch } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>

test('a culprit polecat gets FIX_NEEDED with the failing output, fixes its branch, gt done again, and is merged', async () => {
  const o = bareOrigin()
  await call('rigs.add', { name: 'fix', source: o.source })
  for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS, retry_backoff_s: '0' })) await call('rigs.configure', { rig: 'fix', key, value })
  const bead = await call<{ id: string }>('beads.create', { title: 'Add the feature', rig: 'fix', priority: 1 })
  const cues = join(tempDir('cues'), 'cues')
  const mail1 = join(cues, '..', 'mail1.json')
  const mail2 = join(cues, '..', 'mail2.json')
  const script = [
    { write: { path: 'feature.txt', content: 'the feature\n' } },
    { write: { path: 'BUILD_BROKEN', content: 'oops\n' } },
    { commit: 'Add the feature' },
    { run: 'gt done --summary "first try"' },
    { signal: 'done1' },
    { waitFor: 'fix' },
    { run: `gt mail check --json > ${JSON.stringify(mail1)}` },
    { signal: 'read1' },
    { run: 'git rm -q BUILD_BROKEN' },
    { commit: 'Fix the build' },
    { run: 'gt done --summary "fixed"' },
    { signal: 'done2' },
    { waitFor: 'read' },
    { run: `gt mail check --json > ${JSON.stringify(mail2)}` },
    { signal: 'read2' },
    { hang: true }
  ]
  const pc = await call<Polecat>('sling', { bead: bead.id, rig: 'fix', agentCmd: fakeAgentCmd(cues, script) })
  await waitForFile(join(cues, 'done1'))
  assert.equal((await waitForFile(join(cues, 'run-done.status'))).trim(), '0')
  const failed = await eventually(async () => (await call<MergeQueueEntry[]>('mq.list', { rig: 'fix' })).find((e) => e.state === 'failed'), 'the request sent back')
  assert.equal(failed.polecatId, pc.id)
  assert.equal((await call<Polecat[]>('polecats.list', {})).find((p) => p.id === pc.id)!.beadId, bead.id, 'the bead is back on its hook')
  await eventually(() => ctx.core.db.prepare("SELECT 1 FROM mail WHERE recipient = ? AND subject = 'FIX_NEEDED'").get(pc.id), 'the FIX_NEEDED mail')

  execFileSync('touch', [join(cues, 'fix')])
  await waitForFile(join(cues, 'read1'))
  const first = JSON.parse(readFileSync(mail1, 'utf8')) as { subject: string; body: string }[]
  const fix = first.find((m) => m.subject === 'FIX_NEEDED')!
  assert.ok(fix, `the agent read FIX_NEEDED (${JSON.stringify(first.map((m) => m.subject))})`)
  assert.match(fix.body, /BUILD_BROKEN is in the tree/, 'with the failing output')
  assert.match(fix.body, /gt done again/)

  await waitForFile(join(cues, 'done2'))
  const merged = await eventually(async () => {
    await ctx.core.refinery.idle('fix')
    return (await call<MergeQueueEntry[]>('mq.list', { rig: 'fix' })).find((e) => e.id === failed.id && e.state === 'merged')
  }, 'the fixed request merged')
  assert.equal(merged.id, failed.id, 'the same request, done again')
  assert.ok(filesAt(o).includes('feature.txt') && !filesAt(o).includes('BUILD_BROKEN'))
  const shown = await call<{ bead: { status: string } }>('beads.show', { id: bead.id })
  assert.equal(shown.bead.status, 'closed', 'the worked bead is closed')
  execFileSync('touch', [join(cues, 'read')])
  await waitForFile(join(cues, 'read2'))
  const second = JSON.parse(readFileSync(mail2, 'utf8')) as { subject: string; body: string }[]
  assert.ok(second.some((m) => m.subject === 'MERGED' && m.body.includes(merged.mergedSha!.slice(0, 10))), `MERGED mail (${JSON.stringify(second.map((m) => m.subject))})`)
  await call('polecats.stop', { polecat: pc.id })
})

test('the host killed mid-batch: the restart redoes the batch, every request merged exactly once', async () => {
  requireBuild()
  const town = tempDir('town')
  const o = bareOrigin()
  const gate = join(tempDir('gate'), 'release')
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'crash', source: o.source })
    // The tests hold until the gate file exists: the kill comes while the candidate is being tested.
    for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: `while [ ! -e ${gate} ]; do sleep 0.05; done; ${TESTS}` })) await rpc('rigs.configure', { rig: 'crash', key, value })
    const branches = ['c/1', 'c/2', 'c/3']
    for (const b of branches) pushBranch(o, b)
    const before = originSha(o)
    await rpc('mq.add', { rig: 'crash', branches })
    await eventually(async () => ((await rpc<MergeQueueEntry[]>('mq.list', { rig: 'crash' })).every((e) => e.state === 'testing') ? true : null), 'the batch under test')
    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))
    assert.equal(originSha(o), before, 'nothing landed before the kill')

    execFileSync('touch', [gate])
    serve = await startServe(town)
    rpc = endpointRpc(town)
    const done = await eventually(async () => {
      const l = await rpc<MergeQueueEntry[]>('mq.list', { rig: 'crash' })
      return l.every((e) => e.state === 'merged') ? l : null
    }, 'the batch merged after the restart', 60_000)
    assert.equal(new Set(done.map((e) => e.mergedSha)).size, 1, 'one landing for the batch')
    assert.equal(firstParents(o, before).length, 1, 'main moved once')
    for (const e of done) {
      const merges = (await rpc<{ kind: string }[]>('ledger.list', { subject: e.id })).filter((x) => x.kind === 'mq.merged')
      assert.equal(merges.length, 1, `${e.branch} merged once`)
    }
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    removeDir(town)
  }
})

test('the host stopped between the push and the bookkeeping: the restart sees the target has the batch and only finishes the bookkeeping', async () => {
  requireBuild()
  const town = tempDir('town')
  const o = bareOrigin()
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'half', source: o.source })
    await rpc('rigs.configure', { rig: 'half', key: 'merge_mode', value: 'gated' })
    pushBranch(o, 'h/1')
    await rpc('mq.add', { rig: 'half', branches: ['h/1'] })
    await rpc('mq.run', { rig: 'half', wait: true })
    const item = (await rpc<{ kind: string; merge: { landing: string; candidate: string } }[]>('inbox.list', {})).find((i) => i.kind === 'merge')!
    await serve.stop('SIGTERM')
    // What a host killed right after its push leaves: the target moved to the candidate, the landing written
    // down as under way, its bookkeeping not done.
    const rigRepo = join(town, 'rigs', 'half', 'repo')
    execFileSync('git', ['-C', rigRepo, 'push', '-q', 'origin', `${item.merge.candidate}:refs/heads/main`])
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(join(town, 'town.db'))
    db.prepare("UPDATE merge_landings SET state = 'landing' WHERE id = ?").run(item.merge.landing)
    db.prepare("UPDATE merge_queue SET state = 'testing'").run()
    db.close()
    const landedSha = originSha(o)

    serve = await startServe(town)
    rpc = endpointRpc(town)
    const [e] = await eventually(async () => {
      const l = await rpc<MergeQueueEntry[]>('mq.list', { rig: 'half' })
      return l[0]?.state === 'merged' ? l : null
    }, 'the bookkeeping finished')
    assert.equal(e.mergedSha, landedSha)
    assert.equal(originSha(o), landedSha, 'main was not moved again')
    const merges = (await rpc<{ kind: string }[]>('ledger.list', { subject: e.id })).filter((x) => x.kind === 'mq.merged')
    assert.equal(merges.length, 1)
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    removeDir(town)
  }
})
