// The other paths that start an agent go through the scheduler too, and its pause sits beside dispatch's:
// the Dogs' restart of a crashed agent waits for room like any sling; a drain (dispatch paused) holds the
// queue until gt town resume; and gt scheduler / gt sling show it all from a terminal.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SchedulerStatus } from '../../src/shared/scheduler'
import type { Bead, Polecat } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, removeDir, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'

const ctx = useTestTown()

const status = () => ctx.core.dispatch('scheduler.status', {}, human) as Promise<SchedulerStatus>
const alive = () => ctx.core.polecats.list().filter((p) => ctx.core.polecats.isRunning(p.id))
const bead = async (title: string, priority = 2) => (await ctx.core.dispatch('beads.create', { title, priority, rig: 'sample' }, human)) as Bead
const WAIT_THEN_EXIT = [{ signal: 'started' }, { waitFor: 'finish' }, { exit: 0 }]

test("the Dogs' restart of a crashed agent waits in the queue for room, like any sling", { timeout: 120_000 }, async () => {
  const core = ctx.core
  const cueRoot = tempDir('sched-other')
  let sampler: NodeJS.Timeout | undefined
  try {
    await core.dispatch('rigs.add', { name: 'sample', source: ctx.repo }, human)
    await core.dispatch('rigs.configure', { rig: 'sample', key: 'retry_backoff_s', value: '0' }, human)
    await core.dispatch('scheduler.limit', { limit: 1 }, human)
    let most = 0
    sampler = setInterval(() => (most = Math.max(most, alive().length)), 10)

    const a = await bead('crashes once, then works', 1)
    const b = await bead('waits behind it', 3)
    const aCues = join(cueRoot, 'a')
    const bCues = join(cueRoot, 'b')
    // The first run of a's agent dies by SIGKILL before it signals; the Dogs' restart runs the same command.
    const crashOnce = [{ run: `if [ ! -e '${aCues}/once' ]; then touch '${aCues}/once'; kill -9 $PPID; fi` }, ...WAIT_THEN_EXIT]
    const slungA = core.dispatch('sling', { bead: a.id, rig: 'sample', agentCmd: fakeAgentCmd(aCues, crashOnce) }, human) as Promise<Polecat>
    const pcA = await slungA
    const slungB = core.dispatch('sling', { bead: b.id, rig: 'sample', agentCmd: fakeAgentCmd(bCues, WAIT_THEN_EXIT) }, human) as Promise<Polecat>
    // a crashes, b takes the free slot, and the Dogs' restart of a waits behind it.
    await waitForFile(join(bCues, 'started'), 60_000)
    const waiting = await eventually(async () => (await status()).queue.find((q) => q.beadId === a.id), "the Dogs' restart in the queue", 60_000)
    assert.equal(waiting.kind, 'restart')
    assert.match(waiting.wait.why, /at its limit \(1 of 1 in use\)/)
    assert.equal(existsSync(join(aCues, 'started')), false, 'not restarted while the town is full')
    await slungB
    // From here on an exit without gt done goes to the inbox: the agents below end by themselves, for good.
    await core.dispatch('rigs.configure', { rig: 'sample', key: 'max_retries', value: '0' }, human)
    writeFileSync(join(bCues, 'finish'), '')
    await waitForFile(join(aCues, 'started'), 60_000)
    assert.equal(core.polecats.get(pcA.id).state, 'working', 'restarted on its own polecat')
    const sessions = core.sessions.list({ bead: a.id })
    assert.equal(sessions.length, 2, 'a crashed session and the restarted one')
    writeFileSync(join(aCues, 'finish'), '')
    await eventually(() => alive().length === 0, 'both agents to end', 60_000)
    assert.equal(most, 1, 'never more than one agent alive')
    const admittedKinds = core.ledger.list({ subject: a.id }).filter((e) => e.kind === 'scheduler.admitted').map((e) => (e.data as { kind: string }).kind)
    assert.deepEqual(admittedKinds, ['sling', 'restart'])
    await Promise.all(core.polecats.list().map((p) => core.polecats.keeper.settled(p.id)))
  } finally {
    clearInterval(sampler)
    removeDir(cueRoot)
  }
})

