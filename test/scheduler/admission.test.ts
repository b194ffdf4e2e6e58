// The scheduler's pure admission logic and the machine's default limit: order, limits, holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fairOrder, planAdmission, type RigCondition, type Waiting } from '../../src/main/core/scheduler/admission'
import { machineTownLimit } from '../../src/main/core/scheduler/machine-limit'

const GiB = 2 ** 30
let seq = 0
const w = (id: string, rig: string, priority: number, created: string, twins: string[] = []): Waiting => ({ id, rig, twins, priority, beadCreatedAt: `2026-01-01T00:00:${created}Z`, seq: ++seq })
const none = { town: 0, rigs: new Map<string, number>() }
const ids = (xs: ({ id: string } | { entry: { id: string } })[]) => xs.map((x) => ('entry' in x ? x.entry.id : x.id))
const where = (xs: { entry: { id: string }; rig: string }[]) => xs.map((x) => `${x.entry.id}@${x.rig}`)

test('fair order: priority first, then the older bead, then arrival', () => {
  const a = w('a', 'r', 2, '05')
  const b = w('b', 'r', 1, '09')
  const c = w('c', 'r', 2, '01')
  const d = w('d', 'r', 2, '01') // same age as c, arrived later
  assert.deepEqual(ids([a, b, d, c].sort(fairOrder)), ['b', 'c', 'd', 'a'])
})

test('admits in fair order up to the town limit, and says why the rest wait', () => {
  const q = [w('low', 'x', 3, '01'), w('p0', 'y', 0, '09'), w('mid-old', 'x', 2, '01'), w('mid-new', 'y', 2, '05')]
  const plan = planAdmission(q, none, { town: 2, rig: () => 5 }, null)
  assert.deepEqual(ids(plan.admit), ['p0', 'mid-old'])
  assert.deepEqual(plan.waiting.map((x) => [x.entry.id, x.kind]), [['mid-new', 'town_full'], ['low', 'town_full']])
  assert.match(plan.waiting[0].why, /town is at its limit \(2 of 2 in use\)/)
})

test('a full rig does not hold back the work of other rigs behind it', () => {
  const q = [w('a1', 'a', 0, '01'), w('a2', 'a', 0, '02'), w('a3', 'a', 0, '03'), w('b1', 'b', 4, '01')]
  const plan = planAdmission(q, { town: 1, rigs: new Map([['a', 1]]) }, { town: 4, rig: (r) => (r === 'a' ? 2 : 4) }, null)
  assert.deepEqual(ids(plan.admit), ['a1', 'b1'])
  assert.deepEqual(plan.waiting.map((x) => [x.entry.id, x.kind]), [['a2', 'rig_full'], ['a3', 'rig_full']])
  assert.match(plan.waiting[0].why, /rig a is at its limit \(2 of 2 in use\)/)
})

test('slots in use count against both limits; a lowered limit admits nothing until below it', () => {
  const q = [w('n', 'a', 1, '01')]
  assert.equal(planAdmission(q, { town: 3, rigs: new Map([['a', 1]]) }, { town: 3, rig: () => 3 }, null).admit.length, 0)
  assert.equal(planAdmission(q, { town: 2, rigs: new Map([['a', 2]]) }, { town: 5, rig: () => 1 }, null).admit.length, 0)
  assert.equal(planAdmission(q, { town: 2, rigs: new Map([['a', 2]]) }, { town: 5, rig: () => 3 }, null).admit.length, 1)
})

test('a hold (paused scheduler, paused dispatch) admits nothing and every entry says so', () => {
  const q = [w('x', 'a', 1, '01'), w('y', 'b', 0, '01')]
  const plan = planAdmission(q, none, { town: 9, rig: () => 9 }, { kind: 'dispatch_paused', why: 'dispatch is paused: mass death' })
  assert.equal(plan.admit.length, 0)
  assert.deepEqual(plan.waiting.map((x) => [x.entry.id, x.kind, x.why]), [['y', 'dispatch_paused', 'dispatch is paused: mass death'], ['x', 'dispatch_paused', 'dispatch is paused: mass death']])
})

