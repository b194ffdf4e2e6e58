// The control room can die at any moment: what was acknowledged is still there after a restart, and
// start-up reconciliation converges however the previous run ended (clean quit or SIGKILL).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { readEndpoint } from '../../src/main/core/endpoint/endpoint-file'
import type { Polecat, Session } from '../../src/shared/domain'
import { GT_SCRIPT, ROOT, eventually, fakeAgentCmd, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'

const human = { caller: { kind: 'human' as const } }
const HANGING = [{ say: 'fake-agent: working {{GT_BEAD}}' }, { run: 'gt checkpoint \'{"step":1}\'' }, { signal: 'ready' }, { hang: true }]

test('after a clean quit, rigs, beads, polecats and history are all still there', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = join(tempDir('cues'), 'cues')
  try {
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Survive', rig: 'app' }, human)) as { id: string }
    const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, HANGING) }, human)) as Polecat
    await waitForFile(join(cues, 'ready'))
    await core.close()
    assert.equal(readEndpoint(town), null, 'the endpoint file goes with the control room')

    core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      assert.deepEqual((core.rigs.list()).map((r) => r.name), ['app'])
      assert.equal(core.beads.get(bead.id).status, 'hooked', 'the hook outlives the process')
      const after = core.polecats.get(pc.id)
      assert.equal(after.state, 'exited')
      assert.equal(after.beadId, bead.id)
      const [session] = (await core.dispatch('sessions.list', { bead: bead.id }, human)) as Session[]
      assert.equal(session.endReason, 'app-quit')
      const t = (await core.dispatch('sessions.show', { id: session.id }, human)) as { lines: { kind: string; data?: string }[] }
      assert.match(t.lines.filter((l) => l.kind === 'output').map((l) => l.data).join(''), /fake-agent: working/)
      // A terminal opened now replays the last session from its log.
      const snap = (await core.dispatch('terminal.attach', { polecat: pc.id }, { ...human, client: { id: 'v', send: () => {} } })) as { data: string; running: boolean }
      assert.equal(snap.running, false)
      assert.match(snap.data, /fake-agent: working/)
      // Re-slinging the bead goes back to the same polecat, worktree and branch, and prime has the checkpoint.
      const again = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ run: 'gt prime --json > prime.json' }, { signal: 'primed2' }, { hang: true }]) }, human)) as Polecat
      assert.equal(again.id, pc.id)
      assert.equal(again.branch, pc.branch)
      await waitForFile(join(cues, 'primed2'))
      const prime = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(pc.worktree, 'prime.json'), 'utf8')))
      assert.deepEqual(prime.checkpoint.data, { step: 1 })
      assert.equal(prime.attempts.length, 1, 'the past attempt is listed')
      assert.equal(prime.attempts[0].endReason, 'app-quit')
    } finally {
      await core.close()
    }
  } finally {
    removeDir(town)
    removeDir(repo)
    removeDir(join(cues, '..'))
  }
})

test('after SIGKILL of gt serve, start-up reconciliation ends the orphaned session and keeps everything', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = join(tempDir('cues'), 'cues')
  const serve = spawn(process.execPath, [join(ROOT, 'bin', 'gt.cjs'), 'serve', '--town', town, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    await eventually(() => readEndpoint(town), 'gt serve to write its endpoint')
    const info = readEndpoint(town)!
    assert.equal(statSync(join(town, 'endpoint.json')).mode & 0o777, 0o600, 'the endpoint file is owner-only')
    const call = async (method: string, params: unknown) => {
      const res = await fetch(`${info.url}/rpc`, { method: 'POST', headers: { authorization: `Bearer ${info.token}` }, body: JSON.stringify({ method, params }) })
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
      const last = lines[lines.length - 1]
      if (last.error) throw new Error(last.error.message)
      return last.result
    }
    await call('rigs.add', { name: 'app', source: repo })
    const bead = await call('beads.create', { title: 'Crash-proof', rig: 'app' })
    const pc = await call('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, HANGING) })
    await waitForFile(join(cues, 'ready'))
    serve.kill('SIGKILL')
    await new Promise((r) => serve.once('exit', r))
    assert.ok(existsSync(join(town, 'endpoint.json')), 'a killed control room leaves its endpoint file')

    const core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      const [session] = core.sessions.list({ bead: bead.id })
      assert.equal(session.endReason, 'app-restart')
      assert.ok(session.endedAt)
      assert.ok(session.outputBytes > 0, 'the output size is counted from the log of a killed session')
      assert.equal(core.polecats.get(pc.id).state, 'exited')
      assert.equal(core.beads.get(bead.id).status, 'hooked')
      assert.ok(core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'agent.checkpoint'))
      // Reconciliation is idempotent.
      await core.polecats.reconcile()
      assert.equal(core.sessions.list({ bead: bead.id }).length, 1)
    } finally {
      await core.close()
    }
  } finally {
    if (serve.exitCode === null) serve.kill('SIGKILL')
    removeDir(town)
    removeDir(repo)
    removeDir(join(cues, '..'))
  }
})
