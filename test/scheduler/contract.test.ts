// The scheduler's methods validate their params at the boundary, with messages that say what to do.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ALL_METHODS } from '../../src/shared/contract'

const messages = (method: string, params: unknown): string[] => {
  const r = ALL_METHODS[method].params.safeParse(params)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

test('scheduler.limit takes a whole number of agents from 1, or null, for the town or a rig', () => {
  assert.deepEqual(messages('scheduler.limit', { limit: 4 }), [])
  assert.deepEqual(messages('scheduler.limit', { rig: 'app', limit: null }), [])
  assert.match(messages('scheduler.limit', { limit: 0 }).join(), /a limit of 0 would start nothing: pause the scheduler instead/)
  assert.match(messages('scheduler.limit', { limit: -2 }).join(), /limit: a limit of 0/)
  assert.match(messages('scheduler.limit', { limit: 1.5 }).join(), /whole number of agents/)
  assert.match(messages('scheduler.limit', { limit: 10_001 }).join(), /at most 10000/)
  assert.match(messages('scheduler.limit', { rig: '../etc', limit: 2 }).join(), /rig: use 1–39 lowercase letters/)
  assert.notDeepEqual(messages('scheduler.limit', {}), [], 'the limit (or null) must be given')
  assert.notDeepEqual(messages('scheduler.limit', { limit: 2, town: 3 }), [], 'unknown keys are refused')
})

test('scheduler.pause takes an optional one-line reason; status and resume take nothing', () => {
  assert.deepEqual(messages('scheduler.pause', {}), [])
  assert.deepEqual(messages('scheduler.pause', { reason: 'deploy freeze' }), [])
  assert.match(messages('scheduler.pause', { reason: 'a\x1b[2Jb' }).join(), /control character U\+001B \(ESC\)/)
  assert.notDeepEqual(messages('scheduler.status', { all: true }), [])
  assert.notDeepEqual(messages('scheduler.resume', { now: 1 }), [])
})
