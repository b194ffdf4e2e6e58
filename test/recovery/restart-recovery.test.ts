// The app or the machine died: nothing committed, pushed or checkpointed is lost, and the work resumes.
// kill -9 of the host while agents work; the rigs/ folder deleted while the host is down; a rig whose source
// is gone; a bead finished before the crash; a bead respawned too often. Each ends in a safe state with a
// clear message, never a loop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Polecat, PrimeContext, RecoveryReport } from '../../src/shared/domain'
import { startServe, type Served } from '../../e2e/support/serve'
import { endpointRpc, type Rpc } from '../support/endpoint-rpc'
import { eventually, fakeAgentCmd, makeRepo, removeDir, requireBuild, sh, tempDir, waitForFile } from '../support/fixtures'

/** A town whose interrupted polecats resume a second after start. */
function newTown(extra: Record<string, unknown> = {}): string {
  const town = tempDir('town')
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 1, ...extra }))
  return town
}

// Works in steps: commits and checkpoints the first, then waits; a resumed session proves itself by its prime.
const WORKER = [
  { write: { path: 'step1.txt', content: 'one\n' } },
  { commit: 'Step one' },
  { run: 'gt checkpoint \'{"step":1,"next":"step two"}\'' },
  { run: 'gt prime --json > prime-{{GT_SESSION}}.json' },
  { signal: 'worked-{{GT_SESSION}}' },
  { hang: true }
]

const polecatsOf = async (rpc: Rpc): Promise<Polecat[]> => rpc('polecats.list')
const resumed = (rpc: Rpc, before: Polecat[]) =>
  eventually(async () => {
    const now = await polecatsOf(rpc)
    return before.every((b) => now.find((p) => p.id === b.id && p.state === 'working' && p.sessionId !== b.sessionId)) ? now : null
  }, 'every interrupted polecat to resume by itself', 60_000)

async function workers(rpc: Rpc, rig: string, cues: string, count: number): Promise<Polecat[]> {
  const out: Polecat[] = []
  for (let i = 0; i < count; i++) {
    const bead = await rpc('beads.create', { title: `Recover ${rig} ${i}`, rig })
    const pc: Polecat = await rpc('sling', { bead: bead.id, rig, agentCmd: fakeAgentCmd(join(cues, `${rig}-${i}`), WORKER) })
    await waitForFile(join(cues, `${rig}-${i}`, `worked-${pc.sessionId}`))
    out.push(pc)
  }
  return out
}

test('kill -9 of the host while agents work: at restart each resumes on its branch with its checkpoint; a finished bead is not restarted', async () => {
  requireBuild()
  const town = newTown()
  const repo = makeRepo()
  const cues = tempDir('cues')
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const pcs = await workers(rpc, 'app', cues, 3)
    // One bead is finished before the crash: closed by the human.
    await rpc('beads.close', { id: pcs[2].beadId, reason: 'done by hand' })
    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))

    serve = await startServe(town)
    rpc = endpointRpc(town)
    const now = await resumed(rpc, pcs.slice(0, 2))
    for (const before of pcs.slice(0, 2)) {
      const after = now.find((p) => p.id === before.id)!
      assert.equal(after.branch, before.branch, 'the same branch')
      assert.equal(after.worktree, before.worktree, 'the same worktree')
      const i = pcs.indexOf(before)
      await waitForFile(join(cues, `app-${i}`, `worked-${after.sessionId}`))
      const prime = JSON.parse(readFileSync(join(after.worktree, `prime-${after.sessionId}.json`), 'utf8')) as PrimeContext
      assert.deepEqual(prime.checkpoint?.data, { step: 1, next: 'step two' }, 'the checkpoint of the session before the crash')
      assert.equal(prime.attempts[0].endReason, 'app-restart')
    }
    assert.equal(now.find((p) => p.id === pcs[2].id)!.state, 'exited', 'the finished bead was not restarted')
    const report: RecoveryReport = await eventually(async () => {
      const r: RecoveryReport | null = await rpc('town.recovery')
      return r?.finishedAt ? r : null
    }, 'the recovery report')
    assert.match(report.polecats.find((p) => p.name === pcs[2].id)!.detail ?? '', /finished.*never dispatched again/)
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    for (const d of [town, repo, cues]) removeDir(d)
  }
})

test('rigs/ deleted while the host is down: clones made again, worktrees recreated from the pushed branches, polecats resumed', async () => {
  requireBuild()
  const town = newTown()
  const repoA = makeRepo()
  const repoB = makeRepo()
  const cues = tempDir('cues')
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'a', source: repoA })
    await rpc('rigs.add', { name: 'b', source: repoB })
    const pcs = [...(await workers(rpc, 'a', cues, 2)), ...(await workers(rpc, 'b', cues, 1))]
    // The app pushed each branch after its commit.
    await eventually(() => pcs.every((pc) => sh(pc.rig === 'a' ? repoA : repoB, 'git', ['branch', '--list', pc.branch!]).trim() !== ''), 'the branches on the origins')
    await serve.stop('SIGTERM')
    rmSync(join(town, 'rigs'), { recursive: true, force: true })

    serve = await startServe(town)
    rpc = endpointRpc(town)
    const now = await resumed(rpc, pcs)
    for (const pc of now.filter((p) => pcs.some((x) => x.id === p.id))) {
      assert.ok(existsSync(join(pc.worktree, 'step1.txt')), `${pc.id}'s committed work is back`)
      assert.match(sh(pc.worktree, 'git', ['log', '--format=%s']), /^Step one$/m, `${pc.id}'s commit is on its recreated branch`)
    }
    const report: RecoveryReport = await eventually(async () => {
      const r: RecoveryReport | null = await rpc('town.recovery')
      return r?.finishedAt ? r : null
    }, 'the recovery report')
    assert.deepEqual(report.rigs.map((r) => [r.name, r.state, r.detail]), [['a', 'done', 'cloned again from its source'], ['b', 'done', 'cloned again from its source']])
    assert.ok(report.polecats.every((p) => p.state === 'done'), JSON.stringify(report.polecats))
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    for (const d of [town, repoA, repoB, cues]) removeDir(d)
  }
})