test('random queues never exceed either limit, and every admitted entry beats every waiting one of its rig', () => {
  let r = 7
  const rand = (n: number) => ((r = (r * 1103515245 + 12345) % 2 ** 31), r % n)
  for (let round = 0; round < 500; round++) {
    const rigs = ['a', 'b', 'c'].slice(0, 1 + rand(3))
    const q = Array.from({ length: rand(12) }, (_, i) => w(`e${i}`, rigs[rand(rigs.length)], rand(5), String(10 + rand(50))))
    const rigLimit = new Map(rigs.map((x) => [x, 1 + rand(3)]))
    const used = new Map(rigs.map((x) => [x, rand(rigLimit.get(x)! + 1)]))
    const townUsed = [...used.values()].reduce((s, n) => s + n, 0)
    const town = townUsed + rand(4)
    const plan = planAdmission(q, { town: townUsed, rigs: used }, { town, rig: (x) => rigLimit.get(x)! }, null)
    assert.ok(townUsed + plan.admit.length <= town)
    for (const x of rigs) assert.ok(used.get(x)! + plan.admit.filter((e) => e.rig === x).length <= rigLimit.get(x)!)
    for (const a of plan.admit) for (const wt of plan.waiting) if (wt.entry.rig === a.rig) assert.ok(fairOrder(a.entry, wt.entry) < 0, 'admitted before a better one of its rig')
    // Nothing waits while both its rig and the town have room.
    const after = new Map(used)
    for (const a of plan.admit) after.set(a.rig, after.get(a.rig)! + 1)
    const townAfter = townUsed + plan.admit.length
    for (const wt of plan.waiting) assert.ok(townAfter >= town || after.get(wt.entry.rig)! >= rigLimit.get(wt.entry.rig)!)
    assert.equal(plan.admit.length + plan.waiting.length, q.length)
  }
})

// ---- the mayor's router: twins of a full, parked, stuck or failing rig ----
const open: RigCondition = { parked: null, avoid: null }
const conditions = (m: Record<string, Partial<RigCondition>>) => (rig: string) => ({ ...open, ...m[rig] })

test('a full rig sends its waiting work to the twin with the most room, and says why', () => {
  const q = [w('a1', 'a', 1, '01', ['b', 'c']), w('a2', 'a', 1, '02', ['b', 'c']), w('a3', 'a', 1, '03', ['b', 'c'])]
  const plan = planAdmission(q, { town: 2, rigs: new Map([['a', 2], ['c', 0]]) }, { town: 10, rig: (r) => (r === 'c' ? 2 : r === 'b' ? 1 : 2) }, null)
  assert.deepEqual(where(plan.admit), ['a1@c', 'a2@b', 'a3@c'])
  assert.match(plan.admit[0].routedWhy!, /rig a is at its limit \(2 of 2 in use\)/)
  assert.equal(plan.waiting.length, 0)
})

test('work that may not move (no twins) waits for its own full rig; a twin does not take it', () => {
  const plan = planAdmission([w('stay', 'a', 0, '01'), w('go', 'a', 1, '01', ['b'])], { town: 1, rigs: new Map([['a', 1]]) }, { town: 9, rig: () => 1 }, null)
  assert.deepEqual(where(plan.admit), ['go@b'])
  assert.deepEqual(plan.waiting.map((x) => [x.entry.id, x.kind]), [['stay', 'rig_full']])
})

test('a parked rig starts nothing: movable work goes to an open twin, the rest waits and says how to unpark', () => {
  const cond = conditions({ a: { parked: 'disk swap' } })
  const plan = planAdmission([w('m', 'a', 1, '01', ['b']), w('s', 'a', 1, '02')], none, { town: 9, rig: () => 9 }, null, cond)
  assert.deepEqual(where(plan.admit), ['m@b'])
  assert.match(plan.admit[0].routedWhy!, /rig a is parked: disk swap/)
  assert.deepEqual(plan.waiting.map((x) => [x.entry.id, x.kind]), [['s', 'rig_parked']])
  assert.match(plan.waiting[0].why, /gt rig unpark a/)
})

test('stuck or failing rigs lose new work to an open twin, but keep it when no twin is open', () => {
  const cond = conditions({ a: { avoid: 'its last 3 starts failed' }, c: { avoid: 'its agent c/x looks stuck' } })
  const plan = planAdmission([w('a1', 'a', 1, '01', ['b']), w('c1', 'c', 1, '02', ['d']), w('a2', 'a', 1, '03', ['b'])], none, { town: 9, rig: (r) => (r === 'd' ? 0 : 1) }, null, cond)
  // a1 goes to b (b's one slot), c1 stays in c (d has no room), a2 stays in a (b is now full).
  assert.deepEqual(where(plan.admit), ['a1@b', 'c1@c', 'a2@a'])
  assert.match(plan.admit[0].routedWhy!, /rig a: its last 3 starts failed/)
  assert.equal(plan.admit[1].routedWhy, null)
})

