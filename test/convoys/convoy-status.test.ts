// Where each bead of a convoy is, worked out from facts given by hand: every state, what a waiting bead
// waits for, why the convoy is not landing — and a polecat's activity alone changes nothing (each change of a
// status is sent to every view whole).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Bead, Convoy, Polecat } from '../../src/shared/domain'
import type { MemberRow } from '../../src/main/core/convoys/convoy-store'
import type { ConvoyFacts } from '../../src/main/core/convoys/convoy-facts'
import { convoyStatus } from '../../src/main/core/convoys/convoy-status'

const AT = '2026-12-01T12:00:00.000Z'
const convoy = (p: Partial<Convoy> = {}): Convoy => ({
  id: 'convoy-1', title: 'c', mode: 'mountain', molecule: null, moleculeVars: {}, agent: null, agentCmd: null, state: 'open', createdAt: AT, createdBy: 'human',
  updatedAt: AT, landedAt: null, landedBy: null, leftOut: [], ...p
})
const bead = (id: string, p: Partial<Bead> = {}): Bead => ({
  id, title: id, description: '', status: 'open', priority: 2, type: 'task', assignee: null, rig: 'app', labels: [], deps: [], createdAt: AT, updatedAt: AT, closedAt: null, closeReason: null, ...p
})
const needs = (...ids: string[]) => ids.map((target) => ({ type: 'blocks' as const, target }))
const member = (id: string, i: number, p: Partial<MemberRow> = {}): MemberRow => ({
  convoy_id: 'convoy-1', bead_id: id, position: i, added_at: AT, added_by: 'human', approved_at: null, approved_by: null, dispatched_at: null, polecat_id: null,
  sling_error: null, held_reason: null, skipped_at: null, skip_reason: null, skip_item: null, ...p
})
const polecat = (id: string, beadId: string, p: Partial<Polecat> = {}): Polecat => ({
  id, rig: 'app', name: id.split('/')[1], state: 'working', beadId, branch: null, worktree: '/w', sessionId: null, runtime: 'custom', takenOver: false, pid: null, updatedAt: AT,
  activity: 'working', activitySince: AT, activityDetail: null, activitySource: 'process', lastActivityAt: null, lastProgressAt: null, health: { retries: 0, lastIncident: null, lastCheck: null }, ...p
})
const facts = (beads: Bead[], p: Partial<ConvoyFacts> = {}): ConvoyFacts => ({ beads: new Map(beads.map((b) => [b.id, b])), mergeRequests: new Map(), stalls: new Map(), wave: null, ...p })

