// Each polecat's health as the Polecats table shows and sorts it: the last sign of life, the last check with
// its severity, the Dogs' retries, and the order of every column, both ways.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Polecat } from '../../src/shared/domain'
import {
  DEFAULT_SORT,
  SORT_COLUMNS,
  lastActivityAt,
  lastActivityText,
  lastCheckView,
  nextSortColumn,
  retriesView,
  sortPolecats,
  toggleSort
} from '../../src/renderer/src/lib/polecat-health'

const T0 = Date.parse('2026-12-01T12:00:00Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()

function pc(name: string, p: Partial<Polecat> = {}): Polecat {
  return {
    id: `app/${name}`, rig: 'app', name, state: 'working', beadId: null, branch: null, worktree: '/w', sessionId: null, runtime: 'custom',
    takenOver: false, pid: null, updatedAt: at(0), activity: 'working', activitySince: at(0), activityDetail: null, activitySource: 'process',
    lastActivityAt: null, lastProgressAt: null, health: { retries: 0, lastIncident: null, lastCheck: null }, ...p
  }
}
const check = (status: string, severity: 'P0' | 'P1' | 'P2' | null, s: number, reasons: string[] = []) => ({ runId: `run-${s}`, status, severity, at: at(s), reasons })
const ids = (list: Polecat[]) => list.map((p) => p.name)

test("the last sign of life is the witness's note or the change of activity, whichever is newer", () => {
  assert.equal(lastActivityAt(pc('a', { activitySince: at(10), lastActivityAt: null })), at(10))
  assert.equal(lastActivityAt(pc('a', { activitySince: at(10), lastActivityAt: at(40) })), at(40))
  assert.equal(lastActivityAt(pc('a', { activitySince: at(50), lastActivityAt: at(40) })), at(50))
  assert.equal(lastActivityText(pc('a', { lastActivityAt: at(40) }), T0 + 100_000), '1 min ago')
  assert.equal(lastActivityText(pc('a', { activitySince: 'not a time' }), T0), '—')
})

test('the last check in words, with its severity and its reasons; the retries with the failure they are for', () => {
  const failed = lastCheckView(pc('a', { health: { retries: 2, lastIncident: 'check_failed', lastCheck: check('failed', 'P0', 0, ['build failed (exit code 2)']) } }), T0 + 30_000)
  assert.deepEqual(failed, { status: 'failed', severity: 'P0', text: 'failed · 30 s ago', detail: 'build failed (exit code 2)', runId: 'run-0' })
  assert.equal(lastCheckView(pc('a', { health: { retries: 0, lastIncident: null, lastCheck: check('passed', null, 0) } }), T0)!.detail, 'every check passed')
  assert.equal(lastCheckView(pc('a'), T0), null)
  assert.deepEqual(retriesView(pc('a', { health: { retries: 2, lastIncident: 'check_failed', lastCheck: null } })), {
    count: 2,
    text: '2 · check failed',
    title: "The Dogs made 2 attempts on its current failure: the rig's checks failed on its worktree"
  })
  assert.equal(retriesView(pc('a')), null, 'no retries, no failure: nothing to show')
})

test('every column sorts one way and back; ties keep the id order, so rows never swap places on their own', () => {
  const list = [
    pc('bee', { state: 'exited', activity: 'exited', beadId: 'gt-2', branch: 'polecat/bee/gt-2', runtime: 'claude', lastActivityAt: at(5), health: { retries: 0, lastIncident: null, lastCheck: check('passed', null, 5) } }),
    pc('ant', { state: 'working', activity: 'waiting_permission', activitySince: at(20), beadId: 'gt-1', branch: 'polecat/ant/gt-1', lastActivityAt: at(30), health: { retries: 1, lastIncident: 'stuck', lastCheck: check('failed', 'P1', 9) } }),
    pc('cat', { state: 'idle', activity: 'at_prompt', activitySince: at(3), lastActivityAt: at(60), health: { retries: 3, lastIncident: 'check_failed', lastCheck: check('failed', 'P0', 8) } }),
    pc('dog', { state: 'starting', activity: 'working', activitySince: at(1), health: { retries: 0, lastIncident: null, lastCheck: null } })
  ]
  const asc: Record<(typeof SORT_COLUMNS)[number], string[]> = {
    polecat: ['ant', 'bee', 'cat', 'dog'],
    state: ['ant', 'dog', 'cat', 'bee'], // working, starting, idle, exited
    activity: ['ant', 'cat', 'dog', 'bee'], // waiting for permission, at its prompt, working, exited
    lastActivity: ['dog', 'bee', 'ant', 'cat'], // the quietest first (dog: only its activity change, at 1 s)
    lastCheck: ['cat', 'ant', 'bee', 'dog'], // P0, P1, passed, never checked
    retries: ['cat', 'ant', 'bee', 'dog'], // most first; ties by id
    bead: ['ant', 'bee', 'cat', 'dog'], // none last
    branch: ['ant', 'bee', 'cat', 'dog'],
    runtime: ['bee', 'ant', 'cat', 'dog'] // claude, then custom (by id)
  }
  for (const column of SORT_COLUMNS) {
    assert.deepEqual(ids(sortPolecats(list, { column, descending: false })), asc[column], `${column} ascending`)
    const desc = ids(sortPolecats(list, { column, descending: true }))
    // Reversed, except that rows equal on the column stay in id order.
    if (column !== 'retries' && column !== 'bead' && column !== 'branch' && column !== 'runtime') assert.deepEqual(desc, [...asc[column]].reverse(), `${column} descending`)
  }
  assert.deepEqual(ids(sortPolecats(list, { column: 'retries', descending: true })), ['bee', 'dog', 'ant', 'cat'], 'fewest retries first, ties by id')
  assert.deepEqual(ids(list), ['bee', 'ant', 'cat', 'dog'], 'the list itself is left as it was')
})

test('a header click sorts by it, a second reverses; o moves to the next column and wraps around', () => {
  assert.deepEqual(DEFAULT_SORT, { column: 'state', descending: false })
  assert.deepEqual(toggleSort(DEFAULT_SORT, 'retries'), { column: 'retries', descending: false })
  assert.deepEqual(toggleSort({ column: 'retries', descending: false }, 'retries'), { column: 'retries', descending: true })
  assert.deepEqual(toggleSort({ column: 'retries', descending: true }, 'retries'), { column: 'retries', descending: false })
  assert.deepEqual(nextSortColumn({ column: 'polecat', descending: true }), { column: 'state', descending: false })
  assert.deepEqual(nextSortColumn({ column: 'runtime', descending: false }), { column: 'polecat', descending: false })
})