test('a drain (dispatch paused) holds the queue; gt town resume lets it go; gt scheduler and gt sling show it', { timeout: 120_000 }, async () => {
  const core = ctx.core
  const env = { GT_TOWN: ctx.town }
  const cueRoot = tempDir('sched-drain')
  try {
    const first = await bead('runs first', 0)
    const second = await bead('waits', 2)
    const firstCues = join(cueRoot, 'first')
    const secondCues = join(cueRoot, 'second')
    const gtLimit = await runGt(['scheduler', 'limit', 'sample', '1'], env)
    assert.equal(gtLimit.code, 0, gtLimit.stderr)
    assert.match(gtLimit.stdout, /Rig sample: at most 1 agents alive at once/)
    await core.dispatch('sling', { bead: first.id, rig: 'sample', agentCmd: fakeAgentCmd(firstCues, WAIT_THEN_EXIT) }, human)
    await waitForFile(join(firstCues, 'started'), 60_000)

    // gt sling waits in the queue and says why on stderr.
    const slinging = runGt(['sling', second.id, 'sample', '--agent-cmd', fakeAgentCmd(secondCues, WAIT_THEN_EXIT)], env)
    let gone: string | null = null
    void slinging.then((r) => (gone = `gt sling ended first (${r.code}): ${r.stdout} ${r.stderr}`))
    await eventually(async () => {
      assert.equal(gone, null)
      return (await status()).queue.length === 1
    }, 'the sling in the queue', 30_000)
    const text = await runGt(['scheduler', 'status'], env)
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /Town: 1\/\d+ agents alive/)
    assert.match(text.stdout, new RegExp(`1\\s+${second.id}\\s+sample\\s+P2\\s+sling\\s+waits\\s+rig sample is at its limit \\(1 of 1 in use\\)`))
    const js = JSON.parse((await runGt(['scheduler', 'status', '--json'], env)).stdout) as SchedulerStatus
    assert.equal(js.rigs.find((r) => r.rig === 'sample')!.limit, 1)
    assert.equal(js.slots[0].beadId, first.id)
    assert.equal(js.slots[0].state, 'running')

    // The drain stops the running agent and pauses dispatch: the slot is free, but nothing starts.
    await core.dispatch('town.drain', {}, human)
    await eventually(async () => (await status()).slots.length === 0, 'the slot freed', 30_000)
    const held = await status()
    assert.equal(held.queue.length, 1)
    assert.equal(held.queue[0].wait.kind, 'dispatch_paused')
    assert.match(held.queue[0].wait.why, /dispatch is paused: the town was drained/)
    assert.equal(existsSync(join(secondCues, 'started')), false)

    // The scheduler's own pause sits beside it: resuming dispatch alone does not start what the scheduler holds.
    assert.equal((await runGt(['scheduler', 'pause', '--reason', 'reviewing first'], env)).code, 0)
    await core.dispatch('town.resume', {}, human)
    const stillHeld = await status()
    assert.equal(stillHeld.queue[0].wait.kind, 'paused')
    assert.match(stillHeld.queue[0].wait.why, /the scheduler is paused: reviewing first/)
    const resumed = await runGt(['scheduler', 'resume'], env)
    assert.match(resumed.stdout, /The scheduler runs again/)
    await waitForFile(join(secondCues, 'started'), 60_000)
    const slung = await slinging
    assert.equal(slung.code, 0, slung.stderr)
    assert.match(slung.stderr, /waiting to start \(1 in the queue\): rig sample is at its limit \(1 of 1 in use\)/)
    assert.match(slung.stderr, /waiting to start \(1 in the queue\): dispatch is paused/)
    assert.match(slung.stdout, new RegExp(`Slung ${second.id} to sample/`))

    // Refusals a person can act on.
    const zero = await runGt(['scheduler', 'limit', '0'], env)
    assert.notEqual(zero.code, 0)
    assert.match(zero.stderr, /a limit of 0 would start nothing: pause the scheduler instead/)
    const noRig = await runGt(['scheduler', 'limit', 'nope', '2'], env)
    assert.notEqual(noRig.code, 0)
    assert.match(noRig.stderr, /nope/)
    const unset = await runGt(['scheduler', 'limit', 'sample', '--unset', '--json'], env)
    assert.equal((JSON.parse(unset.stdout) as SchedulerStatus).rigs.find((r) => r.rig === 'sample')!.source, 'default')

    writeFileSync(join(secondCues, 'finish'), '')
    await eventually(() => alive().length === 0, 'the agent to end', 60_000)
    await Promise.all(core.polecats.list().map((p) => core.polecats.keeper.settled(p.id)))
  } finally {
    removeDir(cueRoot)
  }
})
