// What the human can do with an inbox item, and whether it applies to this item now. The buttons and the
// keys call the same functions; a failed call (e.g. decided meanwhile in another window) is an error toast.
import type { InboxItem, Polecat } from '../../../../shared/domain'
import { dogActionOf, dogsOutcome } from '../../lib/incidents'
import { useInbox } from '../../stores/inbox'
import { usePermissionRules } from '../../stores/permissions'
import { usePolecats } from '../../stores/polecats'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'

export type ActionName = 'approve' | 'always' | 'deny' | 'takeover' | 'handback' | 'retry' | 'restart' | 'stop' | 'ack' | 'snooze' | 'reply' | 'open'

/** Each action's key, as the buttons show it and the Inbox listens for it. */
export const ACTION_KEYS: Record<ActionName, string> = {
  approve: 'a',
  always: 'A',
  deny: 'd',
  takeover: 't',
  handback: 'h',
  // n: the Dogs act Now. Restart and Stop end a running agent, so they take Shift (R, X) and Stop asks first.
  retry: 'n',
  restart: 'R',
  stop: 'X',
  ack: 'e',
  snooze: 's',
  reply: 'r',
  open: 'Enter'
}

/** Why an action does not apply to the item (shown when its key is pressed anyway), or null when it does. */
export function unavailable(action: ActionName, item: InboxItem, polecat: Polecat | undefined): string | null {
  const decidable = item.kind === 'permission' && item.status === 'open'
  // A gated merge batch is decided like a permission: Approve lands it, Deny sends it back with the reason.
  if (item.kind === 'merge' && (action === 'approve' || action === 'deny')) return item.status === 'open' ? null : `this batch is already ${item.status}`
  if (item.kind === 'merge' && action === 'ack' && item.status === 'open') return 'a merge batch waits for a decision: approve it (it lands) or deny it (its requests go back)'
  switch (action) {
    case 'approve':
    case 'always':
    case 'deny':
      // A gated convoy wave: Approve slings its beads, Deny holds them ("always" is for permissions).
      if (item.kind === 'convoy' && action !== 'always') return item.status === 'open' ? null : `this wave is already ${item.status}`
      if (item.kind !== 'permission') return item.kind === 'convoy' ? '"always allow" is for permission requests: approve the wave once' : 'only a permission request or a convoy wave can be approved or denied'
      if (item.status === 'orphaned') return 'this request can no longer be answered: its agent was restarted'
      return decidable ? null : `this request is already ${item.status}`
    case 'ack':
      if (item.status === 'orphaned') return null
      if (item.status !== 'open') return `this item is already ${item.status}`
      if (item.kind === 'convoy') return 'this wave waits for a decision: approve it (its beads are slung) or deny it (they are held)'
      return item.kind === 'permission' ? 'the agent waits on this request: approve or deny it (or take over its terminal)' : null
    case 'snooze':
      return item.status === 'open' ? null : 'only an open item can be snoozed'
    case 'reply':
      if (item.kind !== 'escalation') return 'Reply is for escalations: it mails the agent that escalated'
      return item.polecatId ? null : 'this escalation has no agent to reply to'
    case 'takeover':
      if (!item.polecatId) return 'this item has no polecat whose terminal could be taken over'
      if (!polecat) return `polecat ${item.polecatId} is not known here`
      if (polecat.takenOver) return `you already hold ${polecat.id}'s terminal: h hands it back`
      return polecat.state === 'exited' ? `${polecat.id} is not running: there is no live terminal to take over` : null
    case 'handback':
      if (!polecat) return item.polecatId ? `polecat ${item.polecatId} is not known here` : 'this item has no polecat'
      return polecat.takenOver ? null : `${polecat.id}'s terminal is not taken over`
    case 'retry':
      if (!item.incident) return 'Retry now is for failures the witness found: this item is not one'
      if (!item.polecatId) return 'this failure is about no one polecat: there is nothing for the Dogs to retry'
      if (item.status !== 'open') return `this item is already ${item.status}`
      return dogActionOf(item.incident) === 'none' ? 'the Dogs cannot help with this one: only a human can (take over, reply or acknowledge)' : null
    case 'restart':
      if (item.kind === 'permission') return 'the agent waits on this request: approve or deny it (or take over its terminal)'
      if (!item.polecatId) return 'this item is about no polecat: there is nothing to restart'
      if (!polecat) return `polecat ${item.polecatId} is not known here`
      return polecat.beadId ? null : `${polecat.id} has nothing on its hook to restart`
    case 'stop':
      if (item.kind === 'permission') return 'the agent waits on this request: deny it to say no'
      if (!item.polecatId) return 'this item is about no polecat: there is nothing to stop'
      if (!polecat) return `polecat ${item.polecatId} is not known here`
      return polecat.state === 'exited' ? `${polecat.id} is not running` : null
    case 'open':
      return item.polecatId || item.beadId ? null : 'this item has no polecat or bead to open'
  }
}

