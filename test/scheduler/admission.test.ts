// The scheduler's pure admission logic and the machine's default limit: order, limits, holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fairOrder, planAdmission, type Waiting } from '../../src/main/core/scheduler/admission'
import { machineTownLimit } from '../../src/main/core/scheduler/machine-limit'

const GiB = 2 ** 30
let seq = 0
const w = (id: string, rig: string, priority: number, created: string): Waiting => ({ id, rig, priority, beadCreatedAt: `2026-01-01T00:00:${created}Z`, seq: ++seq })
const none = { town: 0, rigs: new Map<string, number>() }
const ids = (xs: { id: string }[]) => xs.map((x) => x.id)

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
    for (const a of plan.admit) for (const wt of plan.waiting) if (wt.entry.rig === a.rig) assert.ok(fairOrder(a, wt.entry) < 0, 'admitted before a better one of its rig')
    // Nothing waits while both its rig and the town have room.
    const after = new Map(used)
    for (const a of plan.admit) after.set(a.rig, after.get(a.rig)! + 1)
    const townAfter = townUsed + plan.admit.length
    for (const wt of plan.waiting) assert.ok(townAfter >= town || after.get(wt.entry.rig)! >= rigLimit.get(wt.entry.rig)!)
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
