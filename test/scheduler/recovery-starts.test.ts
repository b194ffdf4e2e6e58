// Start-up recovery resumes interrupted polecats through the scheduler: after a quit with 3 agents working,
// a town limited to 1 resumes one at once, in fair order; the others wait in the queue, their recovery step
// saying why, and each resumes when the one before it ends. The limit itself survived the restart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import type { SchedulerStatus } from '../../src/shared/scheduler'
import type { Bead, Polecat, RecoveryReport } from '../../src/shared/domain'
import { GT_SCRIPT, eventually, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { human } from '../support/town'

test('recovery resumes within the limit, in fair order, and tells why the rest wait', { timeout: 180_000 }, async () => {
  requireBuild()
  gitIdentityEnv()
  const root = tempDir('sched-recovery')
  const town = join(root, 'town')
  mkdirSync(town, { mode: 0o700 })
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 0 }))
  const repo = makeRepo()
  let core: Core | null = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'sample', source: repo }, human)
    await core.dispatch('rigs.configure', { rig: 'sample', key: 'max_retries', value: '0' }, human)
    // Each agent signals a start of its own (start-1, start-2…), then waits for its cue to end.
    // (The fake agent names a run's status cue after the command's second word: a plain word here.)
    const script = (cues: string) => [{ run: `: mark; n=$(ls '${cues}' | grep -c '^start-'); touch '${cues}/start-'$((n+1))` }, { waitFor: 'finish' }, { exit: 0 }]
    const beads: Bead[] = []
    const cuesOf = (b: Bead) => join(root, 'cues', b.id)
    for (const p of [3, 0, 1]) {
      const b = (await core.dispatch('beads.create', { title: `P${p} work`, priority: p, rig: 'sample' }, human)) as Bead
      beads.push(b)
      await new Promise((r) => setTimeout(r, 3))
    }
    for (const b of beads) {
      await core.dispatch('sling', { bead: b.id, rig: 'sample', agentCmd: fakeAgentCmd(cuesOf(b), script(cuesOf(b))) }, human)
      await waitForFile(join(cuesOf(b), 'start-1'))
    }
    // A limit set now applies after the restart too (kept in town.db).
    await core.dispatch('scheduler.limit', { limit: 1 }, human)
    await core.close()
    core = null

    core = await createCore({ town, gtScript: GT_SCRIPT })
    const c = core
    const alive = () => c.polecats.list().filter((p: Polecat) => c.polecats.isRunning(p.id)).length
    let most = 0
    const sampler = setInterval(() => (most = Math.max(most, alive())), 10)
    try {
      const fair = [beads[1], beads[2], beads[0]] // P0, P1, P3
      for (let i = 0; i < fair.length; i++) {
        await waitForFile(join(cuesOf(fair[i]), 'start-2'), 60_000)
        if (i === 0) {
          const report = await eventually(() => {
            const r = c.dispatch('town.recovery', {}, human) as Promise<RecoveryReport | null>
            return r.then((x) => (x && x.polecats.filter((s) => s.state === 'waiting').length === 2 ? x : null))
          }, 'two polecats waiting in the recovery report', 30_000)
          for (const s of report.polecats.filter((x) => x.state === 'waiting')) assert.match(s.detail ?? '', /waiting to start \(\d in the queue\): .*at its limit \(1 of 1 in use\)/)
          const st = (await c.dispatch('scheduler.status', {}, human)) as SchedulerStatus
          assert.equal(st.town.limit, 1)
          assert.equal(st.town.source, 'set')
          assert.deepEqual(st.queue.map((q) => [q.beadId, q.kind]), [[fair[1].id, 'restart'], [fair[2].id, 'restart']])
        }
        for (const later of fair.slice(i + 1)) assert.equal(existsSync(join(cuesOf(later), 'start-2')), false, `${later.id} waits`)
        writeFileSync(join(cuesOf(fair[i]), 'finish'), '')
        await eventually(() => c.sessions.list({ bead: fair[i].id }).every((s) => s.endedAt), `${fair[i].id} to end`, 60_000)
      }
      const report = await eventually(async () => {
        const r = (await c.dispatch('town.recovery', {}, human)) as RecoveryReport | null
        return r?.finishedAt ? r : null
      }, 'recovery to finish', 60_000)
      assert.deepEqual(report.polecats.map((s) => s.state), ['done', 'done', 'done'])
      assert.equal(most, 1, 'never more than one agent alive')
      await Promise.all(c.polecats.list().map((p) => c.polecats.keeper.settled(p.id)))
    } finally {
      clearInterval(sampler)
    }
  } finally {
    await core?.close()
    removeDir(root)
    removeDir(repo)
  }
})
