// A gated convoy wave in the inbox: Approve and Deny apply while it is open (one click slings the wave),
// "always allow" and Acknowledge do not, and each refusal says why.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InboxItem } from '../../src/shared/domain'

;(globalThis as any).window = { gtBridge: { call: async () => ({ result: [] }), onEvent: () => () => {} } }

function wave(p: Partial<InboxItem> = {}): InboxItem {
  return {
    id: 'wave-1', kind: 'convoy', severity: 'P2', status: 'open', title: 'Convoy c: start wave 1 (2 beads in app)?', body: '', rig: 'app', polecatId: null, beadId: null,
    sessionId: null, tool: null, screen: null, diffStat: null, createdAt: '2026-12-01T12:00:00Z', updatedAt: '2026-12-01T12:00:00Z', snoozedUntil: null,
    closedAt: null, closedBy: null, resolution: null, reason: null, incident: null, excerpt: null, attempts: 0, raisedLevels: 0, count: 1, affected: [], merge: null,
    convoy: { convoy: 'convoy-1', wave: 1, beads: ['gt-a', 'gt-b'] }, ...p
  }
}

test('an open convoy wave can be approved or denied, not always-allowed or acknowledged', async () => {
  const { unavailable } = await import('../../src/renderer/src/views/inbox/inbox-actions')
  assert.equal(unavailable('approve', wave(), undefined), null)
  assert.equal(unavailable('deny', wave(), undefined), null)
  assert.match(unavailable('always', wave(), undefined)!, /for permission requests/)
  assert.match(unavailable('ack', wave(), undefined)!, /waits for a decision/)
  assert.match(unavailable('approve', wave({ status: 'approved' }), undefined)!, /already approved/)
  assert.match(unavailable('approve', wave({ kind: 'alarm', convoy: null }), undefined)!, /only a permission request or a convoy wave/)
})