test('a branch deleted on the remote while rigs/ is gone: that worktree starts again from the base, the ledger says so, and its checkpoint still reaches the agent', async () => {
  requireBuild()
  const town = newTown()
  const repo = makeRepo()
  const cues = tempDir('cues')
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'a', source: repo })
    const [kept, lost] = await workers(rpc, 'a', cues, 2)
    await eventually(() => [kept, lost].every((pc) => sh(repo, 'git', ['branch', '--list', pc.branch!]).trim() !== ''), 'the branches on the origin')
    await serve.stop('SIGTERM')
    rmSync(join(town, 'rigs'), { recursive: true, force: true })
    sh(repo, 'git', ['branch', '-D', lost.branch!])

    serve = await startServe(town)
    rpc = endpointRpc(town)
    const now = await resumed(rpc, [kept, lost])
    const report: RecoveryReport = await eventually(async () => {
      const r: RecoveryReport | null = await rpc('town.recovery')
      return r?.finishedAt ? r : null
    }, 'the recovery report')
    assert.ok(report.polecats.every((p) => p.state === 'done'), JSON.stringify(report.polecats))
    const back = now.find((p) => p.id === kept.id)!
    const again = now.find((p) => p.id === lost.id)!
    assert.ok(existsSync(join(back.worktree, 'step1.txt')), 'the pushed branch came back with its commit')
    assert.equal(existsSync(join(again.worktree, 'step1.txt')), false, 'the deleted branch starts again from the base')
    assert.equal(sh(again.worktree, 'git', ['rev-parse', '--abbrev-ref', 'HEAD']).trim(), lost.branch, 'on its own branch, made again')
    const events: { kind: string; data: { polecat?: string } }[] = await rpc('ledger.list', { subject: lost.beadId })
    assert.ok(events.some((e) => e.kind === 'recovery.branch-lost' && e.data.polecat === lost.id), 'the ledger says the branch was lost')
    // The resumed agent primes itself: the session before it, and why it ended, are what is left of its work.
    // The worker signals after its prime is written whole.
    await waitForFile(join(cues, 'a-1', `worked-${again.sessionId}`))
    const prime = JSON.parse(readFileSync(join(again.worktree, `prime-${again.sessionId}.json`), 'utf8')) as PrimeContext
    assert.ok(prime.attempts.some((a) => a.id === lost.sessionId && a.endReason), `the interrupted session is in its prime: ${JSON.stringify(prime.attempts.map((a) => [a.id, a.endReason]))}`)
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    for (const d of [town, repo, cues]) removeDir(d)
  }
})

test('a rig whose source is gone is reported with its reason and its polecats wait; the other rig recovers', async () => {
  requireBuild()
  const town = newTown()
  const good = makeRepo()
  const gone = makeRepo()
  const cues = tempDir('cues')
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'good', source: good })
    await rpc('rigs.add', { name: 'gone', source: gone })
    const pcs = [...(await workers(rpc, 'good', cues, 1)), ...(await workers(rpc, 'gone', cues, 1))]
    await serve.stop('SIGTERM')
    rmSync(join(town, 'rigs'), { recursive: true, force: true })
    renameSync(gone, `${gone}-moved`)

    serve = await startServe(town)
    rpc = endpointRpc(town)
    const report: RecoveryReport = await eventually(async () => {
      const r: RecoveryReport | null = await rpc('town.recovery')
      return r?.finishedAt ? r : null
    }, 'the recovery report', 60_000)
    const bad = report.rigs.find((r) => r.name === 'gone')!
    assert.equal(bad.state, 'failed')
    assert.match(bad.detail ?? '', /could not clone/)
    assert.equal(report.polecats.find((p) => p.name === pcs[1].id)!.state, 'skipped')
    assert.equal(report.polecats.find((p) => p.name === pcs[0].id)!.state, 'done')
    const items: { title: string; severity: string }[] = await rpc('inbox.list')
    assert.ok(items.some((i) => i.title === 'The rig gone could not be recovered' && i.severity === 'P1'))
    renameSync(`${gone}-moved`, gone)
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    for (const d of [town, good, gone, `${gone}-moved`, cues]) removeDir(d)
  }
})

test('a bead respawned too often within an hour is not resumed again: a P0 says why', async () => {
  requireBuild()
  const town = newTown({ maxRespawnsPerHour: 2 })
  const repo = makeRepo()
  const cues = tempDir('cues')
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const [pc] = await workers(rpc, 'app', cues, 1)
    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))
    serve = await startServe(town)
    rpc = endpointRpc(town)
    await resumed(rpc, [pc])
    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))
    serve = await startServe(town)
    rpc = endpointRpc(town)
    const item = await eventually(async () => ((await rpc('inbox.list')) as { title: string; severity: string }[]).find((i) => /respawned 2 times within an hour/.test(i.title)), 'the P0 about respawns', 30_000)
    assert.equal(item.severity, 'P0')
    assert.equal((await polecatsOf(rpc)).find((p) => p.id === pc.id)!.state, 'exited')
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    for (const d of [town, repo, cues]) removeDir(d)
  }
})
