// No agent outlives its control room unnoticed. After SIGKILL of the host, an agent that ignores the hang-up
// keeps running; the next start finds it by pid and start time, ends it (and its group), and only then lets
// anything be slung — so no worktree ever has two agents. A pid that now belongs to another program is left alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { processEnv, processInfo } from '../../src/main/core/processes/process-identity'
import { processesInside } from '../../src/main/core/processes/agent-processes'
import type { Polecat } from '../../src/shared/domain'
import { startServe } from '../../e2e/support/serve'
import { endpointRpc } from '../support/endpoint-rpc'
import { GT_SCRIPT, eventually, fakeAgentCmd, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'

const human = { caller: { kind: 'human' as const } }
const alive = (pid: number) => {
  const info = processInfo(pid)
  return !!info && !info.zombie
}

test('after SIGKILL of the host, a restart ends every agent left running (one ignoring SIGHUP) before anything is slung again, then resumes each once', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  // Interrupted polecats resume by themselves a second after the restart.
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 1 }))
  let serve = await startServe(town)
  try {
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const beads: string[] = []
    const polecats: Polecat[] = []
    for (const [i, ignoreHup] of [false, true, false].entries()) {
      const bead = await rpc('beads.create', { title: `Work ${i}`, rig: 'app' })
      beads.push(bead.id)
      const script = [...(ignoreHup ? [{ ignoreHup: true }] : []), { signal: `ready-${i}` }, { hang: true }]
      polecats.push(await rpc('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(join(cues, String(i)), script) }))
      await waitForFile(join(cues, String(i), `ready-${i}`))
    }
    // Each agent is `sh -c 'node fake-agent …'`: every process working in its worktree is the agent.
    const procs = polecats.map((p) => processesInside(p.worktree).map((h) => h.pid))
    assert.ok(procs.every((ps) => ps.length >= 1), `three agents run: ${JSON.stringify(procs)}`)
    const pids = procs.flat()

    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))
    // The terminals hung up: agents that honour SIGHUP are gone, the one that ignores it is not.
    await eventually(() => [...procs[0], ...procs[2]].every((pid) => !alive(pid)), 'the agents that honour SIGHUP to end')
    const survivors = procs[1].filter(alive)
    assert.ok(survivors.length > 0, 'the agent ignoring SIGHUP outlived its control room (the case this test is about)')

    serve = await startServe(town)
    const rpc2 = endpointRpc(town)
    for (const pid of pids) assert.equal(alive(pid), false, `old agent process ${pid} is gone once the control room is up again`)
    const orphanEvents = (await rpc2('ledger.list', { limit: 500 })).filter((e: { kind: string }) => e.kind === 'session.orphan-ended')
    assert.equal(orphanEvents.length, 1, 'the survivor was found and ended, and the ledger says so')
    assert.equal(orphanEvents[0].subject, polecats[1].id)
    for (const pid of survivors) assert.ok(orphanEvents[0].data.pids.includes(pid), `the ledger names ${pid}`)

    // Recovery resumes each interrupted polecat, and each worktree has exactly one agent.
    const now: Polecat[] = await eventually(async () => {
      const list: Polecat[] = await rpc2('polecats.list')
      return polecats.every((pc) => list.find((p) => p.id === pc.id && p.state === 'working' && p.sessionId !== pc.sessionId)) ? list : null
    }, 'every interrupted polecat to resume on its own')
    for (const [i] of beads.entries()) await waitForFile(join(cues, String(i), `ready-${i}`))
    for (const pc of polecats) {
      const inside = processesInside(pc.worktree)
      const sessions = new Set(inside.map((h) => processEnv(h.pid)?.get('GT_SESSION')))
      assert.deepEqual([...sessions], [now.find((p) => p.id === pc.id)!.sessionId], `one agent (session) in ${pc.worktree}: ${JSON.stringify(inside)}`)
      assert.ok(inside.every((h) => !pids.includes(h.pid)), 'and none of the old processes')
    }
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})

test('sling refuses a worktree that a live process still holds, naming it', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  let squatter: ReturnType<typeof spawn> | null = null
  try {
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Held', rig: 'app' }, human)) as { id: string }
    const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ exit: 0 }]) }, human)) as Polecat
    await eventually(() => core.polecats.get(pc.id).state === 'exited', 'the agent to exit')
    // Something the agent left behind, still working in its worktree.
    squatter = spawn('sleep', ['60'], { cwd: pc.worktree, stdio: 'ignore' })
    await eventually(() => processesInside(pc.worktree).length === 1, 'the leftover process to run in the worktree')
    await assert.rejects(
      core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ hang: true }]) }, human),
      (err: Error) => err.message.includes(`pid ${squatter!.pid}`) && err.message.includes('still in use') && err.message.includes(`kill ${squatter!.pid}`)
    )
    const after = core.polecats.get(pc.id)
    assert.equal(after.state, 'exited', 'the refused sling left the polecat as it was')
    assert.equal(after.beadId, bead.id, 'and it keeps its hook')
    squatter.kill('SIGKILL')
    await eventually(() => processesInside(pc.worktree).length === 0, 'the leftover process to end')
    await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ signal: 'ok' }, { hang: true }]) }, human)
    await waitForFile(join(cues, 'ok'))
  } finally {
    squatter?.kill('SIGKILL')
    await core.close()
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})

test('a recorded pid that now belongs to another program is never killed', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  const stranger = spawn('sleep', ['60'], { stdio: 'ignore' })
  try {
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Reused pid', rig: 'app' }, human)) as { id: string }
    const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ signal: 'up' }, { hang: true }]) }, human)) as Polecat
    await waitForFile(join(cues, 'up'))
    // Make the ledger look as if the control room died while this session ran, and the pid had since been
    // given to an unrelated program: the stranger's pid, the agent's old identity.
    const session = core.sessions.find(pc.sessionId!)!
    await core.close()
    core = await createCore({ town, gtScript: GT_SCRIPT })
    core.db.prepare('UPDATE sessions SET ended_at = NULL, end_reason = NULL, pid = ? WHERE id = ?').run(stranger.pid, session.id)
    await core.close()
    core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      assert.ok(alive(stranger.pid!), 'the unrelated program is still running')
      assert.equal(core.sessions.find(session.id)!.endReason, 'app-restart')
    } finally {
      await core.close()
    }
  } finally {
    stranger.kill('SIGKILL')
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})
