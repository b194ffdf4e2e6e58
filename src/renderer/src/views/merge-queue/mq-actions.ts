// What the human can do in the Merge queue view, and whether it applies to a request now. The buttons and the
// keys call the same functions; a refusal from the core (decided meanwhile, being tested) is an error toast.
import type { MergeQueueEntry } from '../../../../shared/domain'
import { SENT_BACK, useMergeQueue } from '../../stores/merge-queue'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'

export type MqActionName = 'runNow' | 'retry' | 'reject' | 'diff' | 'inbox'

/** Each action's key, as the buttons show it and the view listens for it. Reject is for good, so it takes Shift. */
export const MQ_KEYS: Record<MqActionName, string> = {
  runNow: 'n',
  retry: 'r',
  reject: 'X',
  diff: 'd',
  inbox: 'i'
}

/** Why an action does not apply to the request (said when its key is pressed anyway), or null when it does. */
export function mqUnavailable(action: 'retry' | 'reject', e: MergeQueueEntry): string | null {
  if (action === 'retry') return SENT_BACK.has(e.state) ? null : `${e.id} is ${e.state.replace('_', ' ')}: only a failed, rejected or sent-back request can be retried`
  if (e.state === 'merged') return `${e.id} is merged already`
  if (e.state === 'rejected') return `${e.id} is rejected already`
  if (e.state === 'testing') return `${e.id} is being tested right now: reject it when the run ends`
  return null
}

export async function runNow(rig: string): Promise<boolean> {
  const entries = await attempt(`Run the queue of ${rig} failed`, () => getClient().call('mq.run', { rig }))
  if (!entries) return false
  for (const e of entries) useMergeQueue.getState().applyEntry(e)
  useUi.getState().toast('info', `The refinery of ${rig} is processing its queue`)
  return true
}

export async function retry(e: MergeQueueEntry): Promise<boolean> {
  const again = await attempt(`Retry ${e.id} failed`, () => getClient().call('mq.retry', { id: e.id }))
  if (!again) return false
  useMergeQueue.getState().applyEntry(again)
  useUi.getState().toast('info', `${e.branch} is back in the queue`)
  return true
}

export async function reject(e: MergeQueueEntry, reason: string): Promise<boolean> {
  const r = reason.trim()
  const done = await attempt(`Reject ${e.id} failed`, () => getClient().call('mq.reject', { id: e.id, ...(r ? { reason: r } : {}) }))
  if (!done) return false
  useMergeQueue.getState().applyEntry(done)
  return true
}