test('every state, in words, and why the convoy is not landing', () => {
  const beads = [
    bead('done', { status: 'closed', closeReason: 'merged into main as abc' }),
    bead('work'),
    bead('merge', { status: 'in_progress' }),
    bead('bad'),
    bead('after-bad', { deps: needs('bad') }),
    bead('after-work', { deps: needs('work', 'outside') }),
    bead('held'),
    bead('gone', { status: 'in_progress' }),
    bead('homeless', { rig: null }),
    bead('ready', { deps: needs('done') }),
    bead('outside', { rig: 'other' }),
    bead('rejected', { status: 'in_progress' })
  ]
  const members = ['done', 'work', 'merge', 'bad', 'after-bad', 'after-work', 'held', 'gone', 'homeless', 'ready', 'rejected'].map((id, i) =>
    member(id, i, id === 'held' ? { held_reason: 'wave 1 was denied by human: later' } : id === 'gone' ? { dispatched_at: AT, polecat_id: 'app/old' } : id === 'ready' ? { sling_error: 'dispatch is paused' } : {})
  )
  const holders = new Map([['work', polecat('app/nux', 'work')]])
  const s = convoyStatus({
    convoy: convoy(),
    members,
    facts: facts(beads, {
      mergeRequests: new Map([
        ['merge', { id: 'gt-mr1', rig: 'app', state: 'testing', failureKind: null, failureMessage: null }],
        ['rejected', { id: 'gt-mr2', rig: 'app', state: 'rejected', failureKind: 'rejected', failureMessage: 'not this way' }]
      ]),
      stalls: new Map([['bad', { id: 'alarm-1', title: 'the build breaks (the Dogs tried 1 time)', createdAt: AT }]])
    }),
    holderOf: (id) => holders.get(id) ?? null
  })
  const by = new Map(s.beads.map((b) => [b.id, b]))
  const state = Object.fromEntries(s.beads.map((b) => [b.id, b.state]))
  assert.deepEqual(state, {
    done: 'landed', work: 'working', merge: 'merging', bad: 'skipped', 'after-bad': 'waiting', 'after-work': 'waiting', held: 'held', gone: 'stopped', homeless: 'blocked', ready: 'ready', rejected: 'skipped'
  })
  assert.match(by.get('rejected')!.detail, /^skipped: its merge request gt-mr2 was rejected: not this way; the rest go on/)
  assert.equal(by.get('work')!.detail, 'worked on by app/nux (working)')
  assert.equal(by.get('merge')!.detail, "its merge request gt-mr1 is testing in app's queue")
  assert.deepEqual(by.get('bad')!.skipped, { at: AT, reason: 'the build breaks (the Dogs tried 1 time)', inboxItem: 'alarm-1' })
  assert.match(by.get('after-bad')!.detail, /^waits for bad \(skipped in app: the build breaks/)
  assert.equal(by.get('after-work')!.detail, 'waits for work (worked on by app/nux), outside (not in this convoy, open in other: add it or close it)')
  assert.match(by.get('held')!.detail, /^held: wave 1 was denied by human: later; gt convoy add convoy-1 held offers it again$/)
  assert.match(by.get('gone')!.detail, /slung to app\/old but no polecat holds it now/)
  assert.match(by.get('homeless')!.detail, /has no rig to run in/)
  assert.match(by.get('ready')!.detail, /the last sling failed: dispatch is paused/)
  assert.deepEqual(s.progress, { landed: 1, total: 11, skipped: 2 })
  assert.equal(s.notLanding.length, 10)
  assert.equal(s.notLanding.find((n) => n.bead === 'after-bad')!.why.startsWith('waiting: waits for bad'), true)
})

test('gated: a ready bead waits for approval, naming the wave in the inbox once it is offered', () => {
  const beads = [bead('a'), bead('b')]
  const members = [member('a', 0), member('b', 1, { approved_at: AT, approved_by: 'human' })]
  const s = convoyStatus({ convoy: convoy({ mode: 'gated' }), members, facts: facts(beads, { wave: { item: 'wave-1', wave: 1, beads: ['a'] } }), holderOf: () => null })
  assert.deepEqual(s.beads.map((b) => [b.state, b.detail]), [['approval', 'ready: waits for your approval of wave 1 (inbox wave-1)'], ['ready', 'ready: everything it needs is closed']])
  assert.deepEqual(s.approval, { item: 'wave-1', wave: 1, beads: ['a'] })
})

test('a cycle is named and blocks its beads; a landed convoy has nothing not landing', () => {
  const beads = [bead('p', { deps: needs('q') }), bead('q', { deps: needs('p') })]
  const s = convoyStatus({ convoy: convoy(), members: [member('p', 0), member('q', 1)], facts: facts(beads), holderOf: () => null })
  assert.deepEqual(s.cycle, ['p', 'q', 'p'])
  assert.ok(s.beads.every((b) => b.state === 'blocked' && b.detail.includes('p → q → p')))
  const landed = convoyStatus({ convoy: convoy({ state: 'landed', leftOut: ['p', 'q'] }), members: [member('p', 0), member('q', 1)], facts: facts(beads), holderOf: () => null })
  assert.deepEqual(landed.notLanding, [])
})

test("a polecat's activity alone leaves the status as it was", () => {
  const beads = [bead('w')]
  const at = (activity: Polecat['activity']) =>
    JSON.stringify(convoyStatus({ convoy: convoy(), members: [member('w', 0)], facts: facts(beads), holderOf: () => polecat('app/nux', 'w', { activity, activitySince: activity === 'working' ? AT : '2026-12-01T12:00:05.000Z' }) }))
  assert.equal(at('working'), at('at_prompt'))
  assert.equal(at('working'), at('waiting_permission'))
})
