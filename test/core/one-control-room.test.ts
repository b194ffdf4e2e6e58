// One control room per town, by a lock the operating system releases when the process dies; and one polecat
// per bead, town-wide, by a conditional update in the database.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { writeEndpoint } from '../../src/main/core/endpoint/endpoint-file'
import type { Polecat } from '../../src/shared/domain'
import { startServe } from '../../e2e/support/serve'
import { endpointRpc } from '../support/endpoint-rpc'
import { GT_SCRIPT, ROOT, fakeAgentCmd, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'

const human = { caller: { kind: 'human' as const } }

/** Runs `gt serve` to its end (or until it prints its URL) and says how it went. */
function serveOnce(town: string): Promise<{ started: boolean; code: number | null; output: string; kill(): void }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'gt.cjs'), 'serve', '--town', town, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GT_TOWN: '' } })
  let output = ''
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      output += d.toString()
      if (output.includes('Open: ')) resolve({ started: true, code: null, output, kill: () => proc.kill('SIGKILL') })
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.on('exit', (code) => resolve({ started: false, code, output, kill: () => {} }))
  })
}

test('two hosts started together on one town: exactly one runs, the other refuses and touches nothing', async () => {
  requireBuild()
  const town = tempDir('town')
  const runs = await Promise.all([serveOnce(town), serveOnce(town)])
  try {
    assert.equal(runs.filter((r) => r.started).length, 1, runs.map((r) => r.output).join('\n---\n'))
    const refused = runs.find((r) => !r.started)!
    assert.equal(refused.code, 1)
    assert.match(refused.output, /another control room is running on the town/)
    assert.match(refused.output, /town\.lock/)
  } finally {
    for (const r of runs) r.kill()
    removeDir(town)
  }
})

test("a second control room refuses while the first has live agents, and cancels none of them", async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  const serve = await startServe(town)
  try {
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const bead = await rpc('beads.create', { title: 'Keep running', rig: 'app' })
    const pc: Polecat = await rpc('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ signal: 'up' }, { hang: true }]) })
    await waitForFile(join(cues, 'up'))
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), /another control room is running on the town .*pid \d+/)
    const after: Polecat[] = await rpc('polecats.list')
    assert.equal(after.find((p) => p.id === pc.id)!.state, 'working', 'the first control room still runs its agent')
    const sessions = await rpc('sessions.list', { bead: bead.id })
    assert.equal(sessions[0].endedAt, null, 'and its session was not ended by anyone')
  } finally {
    await serve.stop('SIGTERM')
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})

test('the lock goes with the process: after SIGKILL a new control room starts; a stale endpoint.json naming a live stranger does not block it', async () => {
  requireBuild()
  const town = tempDir('town')
  const stranger = spawn('sleep', ['60'], { stdio: 'ignore' })
  try {
    const first = await serveOnce(town)
    assert.ok(first.started, first.output)
    first.kill()
    await new Promise((r) => setTimeout(r, 100))
    // endpoint.json left behind, its pid now a live program that is not a control room.
    writeEndpoint(town, { url: 'http://127.0.0.1:9', token: 'x', pid: stranger.pid!, startedAt: new Date().toISOString() })
    const core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.close()
    // In this process too: a second core on a town whose lock is held refuses at once.
    const a = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), /another control room is running/)
    } finally {
      await a.close()
    }
  } finally {
    stranger.kill('SIGKILL')
    removeDir(town)
  }
})

test('a bead is hooked to at most one polecat: the same bead slung into two rigs at once starts one agent', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'one', source: repo }, human)
    await core.dispatch('rigs.add', { name: 'two', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Only once' }, human)) as { id: string }
    const script = [{ signal: 'up-{{GT_RIG}}' }, { hang: true }]
    const results = await Promise.allSettled(['one', 'two'].map((rig) => core.dispatch('sling', { bead: bead.id, rig, agentCmd: fakeAgentCmd(cues, script) }, human)))
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))))
    // Refused by the hook's conditional update, or before it by the scheduler that holds the first start.
    assert.match(String(lost[0].reason.message), new RegExp(`bead ${bead.id} is (already )?(hooked to|waiting to start)`))
    const holders = core.polecats.list().filter((p) => p.beadId === bead.id)
    assert.equal(holders.length, 1)
    assert.equal(core.polecats.list().filter((p) => core.polecats.isRunning(p.id)).length, 1, 'one agent runs')
    assert.equal(core.beads.get(bead.id).assignee, holders[0].id)
    // The database itself refuses a second hook, whatever code might try.
    const other = core.polecats.list().find((p) => p.beadId !== bead.id)
    if (other) assert.throws(() => core.db.prepare('UPDATE polecats SET bead_id = ? WHERE id = ?').run(bead.id, other.id), /UNIQUE/)
  } finally {
    await core.close()
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})

test('a failed sling gives the hook back: the bead can be slung again', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Worktree trouble', rig: 'app' }, human)) as { id: string }
    // A file where the polecat's worktree must go: preparing the worktree fails after the hook was claimed.
    writeFileSync(join(town, 'rigs', 'app', 'polecats', 'nux'), 'in the way')
    await assert.rejects(core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ hang: true }]) }, human), /could not prepare the worktree/)
    assert.equal(core.beads.get(bead.id).status, 'open')
    assert.equal(core.beads.get(bead.id).assignee, null)
    assert.equal(core.polecats.list().filter((p) => p.beadId === bead.id).length, 0)
    assert.ok(core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'polecat.sling-failed'))
  } finally {
    await core.close()
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})
