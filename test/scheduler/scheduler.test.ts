// The Scheduler over a real town database: slots held from admission to the process's exit, the queue in fair
// order, limits and pause persisted with their ledger events, callers that go away, holds and quitting.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../src/main/core/store/db'
import { Ledger } from '../../src/main/core/ledger/ledger'
import { Scheduler, type AdmissionRequest, type Slot } from '../../src/main/core/scheduler/scheduler'
import { SchedulerSettings } from '../../src/main/core/scheduler/scheduler-settings'
import type { SchedulerChange } from '../../src/shared/scheduler'
import { removeDir, tempDir } from '../support/fixtures'

/** What a TerminalStream gives the slot: whether it runs, and its exit. */
class Process {
  running = true
  private listeners: (() => void)[] = []
  onExit(l: () => void): void {
    this.listeners.push(l)
  }
  exit(): void {
    this.running = false
    for (const l of this.listeners) l()
  }
}

const turn = () => new Promise((r) => setImmediate(r))

function setup(
  opts: {
    dispatchPaused?: () => string | null
    townDefault?: number
    bead?: (id: string) => { priority: number; title: string } | null
    twins?: Record<string, string[]>
    stuck?: (polecatId: string) => boolean
    now?: () => number
  } = {}
) {
  const dir = tempDir('sched')
  const db: Db = openDatabase(join(dir, 'town.db'))
  const ledger = new Ledger(db)
  const changes: SchedulerChange[] = []
  const make = () =>
    new Scheduler({
      settings: new SchedulerSettings(db, ledger),
      ledger,
      rigs: () => ['a', 'b', ...Object.keys(opts.twins ?? {}).filter((r) => r !== 'a' && r !== 'b')],
      twins: () => new Map(Object.entries(opts.twins ?? {})),
      stuck: opts.stuck ?? (() => false),
      now: opts.now,
      dispatchPaused: opts.dispatchPaused ?? (() => null),
      bead: opts.bead ?? (() => null),
      changed: (c) => changes.push(...c),
      machine: () => ({ cores: 2, memoryGiB: 8, townDefault: opts.townDefault ?? 3, formula: 'test' })
    })
  return { dir, db, ledger, changes, make, done: () => (db.close(), removeDir(dir)) }
}

let n = 0
const req = (rig: string, priority = 2, created = '2026-01-01T00:00:00Z'): AdmissionRequest => ({ beadId: `gt-${++n}`, rig, priority, beadCreatedAt: created, title: `bead ${n}`, kind: 'sling', movable: true })

test('many admits at once: no more slots than the limits, the next one starts when a process exits', async () => {
  const t = setup()
  try {
    const s = t.make()
    s.setLimit('a', 2, 'human')
    const granted: { rig: string; beadId: string; slot: Slot }[] = []
    const reqs = [...Array.from({ length: 5 }, () => req('a')), ...Array.from({ length: 5 }, () => req('b'))]
    for (const r of reqs) void s.admit(r).then((slot) => granted.push({ rig: r.rig, beadId: r.beadId, slot }))
    await turn()
    await turn()
    const st = s.status()
    assert.equal(granted.length, 3, 'town limit 3')
    assert.ok(granted.filter((g) => g.rig === 'a').length <= 2, 'rig a limit 2')
    assert.equal(st.town.starting, 3)
    assert.equal(st.queue.length, 7)
    assert.deepEqual(st.queue.map((q) => q.position), [1, 2, 3, 4, 5, 6, 7])
    // A start that fails gives its slot back; a started one holds it until its process exits.
    const procs = granted.map(() => new Process())
    granted[0].slot.release()
    granted[1].slot.started(procs[1], 'a/x', 's-1')
    granted[1].slot.release() // a late release of a started slot frees nothing: only the exit does
    assert.throws(() => s.admit({ ...req('a'), beadId: granted[1].beadId }), /already hooked to a\/x, which is running/)
    await turn()
    await turn()
    assert.equal(granted.length, 4, 'the failed start made room for one')
    assert.equal(s.status().town.running + s.status().town.starting, 3)
    procs[1].exit()
    await turn()
    await turn()
    assert.equal(granted.length, 5, 'the exit made room for one more')
    assert.ok(t.changes.some((c) => c.kind === 'released') && t.changes.some((c) => c.kind === 'started' && c.polecatId === 'a/x'))
  } finally {
    t.done()
  }
})

