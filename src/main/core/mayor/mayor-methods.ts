// What the AI mayor may do with its token: route work (sling, convoys), read and shape the work items, see
// the rigs, polecats and the inbox, and mail. Nothing that types into a terminal, answers a permission
// request, changes the town or a rig's membership, or acts as a polecat: those stay the human's.
import { CoreError } from '../../../shared/contract'

export const MAYOR_METHODS: ReadonlySet<string> = new Set([
  'sling',
  'rigs.list',
  'beads.list',
  'beads.show',
  'beads.create',
  'beads.update',
  'polecats.list',
  'convoys.create',
  'convoys.add',
  'convoys.status',
  'convoys.land',
  'convoys.list',
  // The mayor's own mail: sent as "mayor", and what was sent to "mayor" (gt mail send|check).
  'agent.mail.send',
  'agent.mail.check',
  'inbox.list',
  // Where capacity is: why a sling waits (read-only; limits and pause stay the human's).
  'scheduler.status'
])

/** Refuses a method outside the mayor's tools, saying what it may do instead. */
export function checkMayorMethod(method: string): void {
  if (MAYOR_METHODS.has(method)) return
  const why = method.startsWith('inbox.')
    ? 'approving, denying and answering inbox items is for the human (the mayor may list them with gt inbox)'
    : method.startsWith('terminal.')
      ? "polecats' terminals are the human's"
      : 'it is not one of the mayor tools'
  throw new CoreError('unauthorized', `the mayor may not call ${method}: ${why}. Mayor tools: gt sling, gt rig list, gt bead list|show|create|update, gt polecat list, gt convoy …, gt mail send|check, gt inbox list, gt scheduler status.`)
}
