// What the witness found, as the Inbox says it: every kind the core knows has words and the Dogs' action the
// core gives it (so "Retry now" is offered exactly where the Dogs can act), and the attempts, raises and
// merged counts read as sentences.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DOG_ACTION, INCIDENT_KINDS } from '../../src/main/core/witness/incidents'
import { INCIDENTS, attemptsText, dogActionOf, dogsOutcome, incidentWords, mergedText, raisedText } from '../../src/renderer/src/lib/incidents'

test("every incident kind of the core's has words here and the Dogs' action the core gives it", () => {
  const missing = INCIDENT_KINDS.filter((k) => !Object.hasOwn(INCIDENTS, k))
  assert.deepEqual(missing, [], 'kinds the core raises that the Inbox cannot put into words')
  for (const kind of INCIDENT_KINDS) assert.equal(dogActionOf(kind), DOG_ACTION[kind], kind)
  assert.equal(dogActionOf('from_a_newer_core'), 'none', 'an unknown kind: nothing offered')
  assert.equal(incidentWords('from_a_newer_core'), 'from a newer core')
})

test('attempts, raises and merged items in words', () => {
  assert.equal(attemptsText(2, 'check_failed', 'P1'), 'the Dogs tried 2 times before it came to you')
  assert.equal(attemptsText(1, 'crashed', 'P1'), 'the Dogs tried 1 time before it came to you')
  assert.equal(attemptsText(0, 'check_failed', 'P0'), 'a P0 comes to you at once: the Dogs did not retry it')
  assert.equal(attemptsText(0, 'stuck', 'P1'), 'the Dogs did not retry it before it came to you')
  assert.equal(attemptsText(0, 'mass_death', 'P0'), null, 'the Dogs have nothing to do with a mass death')
  assert.equal(raisedText(0), null)
  assert.equal(raisedText(1), 'raised a level after waiting unacknowledged')
  assert.equal(raisedText(2), 'raised 2 levels after waiting unacknowledged')
  assert.equal(mergedText(1, ['app/a']), null)
  assert.equal(mergedText(3, ['app/a', 'app/b', 'app/c']), 'seen 3 times, on app/a, app/b, app/c')
})

test("what the Dogs did after a Retry now, from their ledger event", () => {
  assert.equal(dogsOutcome('dogs.nudged', { polecat: 'app/nux', attempt: 3 }), 'the Dogs told app/nux what went wrong (attempt 3)')
  assert.equal(dogsOutcome('dogs.restarted', { polecat: 'app/nux', attempt: 1 }), 'the Dogs restarted app/nux (attempt 1)')
  assert.equal(dogsOutcome('dogs.held', { why: 'dispatch is paused' }), 'the Dogs held back: dispatch is paused')
  assert.equal(dogsOutcome('dogs.failed', { error: 'no session' }), 'the Dogs could not act: no session')
  assert.equal(dogsOutcome('dogs.retry-now', {}), null)
})
