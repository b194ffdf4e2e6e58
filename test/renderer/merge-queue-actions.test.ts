// What the Merge queue view offers on a request, and the Inbox on a gated merge batch: each action applies
// exactly when the core would take it, and says why not otherwise (the view shows it when a key is pressed).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InboxItem, MergeQueueEntry, MergeState } from '../../src/shared/domain'
import { MERGE_STATES } from '../../src/shared/domain'

;(globalThis as any).window = { gtBridge: { call: async () => ({ result: [] }), onEvent: () => () => {} } }

const entry = (state: MergeState): MergeQueueEntry => ({
  id: 'mr-1', rig: 'app', branch: 'polecat/nux/b-1', title: 't', beadId: null, polecatId: null, priority: 2, state, queuedSha: null, testedSha: null, mergedSha: null,
  failure: null, enqueuedAt: '2026-12-01T12:00:00Z', startedAt: null, finishedAt: null, updatedAt: '2026-12-01T12:00:00Z'
})

test('Retry applies to what came back; Reject to anything not merged, rejected or under test', async () => {
  const { mqUnavailable } = await import('../../src/renderer/src/views/merge-queue/mq-actions')
  const retryable = MERGE_STATES.filter((s) => mqUnavailable('retry', entry(s)) === null)
  assert.deepEqual(retryable, ['failed', 'changes_requested', 'rejected'])
  const rejectable = MERGE_STATES.filter((s) => mqUnavailable('reject', entry(s)) === null)
  assert.deepEqual(rejectable, ['pending', 'awaiting_approval', 'failed', 'changes_requested'])
  assert.match(mqUnavailable('reject', entry('testing'))!, /being tested right now/)
  assert.match(mqUnavailable('retry', entry('pending'))!, /only a failed, rejected or sent-back request/)
})

test('an open merge batch in the inbox is approved or denied, never acknowledged; a decided one is neither', async () => {
  const { unavailable } = await import('../../src/renderer/src/views/inbox/inbox-actions')
  const item = (status: InboxItem['status']): InboxItem => ({
    id: 'merge-1', kind: 'merge', severity: 'P2', status, title: 'Merge 2 requests', body: '', rig: 'app', polecatId: null, beadId: null, sessionId: null, tool: null, screen: null,
    diffStat: null, createdAt: '2026-12-01T12:00:00Z', updatedAt: '2026-12-01T12:00:00Z', snoozedUntil: null, closedAt: null, closedBy: null, resolution: null, reason: null,
    incident: null, excerpt: null, attempts: 0, raisedLevels: 0, count: 1, affected: [], merge: { landing: 'land-1', requests: ['mr-1', 'mr-2'], target: 'main', candidate: 'c'.repeat(40) }
  })
  assert.equal(unavailable('approve', item('open'), undefined), null)
  assert.equal(unavailable('deny', item('open'), undefined), null)
  assert.match(unavailable('always', item('open'), undefined)!, /only a permission request/)
  assert.match(unavailable('ack', item('open'), undefined)!, /waits for a decision/)
  assert.match(unavailable('approve', item('approved'), undefined)!, /already approved/)
  assert.match(unavailable('deny', item('resolved'), undefined)!, /already resolved/)
})
