// How an inbox item and a polecat's activity are put into words: the exact command, the input as JSON,
// "waiting for permission · 2 min · Bash: npm test", and the snooze choices.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { activityLine, activityText, elapsed } from '../../src/renderer/src/lib/activity'
import { parseSnoozeTime, snoozeChoices, toLocalInputValue } from '../../src/renderer/src/lib/snooze'
import { toolInputView, toolSummary } from '../../src/renderer/src/lib/tool-input'

test('a Bash request shows its exact command; any other tool its whole input as JSON', () => {
  const cmd = 'rm -rf build && npm test -- --grep "a <b> & c"\nsecond line'
  const bash = toolInputView({ name: 'Bash', input: { command: cmd, description: 'Run the tests', timeout: 5000 }, useId: null })
  assert.deepEqual(bash, { kind: 'command', command: cmd, description: 'Run the tests', rest: '{\n  "timeout": 5000\n}' })
  const write = toolInputView({ name: 'Write', input: { file_path: '/w/a.txt', content: 'x' }, useId: null })
  assert.deepEqual(write, { kind: 'json', text: '{\n  "file_path": "/w/a.txt",\n  "content": "x"\n}' })
  assert.equal(toolSummary({ name: 'Bash', input: { command: cmd }, useId: null }), 'Bash: rm -rf build && npm test -- --grep "a <b> & c" …')
  assert.equal(toolSummary({ name: 'Write', input: { file_path: '/w/a.txt' }, useId: null }), 'Write: /w/a.txt')
  assert.equal(toolSummary({ name: 'Task', input: { prompt: 'x' }, useId: null }), 'Task')
})

test("a polecat's activity in words, with how long, and whether it comes from hooks or only the process", () => {
  const now = Date.parse('2026-12-01T12:10:00Z')
  const waiting = activityText({ activity: 'waiting_permission', activitySince: '2026-12-01T12:08:00Z', activityDetail: 'Bash: npm test', activitySource: 'hooks' }, now)
  assert.equal(activityLine(waiting), 'waiting for permission · 2 min · Bash: npm test')
  assert.equal(waiting.processOnly, false)
  assert.equal(activityLine(activityText({ activity: 'at_prompt', activitySince: '2026-12-01T12:05:00Z', activityDetail: null, activitySource: 'hooks' }, now)), 'at its prompt · 5 min')
  assert.equal(activityLine(activityText({ activity: 'working', activitySince: '2026-12-01T12:09:30Z', activityDetail: null, activitySource: 'process' }, now)), 'working · 30 s')
  assert.equal(activityText({ activity: 'working', activitySince: '2026-12-01T12:09:30Z', activityDetail: null, activitySource: 'process' }, now).processOnly, true)
  assert.equal(activityLine(activityText({ activity: 'done', activitySince: '2026-12-01T11:00:00Z', activityDetail: null, activitySource: 'hooks' }, now)), 'done')
  assert.equal(activityLine(activityText({ activity: 'exited', activitySince: '2026-12-01T11:00:00Z', activityDetail: null, activitySource: 'process' }, now)), 'exited')
  assert.match(activityLine(activityText({ activity: 'blocked_screen', activitySince: '2026-12-01T12:09:00Z', activityDetail: null, activitySource: 'process' }, now)), /^stuck on a blocking screen · 1 min$/)
  assert.equal(elapsed('2026-12-01T10:05:00Z', now), '2 h 5 min')
  assert.equal(elapsed('2026-11-29T10:10:00Z', now), '2 d 2 h')
  assert.equal(elapsed('2026-12-01T12:10:05Z', now), '0 s', 'a clock slightly ahead is never negative')
})

test('snooze choices: 15 min, 1 h, 4 h and tomorrow 9:00 local time; a typed time must be in the future', () => {
  const now = new Date(2026, 11, 1, 22, 30)
  const c = snoozeChoices(now)
  assert.deepEqual(c.map((x) => [x.key, x.label]), [['1', '15 min'], ['2', '1 h'], ['3', '4 h'], ['4', 'tomorrow 9:00']])
  assert.equal(c[0].until.getTime() - now.getTime(), 15 * 60_000)
  assert.equal(toLocalInputValue(c[3].until), '2026-12-02T09:00')
  assert.equal(toLocalInputValue(c[2].until), '2026-12-02T02:30')
  const parsed = parseSnoozeTime('2026-12-03T08:15', now)
  assert.ok(parsed instanceof Date)
  assert.equal(toLocalInputValue(parsed), '2026-12-03T08:15')
  assert.match(String(parseSnoozeTime('2026-12-01T10:00', now)), /has passed/)
  assert.match(String(parseSnoozeTime('', now)), /Pick a time/)
  assert.match(String(parseSnoozeTime('tomorrow', now)), /not a time/)
})