test('a burst is admitted in fair order (priority, then age), whatever order it arrived in', async () => {
  const t = setup({ townDefault: 1 })
  try {
    const s = t.make()
    const order: string[] = []
    const reqs = [req('a', 3, '2026-01-01T00:00:01Z'), req('b', 1, '2026-01-01T00:00:09Z'), req('a', 1, '2026-01-01T00:00:02Z'), req('b', 0, '2026-01-01T00:00:05Z')]
    const slots = new Map<string, Slot>()
    for (const r of reqs) void s.admit(r).then((slot) => (order.push(r.beadId), slots.set(r.beadId, slot)))
    for (let i = 0; i < reqs.length; i++) {
      await turn()
      await turn()
      slots.get(order.at(-1)!)!.release()
    }
    await turn()
    assert.deepEqual(order, [reqs[3], reqs[2], reqs[1], reqs[0]].map((r) => r.beadId))
  } finally {
    t.done()
  }
})

test('limits and pause are kept in the town with their ledger events; an unset limit goes back to the default', async () => {
  const t = setup({ townDefault: 4 })
  try {
    const s = t.make()
    assert.deepEqual(s.townLimit(), { limit: 4, source: 'default' })
    assert.deepEqual(s.rigLimit('a'), { limit: 4, source: 'default' }, "a rig's default is the town's limit")
    s.setLimit(null, 6, 'human')
    s.setLimit('b', 1, 'human')
    assert.equal(s.pause('maintenance', 'human').paused, true)
    assert.equal(s.pause('again', 'human').paused, false, 'pausing a paused scheduler changes nothing')
    const again = t.make() // a restart of the control room
    assert.deepEqual(again.townLimit(), { limit: 6, source: 'set' })
    assert.deepEqual(again.rigLimit('b'), { limit: 1, source: 'set' })
    assert.deepEqual(again.rigLimit('a'), { limit: 6, source: 'default' })
    assert.equal(again.status().paused, 'maintenance')
    again.setLimit('b', null, 'human')
    assert.deepEqual(again.rigLimit('b'), { limit: 6, source: 'default' })
    const kinds = t.ledger.list({}).map((e) => e.kind)
    assert.deepEqual(kinds.filter((k) => k.startsWith('scheduler.')), ['scheduler.limit-set', 'scheduler.limit-set', 'scheduler.paused', 'scheduler.limit-set'])
    const lastSet = t.ledger.list({}).filter((e) => e.kind === 'scheduler.limit-set').at(-1)!
    assert.deepEqual(lastSet.data, { rig: 'b', limit: null, was: 1 })
  } finally {
    t.done()
  }
})

test('paused (by the human or by a mass death) nothing starts and each entry says why; resumed, the queue goes', async () => {
  let dispatch: string | null = null
  const t = setup({ dispatchPaused: () => dispatch })
  try {
    const s = t.make()
    s.pause('look first', 'human')
    let started = 0
    for (let i = 0; i < 2; i++) void s.admit(req('a')).then(() => started++)
    await turn()
    await turn()
    assert.equal(started, 0)
    assert.deepEqual(s.status().queue.map((q) => q.wait.kind), ['paused', 'paused'])
    assert.match(s.status().queue[0].wait.why, /the scheduler is paused: look first \(gt scheduler resume\)/)
    dispatch = '3 agents died within a minute'
    assert.match(s.status().queue[0].wait.why, /dispatch is paused: 3 agents died/)
    s.resume('human')
    await turn()
    await turn()
    assert.equal(started, 0, 'a mass death still holds the queue after the scheduler resumes')
    dispatch = null
    s.kick()
    await turn()
    await turn()
    assert.equal(started, 2)
  } finally {
    t.done()
  }
})

