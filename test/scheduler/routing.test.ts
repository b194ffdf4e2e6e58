// The mayor's router with real processes: two rigs added from the same source repository (twins) and one
// from another, limit 1 each. Slings into a full rig start in its twin; a rig with no open twin makes its work
// wait; a parked rig starts nothing and its work goes to the twin once that has room. The fake agent commits
// and runs the real `gt done` in its real PTY, the real refinery merges each branch, and everything lands on
// the one origin the twins share — routed work lands where it would have landed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { SchedulerStatus } from '../../src/shared/scheduler'
import type { Bead, BranchDiff, FilePatch, LedgerEvent, MergeQueueEntry, Polecat } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'
import { BUILD, TESTS, bareOrigin, filesAt } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>

test('full and parked rigs: queued slings start in the twin on the same source, wait when no twin is open, and land on the shared origin', { timeout: 240_000 }, async () => {
  const shared = bareOrigin()
  const elsewhere = bareOrigin()
  await call('rigs.add', { name: 'web', source: shared.source })
  // The same repository spelled with a trailing slash: still the same source.
  await call('rigs.add', { name: 'web2', source: shared.source + '/' })
  await call('rigs.add', { name: 'api', source: elsewhere.source })
  for (const rig of ['web', 'web2', 'api']) {
    for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS, max_retries: '0' })) await call('rigs.configure', { rig, key, value })
    await call('scheduler.limit', { rig, limit: 1 })
  }
  let st = await call<SchedulerStatus>('scheduler.status', {})
  assert.deepEqual(st.rigs.map((r) => [r.rig, r.twins]), [['api', []], ['web', ['web2']], ['web2', ['web']]])

  const cues = tempDir('route-cues')
  const agent = (b: Bead) =>
    fakeAgentCmd(join(cues, b.id), [
      { signal: 'started' },
      { waitFor: 'finish' },
      { run: 'echo "work of $GT_BEAD in $GT_RIG" > "$GT_BEAD.txt"' },
      { commit: 'Work of {{GT_BEAD}}' },
      { run: 'gt done --summary "work of $GT_BEAD"' },
      { exit: 0 }
    ])
  const finish = (b: Bead) => writeFileSync(join(cues, b.id, 'finish'), '')
  const beads: Bead[] = []
  for (const title of ['first', 'second', 'third']) beads.push(await call<Bead>('beads.create', { title, rig: 'web' }))
  const other = await call<Bead>('beads.create', { title: 'elsewhere', rig: 'api' })
  const [b1, b2, b3] = beads

  const p1 = call<Polecat>('sling', { bead: b1.id, rig: 'web', agentCmd: agent(b1) })
  await waitForFile(join(cues, b1.id, 'started'), 60_000)
  const p2 = call<Polecat>('sling', { bead: b2.id, rig: 'web', agentCmd: agent(b2) })
  const pOther = call<Polecat>('sling', { bead: other.id, rig: 'api', agentCmd: agent(other) })
  const pc2 = await p2
  assert.equal(pc2.rig, 'web2', 'web is full: its twin takes the work')
  assert.equal((await call<{ bead: Bead }>('beads.show', { id: b2.id })).bead.rig, 'web2', 'the bead follows to the rig it runs in')
  assert.equal((await pOther).rig, 'api')

  // Both twins full: the third (slung with gt sling) waits, and says why.
  const env = { GT_TOWN: ctx.town }
  let third: string | null = null
  const p3 = runGt(['sling', b3.id, 'web', '--agent-cmd', agent(b3)], env).then((r) => (third = `${r.code}\n${r.stdout}\n${r.stderr}`))
  await eventually(async () => (await call<SchedulerStatus>('scheduler.status', {})).queue.length === 1, 'the third sling to queue', 20_000)
  st = await call<SchedulerStatus>('scheduler.status', {})
  assert.equal(st.queue[0].beadId, b3.id)
  assert.equal(st.queue[0].wait.kind, 'rig_full')
  assert.match(st.queue[0].wait.why, /rig web is at its limit \(1 of 1 in use\); its twin rig web2 is at its limit \(1 of 1 in use\)/)
  assert.deepEqual(st.slots.filter((s) => s.routedFrom).map((s) => [s.beadId, s.rig, s.routedFrom!.rig]), [[b2.id, 'web2', 'web']])
  const text = await runGt(['scheduler', 'status'], env)
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /web\s+1\s+1\s+web2\s+open/)
  assert.match(text.stdout, new RegExp(`${b2.id}\\s+web2 \\(from web\\)\\s+running`))

  // Park web, then let its agent finish: web has room but is parked, so the third still waits…
  const park = await runGt(['rig', 'park', 'web', '--reason', 'its disk is being replaced'], env)
  assert.equal(park.code, 0, park.stderr)
  assert.match(park.stdout, /Rig web is parked: running agents go on, nothing new starts in it \(1 waiting for it\)/)
  assert.match((await runGt(['rig', 'park', 'web'], env)).stdout, /was already parked: its disk is being replaced/)
  assert.match((await runGt(['scheduler', 'status'], env)).stdout, /web\s+1\s+1\s+web2\s+PARKED: its disk is being replaced/)
  finish(b1)
  const pc1 = await p1
  await eventually(() => !ctx.core.polecats.isRunning(pc1.id), `${pc1.id} to exit`, 60_000)
  await eventually(async () => (await call<SchedulerStatus>('scheduler.status', {})).queue[0]?.wait.kind === 'rig_parked', 'the third to wait for the parked rig', 20_000)
  assert.equal(third, null)
  // …until web2's agent finishes: it starts in web2, routed from the parked web.
  finish(b2)
  await p3
  assert.match(third!, /^0\n/, third!)
  assert.match(third!, new RegExp(`Slung ${b3.id} to web2/`))
  assert.match(third!, /rig web is parked: its disk is being replaced: starting in its twin rig web2 \(same source repository\)/)
  const routed = (await call<LedgerEvent[]>('ledger.list', { subject: b3.id, limit: 100 })).filter((e) => e.kind === 'scheduler.routed')
  assert.equal(routed.length, 1)
  assert.equal(routed[0].actor, 'mayor')
  assert.match(JSON.stringify(routed[0].data), /rig web is parked: its disk is being replaced/)
  finish(b3)
  finish(other)

  // Everything merges: the twins' work on their one shared origin, the other rig's on its own.
  await eventually(async () => (await Promise.all([b1, b2, b3, other].map((b) => call<{ bead: Bead }>('beads.show', { id: b.id })))).every((x) => x.bead.status === 'closed'), 'all four beads to merge', 180_000)
  const files = filesAt(shared)
  for (const b of beads) assert.ok(files.includes(`${b.id}.txt`), `${b.id}.txt on the shared origin's main: ${files.join(' ')}`)
  assert.ok(filesAt(elsewhere).includes(`${other.id}.txt`))
  // What each landed: its own file only (not the others' merged before or after it), from its twin's clone.
  for (const b of beads) {
    const mr = (await call<MergeQueueEntry[]>('mq.list', { states: ['merged'] })).find((e) => e.beadId === b.id)!.id
    const d = await call<BranchDiff>('diff.get', { mergeRequest: mr })
    assert.deepEqual(d.files.map((f) => [f.path, f.status, f.additions]), [[`${b.id}.txt`, 'added', 1]], `${b.id}'s landed diff`)
    assert.match(d.head.ref, /as it landed$/)
    const patch = await call<FilePatch>('diff.file', { mergeRequest: mr, path: `${b.id}.txt`, section: 'committed' })
    assert.match(patch.patch, new RegExp(`\\+work of ${b.id} in web2?`))
  }
  const unpark = await runGt(['rig', 'unpark', 'web'], env)
  assert.match(unpark.stdout, /Rig web takes work again/)
  assert.match((await runGt(['rig', 'unpark', 'web'], env)).stdout, /Rig web was not parked/)
  const nope = await runGt(['rig', 'park', 'nope'], env)
  assert.notEqual(nope.code, 0)
  assert.match(nope.stderr, /no rig named nope/)
})

