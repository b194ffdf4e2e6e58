// The wave planner on its own: levels, readiness (closed needs, in the convoy or not), cycles named.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DependencyCycleError, planWaves, type PlannedBead } from '../../src/main/core/convoys/wave-planner'

const b = (id: string, needs: string[] = [], closed = false): PlannedBead => ({ id, needs, closed })

test('waves are dependency levels; only beads whose needs are all closed are ready', () => {
  const plan = planWaves([b('a3', ['a2']), b('a1'), b('a2', ['a1']), b('b1'), b('b2', ['b1', 'a1']), b('b3', ['b2', 'a2'])])
  assert.deepEqual(plan.waves, [['a1', 'b1'], ['a2', 'b2'], ['a3', 'b3']])
  assert.equal(plan.waveOf.get('b3'), 3)
  assert.deepEqual(plan.ready, ['a1', 'b1'])
  assert.deepEqual(plan.waitsFor.get('b2'), ['b1', 'a1'])
})

test('a bead becomes ready when what it needs closes, whatever wave that was', () => {
  const plan = planWaves([b('a1', [], true), b('a2', ['a1']), b('b1'), b('b2', ['b1', 'a1']), b('c', ['a2', 'b1'])])
  assert.deepEqual(plan.ready, ['a2', 'b1'], 'a2 needs only the closed a1; b2 still waits for b1')
  assert.deepEqual(plan.waitsFor.get('b2'), ['b1'])
  assert.equal(plan.waitsFor.has('a1'), false, 'a closed bead waits for nothing')
  assert.deepEqual(plan.waves, [['a1', 'b1'], ['a2', 'b2'], ['c']], 'waves stay the structure, closed or not')
})

test('a need outside the convoy holds a bead back until it is closed, without making a wave', () => {
  const open = planWaves([b('x', ['outside']), b('y')])
  assert.deepEqual(open.waves, [['x', 'y']])
  assert.deepEqual(open.ready, ['y'])
  assert.deepEqual(open.waitsFor.get('x'), ['outside'])
  const closed = planWaves([b('x', ['outside']), b('y')], (id) => id === 'outside')
  assert.deepEqual(closed.ready, ['x', 'y'])
})

test('a cycle among the beads is refused, naming the beads in it', () => {
  assert.throws(
    () => planWaves([b('a'), b('p', ['r']), b('q', ['p']), b('r', ['q']), b('z', ['p'])]),
    (err: unknown) => {
      assert.ok(err instanceof DependencyCycleError)
      assert.deepEqual(err.cycle, ['p', 'r', 'q', 'p'])
      assert.match(err.message, /p → r → q → p/)
      return true
    }
  )
  assert.throws(() => planWaves([b('s', ['s2']), b('s2', ['s'])]), /s → s2 → s/)
})

test('a bead naming itself or the same need twice counts it once', () => {
  const plan = planWaves([b('a', ['a']), b('c', ['a', 'a'])])
  assert.deepEqual(plan.waves, [['a'], ['c']])
  assert.deepEqual(plan.waitsFor.get('c'), ['a'])
})
