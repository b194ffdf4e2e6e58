// Capacity with real processes: 12 beads slung at once (Promise.all) into 2 rigs, town limit 3 and rig limit 2,
// each bead run by the fake agent in its real PTY. Sampled all along — the core's live sessions and the real
// agent processes in /proc — never more than the limits are alive; all 12 run; they start in fair order
// (priority, then the older bead), which an independent model of the queue predicts step by step.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CoreEvent } from '../../src/shared/contract'
import type { SchedulerStatus } from '../../src/shared/scheduler'
import type { Bead, Polecat } from '../../src/shared/domain'
import { FAKE_AGENT, eventually, fakeAgentCmd, makeRepo, removeDir, tempDir, waitForFile } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const ctx = useTestTown()
const TOWN_LIMIT = 3
const RIG_LIMIT = 2
const RIGS = ['alpha', 'beta']

/** The fake agents of this test alive now, by rig: node processes running fake-agent.mjs with our cue folder. */
function agentProcesses(cueRoot: string): Map<string, number> {
  const byRig = new Map<string, number>()
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      // A zombie is gone for our purpose (its cmdline is empty).
    } catch {
      continue
    }
    if (argv[1] !== FAKE_AGENT || !argv.includes('--cues')) continue
    const cues = argv[argv.indexOf('--cues') + 1]
    if (!cues?.startsWith(cueRoot)) continue
    const rig = cues.slice(cueRoot.length + 1).split('-')[0]
    byRig.set(rig, (byRig.get(rig) ?? 0) + 1)
  }
  return byRig
}

const total = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0)

