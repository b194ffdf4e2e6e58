// Words and input checks of the Scheduler panel, apart from React so they can be tested as they are.
import type { SchedulerRig } from '../../../../shared/scheduler'

/** The limits the core accepts (scheduler.limit); said here too so a bad number is refused before the call. */
export const LIMIT_MIN = 1
export const LIMIT_MAX = 10_000

/** Agents alive out of the limit, with those still starting: "3/8" or "3/8 (1 starting)". */
export function usedText(x: { running: number; starting: number; limit: number }): string {
  return `${x.running + x.starting}/${x.limit}${x.starting ? ` (${x.starting} starting)` : ''}`
}

export type RigConditionKind = 'parked' | 'failing' | 'stuck'

/** Why new work avoids the rig, each with its words; empty when it is open. */
export function rigConditions(r: SchedulerRig): { kind: RigConditionKind; text: string }[] {
  const out: { kind: RigConditionKind; text: string }[] = []
  if (r.parked) out.push({ kind: 'parked', text: `parked by ${r.parked.by}${r.parked.why ? `: ${r.parked.why}` : ''}` })
  if (r.failing) out.push({ kind: 'failing', text: `failing: ${r.failing}` })
  if (r.stuck) out.push({ kind: 'stuck', text: `stuck: ${r.stuck}` })
  return out
}

/** A typed limit as the number to send, or what is wrong with it (in words the user can act on). */
export function parseLimit(text: string): { limit: number } | { error: string } {
  const t = text.trim()
  if (!t) return { error: 'type a limit (a whole number of agents), or use Default' }
  if (!/^\d+$/.test(t)) return { error: `"${t}" is not a whole number of agents` }
  const n = Number(t)
  if (n < LIMIT_MIN) return { error: 'a limit of 0 would start nothing: pause the scheduler instead' }
  if (n > LIMIT_MAX) return { error: `a limit is at most ${LIMIT_MAX} agents` }
  return { limit: n }
}