test('a twin that is itself parked, stuck or failing takes nothing; the wait names the twins', () => {
  const cond = conditions({ b: { parked: 'x' }, c: { avoid: 'stuck' } })
  const plan = planAdmission([w('a1', 'a', 1, '01', ['b', 'c'])], { town: 1, rigs: new Map([['a', 1]]) }, { town: 9, rig: () => 1 }, null, cond)
  assert.equal(plan.admit.length, 0)
  assert.match(plan.waiting[0].why, /rig a is at its limit \(1 of 1 in use\); its twin rig b is parked: x; its twin rig c: stuck/)
})

test('routing never passes the town limit, and a hold stops it too', () => {
  const q = [w('a1', 'a', 1, '01', ['b']), w('a2', 'a', 1, '02', ['b'])]
  const plan = planAdmission(q, { town: 2, rigs: new Map([['a', 1]]) }, { town: 3, rig: () => 1 }, null)
  assert.deepEqual(where(plan.admit), ['a1@b'])
  assert.equal(plan.waiting[0].kind, 'rig_full')
  assert.equal(planAdmission(q, { town: 1, rigs: new Map([['a', 1]]) }, { town: 3, rig: () => 1 }, { kind: 'paused', why: 'p' }).admit.length, 0)
})

test('random queues with twins: no rig and not the town over its limit, nothing waits that an open rig of its could take', () => {
  let r = 11
  const rand = (n: number) => ((r = (r * 1103515245 + 12345) % 2 ** 31), r % n)
  const all = ['a', 'b', 'c', 'd']
  for (let round = 0; round < 500; round++) {
    const parked = new Set(all.filter(() => rand(5) === 0))
    const avoid = new Set(all.filter(() => rand(5) === 0))
    const cond = (x: string) => ({ parked: parked.has(x) ? 'p' : null, avoid: avoid.has(x) ? 'v' : null })
    const q = Array.from({ length: rand(12) }, (_, i) => {
      const rig = all[rand(all.length)]
      return w(`e${i}`, rig, rand(3), String(10 + rand(50)), rand(2) ? all.filter((x) => x !== rig && rand(2)) : [])
    })
    const rigLimit = new Map(all.map((x) => [x, 1 + rand(3)]))
    const used = new Map(all.map((x) => [x, rand(rigLimit.get(x)! + 1)]))
    const townUsed = [...used.values()].reduce((s, n) => s + n, 0)
    const town = townUsed + rand(5)
    const plan = planAdmission(q, { town: townUsed, rigs: used }, { town, rig: (x) => rigLimit.get(x)! }, null, cond)
    assert.ok(townUsed + plan.admit.length <= town)
    const after = new Map(used)
    for (const a of plan.admit) {
      after.set(a.rig, after.get(a.rig)! + 1)
      assert.ok(a.rig === a.entry.rig || a.entry.twins.includes(a.rig), 'started in a rig it may not go to')
      assert.ok(!parked.has(a.rig), 'started in a parked rig')
      if (a.rig !== a.entry.rig) assert.ok(!avoid.has(a.rig), 'routed into an avoided twin')
    }
    for (const x of all) assert.ok(after.get(x)! <= rigLimit.get(x)!, `rig ${x} over its limit`)
    const townAfter = townUsed + plan.admit.length
    for (const wt of plan.waiting) {
      if (townAfter >= town) continue
      for (const x of [wt.entry.rig, ...wt.entry.twins]) {
        const takes = !parked.has(x) && after.get(x)! < rigLimit.get(x)! && (x === wt.entry.rig || !avoid.has(x))
        assert.ok(!takes, `${wt.entry.id} waits while ${x} could take it`)
      }
    }
    assert.equal(plan.admit.length + plan.waiting.length, q.length)
  }
})

test("the machine's default: four agents per core, 512 MiB each with 2 GiB kept back, at least one", () => {
  assert.equal(machineTownLimit(2, 23 * GiB), 8)
  assert.equal(machineTownLimit(16, 8 * GiB), 12)
  assert.equal(machineTownLimit(8, 64 * GiB), 32)
  assert.equal(machineTownLimit(8, 4.9 * GiB), 5)
  assert.equal(machineTownLimit(1, 2 * GiB), 1)
  assert.equal(machineTownLimit(0, 0), 1)
})