test('a rig whose last 3 starts failed is failing: the next sling starts in its twin, and the status says why', { timeout: 120_000 }, async () => {
  const shared = bareOrigin()
  await call('rigs.add', { name: 'shop', source: shared.source })
  await call('rigs.add', { name: 'shop2', source: shared.source })
  // Something sits where shop's next polecat's worktree goes: every start there fails preparing it.
  const blocker = join(ctx.town, 'rigs', 'shop', 'polecats', 'nux')
  mkdirSync(dirname(blocker), { recursive: true })
  writeFileSync(blocker, 'not a worktree\n')
  const cues = tempDir('failing-cues')
  const agent = (b: Bead) => fakeAgentCmd(join(cues, b.id), [{ signal: 'started' }, { exit: 0 }])
  for (let i = 0; i < 3; i++) {
    const b = await call<Bead>('beads.create', { title: `fails ${i}`, rig: 'shop' })
    await assert.rejects(call('sling', { bead: b.id, rig: 'shop', agentCmd: agent(b) }), /could not prepare the worktree for shop\/nux/)
  }
  const st = await call<SchedulerStatus>('scheduler.status', {})
  assert.match(st.rigs.find((r) => r.rig === 'shop')!.failing!, /its last 3 starts failed \(the last: could not prepare the worktree for shop\/nux/)
  const b = await call<Bead>('beads.create', { title: 'goes to the twin', rig: 'shop' })
  const pc = await call<Polecat>('sling', { bead: b.id, rig: 'shop', agentCmd: agent(b) })
  assert.equal(pc.rig, 'shop2')
  await waitForFile(join(cues, b.id, 'started'), 60_000)
  const routed = (await call<LedgerEvent[]>('ledger.list', { subject: b.id, limit: 100 })).find((e) => e.kind === 'scheduler.routed')!
  assert.match(JSON.stringify(routed.data), /rig shop: its last 3 starts failed/)
  await eventually(() => !ctx.core.polecats.isRunning(pc.id), `${pc.id} to exit`, 60_000)
  await ctx.core.polecats.keeper.settled(pc.id)
})