function applied(item: InboxItem | undefined): InboxItem | undefined {
  if (item) useInbox.getState().upsert(item)
  return item
}

export async function approve(item: InboxItem, always?: 'tool' | 'prefix'): Promise<boolean> {
  const done = applied(await attempt(`Approve ${item.id} failed`, () => getClient().call('inbox.approve', { id: item.id, ...(always ? { always } : {}) })))
  if (done && always) {
    void usePermissionRules.getState().refresh()
    useUi.getState().toast('info', `${item.polecatId ?? item.id}: ${done.resolution ?? 'approved'}`)
  }
  return !!done
}

export async function deny(item: InboxItem, reason: string): Promise<boolean> {
  const r = reason.trim()
  return !!applied(await attempt(`Deny ${item.id} failed`, () => getClient().call('inbox.deny', { id: item.id, ...(r ? { reason: r } : {}) })))
}

export async function acknowledge(item: InboxItem): Promise<boolean> {
  return !!applied(await attempt(`Acknowledge ${item.id} failed`, () => getClient().call('inbox.ack', { id: item.id })))
}

export async function snooze(item: InboxItem, until: Date): Promise<boolean> {
  return !!applied(await attempt(`Snooze ${item.id} failed`, () => getClient().call('inbox.snooze', { id: item.id, until: until.toISOString() })))
}

export async function reply(item: InboxItem, text: string): Promise<boolean> {
  const mail = await attempt(`Reply to ${item.id} failed`, () => getClient().call('inbox.reply', { id: item.id, text }))
  if (mail) useUi.getState().toast('info', `Reply mailed to ${mail.to}: it reaches the agent when it is at its prompt`)
  return !!mail
}

/**
 * Retry now: the Dogs act at once, whatever their backoff (nudge or restart). The core answers once they
 * did; what they did is in the ledger under the bead (or polecat), and the toast says it.
 */
export async function retryNow(item: InboxItem): Promise<boolean> {
  const subject = item.beadId ?? item.polecatId
  const before = subject ? await lastLedgerId(subject) : 0
  const done = applied(await attempt(`Retry now ${item.id} failed`, () => getClient().call('inbox.retry', { id: item.id })))
  if (!done) return false
  let said: string | null = null
  if (subject) {
    const events = await getClient()
      .call('ledger.list', { subject, afterId: before, limit: 50 })
      .catch(() => [])
    // Oldest first: the Dogs' last step after the human's dogs.retry-now.
    const last = [...events].reverse().find((e) => e.kind.startsWith('dogs.') && e.kind !== 'dogs.retry-now')
    if (last) said = dogsOutcome(last.kind, last.data)
  }
  useUi.getState().toast('info', `Retry now: ${said ?? 'the Dogs acted on it'}`)
  return true
}

/** The id of the newest ledger event about `subject` (the ledger's last `limit` events, oldest first), or 0. */
async function lastLedgerId(subject: string): Promise<number> {
  const events = await getClient()
    .call('ledger.list', { subject, limit: 1 })
    .catch(() => [])
  return events[0]?.id ?? 0
}

/** Restart: a new session on the polecat's worktree and branch (a running one is stopped first). */
export async function restartFromItem(item: InboxItem): Promise<boolean> {
  const p = await attempt(`Restart ${item.polecatId ?? item.id} failed`, () => getClient().call('inbox.restart', { id: item.id }))
  if (!p) return false
  usePolecats.getState().upsert(p)
  useUi.getState().toast('info', `Restarted ${p.id}: a new session on ${p.branch ?? 'its branch'}`)
  return true
}

/** Opens the polecat's live terminal in the Polecats view and takes it over; the keyboard goes to it. */
export async function takeOver(item: InboxItem): Promise<boolean> {
  const polecatId = item.polecatId
  if (!polecatId) return false
  const ui = useUi.getState()
  ui.openTerminal(polecatId)
  const p = await attempt(`Take over ${polecatId} failed`, () => getClient().call('terminal.takeover', { polecat: polecatId }))
  if (!p) return false
  usePolecats.getState().upsert(p)
  ui.setTakeoverFrom({ polecatId, itemId: item.id })
  return true
}

export async function handBack(polecatId: string): Promise<boolean> {
  const p = await attempt(`Hand back ${polecatId} failed`, () => getClient().call('terminal.handback', { polecat: polecatId }))
  if (!p) return false
  usePolecats.getState().upsert(p)
  const from = useUi.getState().takeoverFrom
  if (from?.polecatId === polecatId) useUi.getState().setTakeoverFrom(null)
  return true
}

/** Enter on an item: the polecat's terminal, or failing that its bead. */
export function openTarget(item: InboxItem): void {
  const ui = useUi.getState()
  if (item.polecatId) ui.openTerminal(item.polecatId)
  else if (item.beadId) openBead(item.beadId)
}

export function openBead(beadId: string): void {
  const ui = useUi.getState()
  ui.select('work', beadId)
  ui.setView('work')
}
