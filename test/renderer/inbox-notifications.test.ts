// New P0s and permission requests interrupt the human; what was already in the inbox when the page loaded
// never does. Without the Notification API (or its permission) they are in-app toasts that open the item.
import { test, mock } from 'node:test'
import assert from 'node:assert/strict'
import type { InboxItem } from '../../src/shared/domain'
import { noteItem, noteList, notificationText } from '../../src/renderer/src/stores/notifications'
import { useUi } from '../../src/renderer/src/stores/ui'

mock.timers.enable({ apis: ['setTimeout'] })

function item(id: string, p: Partial<InboxItem> = {}): InboxItem {
  return {
    id, kind: 'escalation', severity: 'P1', status: 'open', title: `title ${id}`, body: '', rig: 'app', polecatId: 'app/nux', beadId: null, sessionId: null,
    tool: null, screen: null, diffStat: null, createdAt: '2026-12-01T12:00:00Z', updatedAt: '2026-12-01T12:00:00Z', snoozedUntil: null,
    closedAt: null, closedBy: null, resolution: null, reason: null,
    incident: null, excerpt: null, attempts: 0, raisedLevels: 0, count: 1, affected: [], merge: null, ...p
  }
}
const perm = (id: string) => item(id, { kind: 'permission', tool: { name: 'Bash', input: { command: 'npm test' }, useId: null } })
const toasts = () => useUi.getState().toasts.map((t) => t.message)

test('only items new since the page loaded are announced, each once; clicking opens the Inbox on it', () => {
  // Pushed before the first list arrived, and not in it: raised after the page loaded.
  noteItem(perm('pushed-early'))
  // In the first list too: it was there at load.
  noteItem(item('there-at-load', { severity: 'P0' }))
  noteList([item('there-at-load', { severity: 'P0' }), perm('old-permission')])
  assert.deepEqual(toasts(), ['P1 · app/nux asks permission: Bash: npm test'])

  noteItem(item('new-p0', { severity: 'P0', body: 'the disk is full' }))
  noteItem(item('new-p0', { severity: 'P0', body: 'the disk is full', diffStat: '1 file changed' }))
  noteItem(item('new-p1-escalation'))
  noteItem(perm('old-permission'))
  // A reconnect's list: one item appeared while the page was away.
  noteList([item('there-at-load'), perm('while-away')])
  assert.deepEqual(toasts(), [
    'P1 · app/nux asks permission: Bash: npm test',
    'P0 escalation · app/nux: title new-p0\nthe disk is full',
    'P1 · app/nux asks permission: Bash: npm test'
  ])

  const toast = useUi.getState().toasts.find((t) => t.message.includes('new-p0'))!
  assert.equal(toast.action?.testId, 'notify-toast')
  toast.action!.run()
  assert.equal(useUi.getState().view, 'inbox')
  assert.equal(useUi.getState().selection.inbox, 'new-p0')
})

test('what a notification says: who asks, and the command or the escalation', () => {
  assert.deepEqual(notificationText(perm('x')), { title: 'P1 · app/nux asks permission', body: 'Bash: npm test' })
  assert.deepEqual(notificationText(item('y', { kind: 'alarm', severity: 'P0', polecatId: null, title: 'Log not written' })), { title: 'P0 alarm · app', body: 'Log not written' })
})

test("a decided item's toast goes away: it would open something already settled", () => {
  for (const t of useUi.getState().toasts) useUi.getState().dismiss(t.id)
  noteItem(perm('asks-now'))
  noteItem(perm('asks-too'))
  assert.equal(toasts().length, 2)
  noteItem({ ...perm('asks-now'), status: 'approved', closedAt: '2026-12-01T12:00:05Z', closedBy: 'human' } as InboxItem)
  assert.deepEqual(toasts(), ['P1 · app/nux asks permission: Bash: npm test'])
  assert.equal(useUi.getState().toasts[0].action?.key, 'asks-too', 'the other request keeps its toast')
})