test('the same bead cannot wait twice; a caller that goes away leaves the queue; quitting refuses what waits', async () => {
  const t = setup({ townDefault: 1 })
  try {
    const s = t.make()
    const firstReq = req('a')
    await s.admit(firstReq)
    const r = req('a')
    const ac = new AbortController()
    const progress: string[] = []
    const waiting = s.admit(r, { signal: ac.signal, progress: (m) => progress.push(m) })
    await turn()
    await turn()
    assert.match(progress[0], /waiting to start \(1 in the queue\): rig a is at its limit \(1 of 1 in use\)/)
    assert.throws(() => s.admit({ ...r }), /already waiting to start/)
    assert.throws(() => s.admit({ ...req('b'), beadId: firstReq.beadId }), /already starting/)
    ac.abort()
    await assert.rejects(waiting, /left the scheduler's queue: its caller went away/)
    assert.equal(s.status().queue.length, 0)
    const last = s.admit(req('b'))
    await turn()
    s.close()
    await assert.rejects(last, /shutting down/)
    await assert.rejects(s.admit(req('a')), /shutting down/)
  } finally {
    t.done()
  }
})

test("a bead's priority changed while it waits counts at the next admission", async () => {
  const now = new Map<string, number>()
  const t = setup({ townDefault: 1, bead: (id) => (now.has(id) ? { priority: now.get(id)!, title: `bead ${id}` } : null) })
  try {
    const s = t.make()
    const holder = await s.admit(req('a'))
    const order: string[] = []
    const low = req('a', 4, '2026-01-01T00:00:01Z')
    const high = req('b', 1, '2026-01-01T00:00:02Z')
    for (const r of [low, high]) {
      now.set(r.beadId, r.priority)
      void s.admit(r).then((slot) => (order.push(r.beadId), slot.release()))
    }
    await turn()
    assert.deepEqual(s.status().queue.map((q) => q.beadId), [high.beadId, low.beadId])
    now.set(low.beadId, 0) // the human raised it to P0: gt bead update ID -p 0
    assert.deepEqual(s.status().queue.map((q) => [q.beadId, q.priority]), [[low.beadId, 0], [high.beadId, 1]])
    holder.release()
    await turn()
    await turn()
    assert.deepEqual(order, [low.beadId, high.beadId])
  } finally {
    t.done()
  }
})

// ---- the mayor's router inside the scheduler: twins, park, failing and stuck rigs ----

test('a full rig: its queued sling starts in a twin on the same source; the ledger and the change say so', async () => {
  const t = setup({ townDefault: 5, twins: { a: ['a2'], a2: ['a'] } })
  try {
    const s = t.make()
    s.setLimit('a', 1, 'human')
    s.setLimit('a2', 1, 'human')
    const first = await s.admit(req('a'))
    assert.equal(first.rig, 'a')
    assert.equal(first.routedFrom, null)
    const heard: string[] = []
    const second = await s.admit(req('a'), { progress: (m) => heard.push(m) })
    assert.equal(second.rig, 'a2')
    assert.equal(second.routedFrom?.rig, 'a')
    assert.match(second.routedFrom!.why, /rig a is at its limit/)
    assert.ok(heard.some((m) => /starting in its twin rig a2/.test(m)), heard.join(' | '))
    const pinned = s.admit({ ...req('a'), movable: false })
    await turn()
    const st = s.status()
    assert.deepEqual(st.queue.map((q) => [q.rig, q.wait.kind, q.twins]), [['a', 'rig_full', []]])
    assert.deepEqual(st.slots.map((x) => [x.rig, x.routedFrom?.rig ?? null]), [['a', null], ['a2', 'a']])
    assert.deepEqual(st.rigs.find((r) => r.rig === 'a')?.twins, ['a2'])
    await turn()
    const change = t.changes.find((c) => c.kind === 'routed' && c.from === 'a' && c.to === 'a2')
    assert.ok(change?.kind === 'routed')
    const routed = t.ledger.list({ kinds: ['scheduler.routed'] })
    assert.equal(routed.length, 1)
    assert.equal(routed[0].actor, 'mayor')
    // The same slot id in both, so a page that read the ledger and heard the change shows the decision once.
    assert.deepEqual(routed[0].data, { slot: second.id, from: 'a', to: 'a2', why: change.why })
    assert.equal(change.id, second.id)
    first.release()
    assert.equal((await pinned).rig, 'a')
  } finally {
    t.done()
  }
})

test('a parked rig starts nothing new until unparked; the park is kept in the town with its ledger events', async () => {
  const t = setup({ townDefault: 5 })
  try {
    const s = t.make()
    assert.equal(s.park('a', 'swapping its disk', 'human').parked, true)
    assert.equal(s.park('a', 'again', 'human').parked, false, 'parking twice changes nothing')
    let started = false
    const waiting = s.admit(req('a')).then((slot) => ((started = true), slot))
    const other = await s.admit(req('b'))
    assert.equal(other.rig, 'b')
    await turn()
    assert.equal(started, false)
    const again = t.make() // a restart of the control room keeps the park
    const st = again.status()
    assert.equal(st.rigs.find((r) => r.rig === 'a')?.parked?.why, 'swapping its disk')
    assert.equal(s.status().queue[0].wait.kind, 'rig_parked')
    assert.match(s.status().queue[0].wait.why, /gt rig unpark a/)
    assert.equal(s.unpark('a', 'human').unparked, true)
    assert.equal((await waiting).rig, 'a')
    assert.deepEqual(t.ledger.list({ kinds: ['scheduler.rig-parked'] }).map((e) => (e.data as { why: string }).why), ['swapping its disk'])
    assert.equal(t.ledger.list({ kinds: ['scheduler.rig-unparked'] }).length, 1)
    s.park('a', 'going away', 'human')
    const orphan = s.admit(req('a'))
    await turn()
    s.forgetRig('a', 'human')
    await assert.rejects(orphan, /left the scheduler's queue: its rig a was removed/)
    assert.equal(t.make().status().rigs.find((r) => r.rig === 'a')?.parked ?? null, null)
  } finally {
    t.done()
  }
})

test('three failed starts in a row make a rig failing: new work goes to its twin, and after a while it gets a try again', async () => {
  let clock = Date.parse('2026-12-02T00:00:00Z')
  const t = setup({ townDefault: 9, twins: { a: ['a2'], a2: ['a'] }, now: () => clock })
  try {
    const s = t.make()
    for (let i = 0; i < 3; i++) {
      const slot = await s.admit(req('a'))
      assert.equal(slot.rig, 'a', `start ${i + 1} goes to its own rig`)
      slot.release(`could not prepare the worktree (${i})`)
    }
    assert.match(s.status().rigs.find((r) => r.rig === 'a')!.failing!, /its last 3 starts failed \(the last: could not prepare the worktree \(2\)\)/)
    const moved = await s.admit(req('a'))
    assert.equal(moved.rig, 'a2')
    assert.match(moved.routedFrom!.why, /its last 3 starts failed/)
    const aborted = await s.admit(req('a2'))
    aborted.release() // its caller went away: no failure of the rig
    assert.equal(s.status().rigs.find((r) => r.rig === 'a2')!.failing, null)
    clock += 11 * 60_000
    const retry = await s.admit(req('a'))
    assert.equal(retry.rig, 'a', 'after FAILING_FOR_MS the rig gets a try again')
    retry.started(new Process(), 'a/x', 's-1')
    assert.equal(s.status().rigs.find((r) => r.rig === 'a')!.failing, null, 'a start that runs clears it')
  } finally {
    t.done()
  }
})

test('a rig whose every live agent looks stuck loses new work to an open twin', async () => {
  const stuck = new Set<string>()
  const t = setup({ townDefault: 9, twins: { a: ['a2'], a2: ['a'] }, stuck: (id) => stuck.has(id) })
  try {
    const s = t.make()
    const one = await s.admit(req('a'))
    one.started(new Process(), 'a/one', 's-1')
    const two = await s.admit(req('a'))
    two.started(new Process(), 'a/two', 's-2')
    stuck.add('a/one')
    const third = await s.admit(req('a'))
    assert.equal(third.rig, 'a', 'one of two stuck: the rig still takes work')
    third.release()
    stuck.add('a/two')
    assert.equal(s.status().rigs.find((r) => r.rig === 'a')!.stuck, 'all 2 of its agents alive look stuck')
    const moved = await s.admit(req('a'))
    assert.equal(moved.rig, 'a2')
    assert.match(moved.routedFrom!.why, /rig a: all 2 of its agents alive look stuck/)
    stuck.delete('a/one') // activity again: the witness's stuck is over
    assert.equal((await s.admit(req('a'))).rig, 'a')
  } finally {
    t.done()
  }
})