test('12 concurrent slings into 2 rigs never exceed town 3 / rig 2, all run, in priority-then-age order', { timeout: 240_000 }, async () => {
  const core = ctx.core
  const second = makeRepo()
  const cueRoot = tempDir('sched-cues')
  const stop: (() => void)[] = []
  try {
    await core.dispatch('rigs.add', { name: 'alpha', source: ctx.repo }, human)
    await core.dispatch('rigs.add', { name: 'beta', source: second }, human)
    for (const rig of RIGS) {
      // An agent that exits without gt done is not restarted here: every start is one of the 12 slings.
      await core.dispatch('rigs.configure', { rig, key: 'max_retries', value: '0' }, human)
      await core.dispatch('scheduler.limit', { rig, limit: RIG_LIMIT }, human)
    }
    await core.dispatch('scheduler.limit', { limit: TOWN_LIMIT }, human)

    // 12 beads, 6 per rig, priorities mixed; created one after the other so each is older than the next.
    const priorities = [2, 0, 3, 1, 2, 0, 1, 3, 2, 0, 4, 1]
    const beads: Bead[] = []
    for (let i = 0; i < priorities.length; i++) {
      beads.push((await core.dispatch('beads.create', { title: `work ${i}`, priority: priorities[i], rig: RIGS[i % 2] }, human)) as Bead)
      await new Promise((r) => setTimeout(r, 3))
    }
    const rigOf = (b: Bead) => b.rig!
    const cuesOf = (b: Bead) => join(cueRoot, `${rigOf(b)}-${b.id}`)
    const script = [{ signal: 'started' }, { waitFor: 'finish' }, { say: 'fake-agent: finishing' }, { exit: 0 }]

    // Sampled on every scheduler event and every 10 ms: what the core runs, what the scheduler counts, and /proc.
    const worst = { sessions: 0, procs: 0, slots: 0, rig: { sessions: 0, procs: 0 } }
    const statuses: SchedulerStatus[] = []
    const sample = () => {
      const live = core.polecats.list().filter((p) => core.polecats.isRunning(p.id))
      const sessions = new Map<string, number>()
      for (const p of live) sessions.set(p.rig, (sessions.get(p.rig) ?? 0) + 1)
      const procs = agentProcesses(cueRoot)
      worst.sessions = Math.max(worst.sessions, live.length)
      worst.procs = Math.max(worst.procs, total(procs))
      worst.rig.sessions = Math.max(worst.rig.sessions, ...sessions.values(), 0)
      worst.rig.procs = Math.max(worst.rig.procs, ...procs.values(), 0)
    }
    const disconnect = core.connect({
      id: 'sched-view',
      send: (e: CoreEvent) => {
        if (e.type !== 'scheduler') return
        statuses.push(e.status)
        worst.slots = Math.max(worst.slots, e.status.town.running + e.status.town.starting)
        sample()
      }
    })
    const sampler = setInterval(sample, 10)
    const limitsKept = () => {
      assert.ok(worst.sessions <= TOWN_LIMIT && worst.procs <= TOWN_LIMIT && worst.slots <= TOWN_LIMIT, `town limit kept: ${JSON.stringify(worst)}`)
      assert.ok(worst.rig.sessions <= RIG_LIMIT && worst.rig.procs <= RIG_LIMIT, `rig limit kept: ${JSON.stringify(worst)}`)
    }
    stop.push(() => clearInterval(sampler), disconnect)

    // All 12 at once, in an order unrelated to their priority.
    const order = [7, 2, 11, 0, 5, 9, 3, 10, 1, 6, 8, 4]
    const slung = Promise.all(order.map((i) => core.dispatch('sling', { bead: beads[i].id, rig: rigOf(beads[i]), agentCmd: fakeAgentCmd(cuesOf(beads[i]), script) }, human) as Promise<Polecat>))

    // The model: a queue in fair order; a start goes when its rig and the town have room; we finish the
    // longest-running agent, one at a time.
    const fair = [...beads].sort((a, b) => a.priority - b.priority || (a.createdAt < b.createdAt ? -1 : 1))
    const waiting = [...fair]
    const running: Bead[] = []
    const expected: string[] = []
    const admitModel = () => {
      for (const b of [...waiting]) {
        if (running.length >= TOWN_LIMIT) break
        if (running.filter((r) => r.rig === b.rig).length >= RIG_LIMIT) continue
        waiting.splice(waiting.indexOf(b), 1)
        running.push(b)
        expected.push(b.id)
      }
    }
    const admitted = () => core.ledger.list({ limit: 5000 }).filter((e) => e.kind === 'scheduler.admitted').map((e) => e.subject!)

    admitModel()
    let sawFull = false
    while (running.length) {
      for (const b of running) await waitForFile(join(cuesOf(b), 'started'), 60_000)
      sample()
      limitsKept()
      await eventually(() => admitted().length === expected.length, `${expected.length} admissions`, 60_000)
      if (running.length === TOWN_LIMIT) {
        // The town is full and every one of them is alive: the limit was reached, not merely respected.
        assert.equal(total(agentProcesses(cueRoot)), TOWN_LIMIT)
        sawFull = true
        const st = (await core.dispatch('scheduler.status', {}, human)) as SchedulerStatus
        assert.equal(st.town.running, TOWN_LIMIT)
        assert.equal(st.queue.length, waiting.length)
        assert.deepEqual(st.queue.map((q) => q.beadId), waiting.map((b) => b.id), 'the queue is shown in fair order')
        for (const q of st.queue) assert.match(q.wait.why, /is at its limit/)
      }
      const next = running.shift()!
      const pc = core.polecats.list().find((p) => p.beadId === next.id && core.polecats.isRunning(p.id))!
      writeFileSync(join(cuesOf(next), 'finish'), '')
      await eventually(() => !core.polecats.isRunning(pc.id), `${pc.id} to exit`, 60_000)
      admitModel()
    }
    const polecats = await slung
    // What each exit set going settles before the town closes: the witness's report, the WIP save and push.
    await eventually(() => core.ledger.list({ limit: 5000 }).filter((e) => e.kind === 'witness.exited_without_done').length === 12, 'the witness to report all 12 exits', 60_000)
    await Promise.all(polecats.map((p) => core.polecats.keeper.settled(p.id)))
    sample()

    assert.equal(polecats.length, 12)
    assert.ok(sawFull, 'the town was full at some point')
    assert.deepEqual(admitted(), expected, 'admitted in the order the model of a fair queue predicts')
    for (const b of beads) assert.ok(existsSync(join(cuesOf(b), 'started')), `${b.id} ran`)
    limitsKept()
    assert.equal(worst.procs, TOWN_LIMIT, 'the sampler saw the town full')
    assert.ok(statuses.length > 12, 'the scheduler told views of its changes')
    const end = (await core.dispatch('scheduler.status', {}, human)) as SchedulerStatus
    assert.equal(end.queue.length, 0)
    assert.equal(end.slots.length, 0)
    console.log(`# capacity: ${statuses.length} scheduler events; worst seen ${JSON.stringify(worst)}`)
  } finally {
    for (const f of stop) f()
    removeDir(second)
    removeDir(cueRoot)
  }
})
