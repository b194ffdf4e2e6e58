// What can go wrong with a polecat, how bad it is by default, and what the machine can do about it.
// The witness finds incidents; the Dogs act on them (routing.ts); the rest reaches the Deacon's inbox.
import type { Severity } from '../../../shared/domain'

export const INCIDENT_KINDS = [
  'crashed',
  'exited_without_done',
  'never_started',
  'blocked_screen',
  'at_prompt_without_done',
  'stuck',
  'no_progress',
  'check_failed',
  'escalated',
  'mass_death',
  'branch_unsafe',
  'merge_failed',
  'merge_conflict',
  'molecule_timeout',
  'ledger_unwritten'
] as const
export type IncidentKind = (typeof INCIDENT_KINDS)[number]

export interface Incident {
  kind: IncidentKind
  severity: Severity
  rig: string
  polecatId: string | null
  beadId: string | null
  sessionId: string | null
  title: string
  body: string
  /** The failing output (a check's, or the agent's last screen lines), for the human and for the nudge. */
  excerpt: string | null
  /** Incidents with the same key are one inbox item (the same check failing on the base branch for all). */
  groupKey?: string
  /** Found from the output alone (no hooks): the views say so. */
  heuristic?: boolean
  /** Check incidents: the check run they come from. */
  checkRunId?: string
}

/**
 * What the Dogs do with an incident of a kind, when its severity lets them (P1, P2): nudge a live agent with
 * what went wrong, restart a dead one on its worktree and branch, or nothing (only a human can help).
 */
export const DOG_ACTION: Record<IncidentKind, 'nudge' | 'restart' | 'none'> = {
  crashed: 'restart',
  exited_without_done: 'restart',
  never_started: 'restart',
  blocked_screen: 'none',
  at_prompt_without_done: 'nudge',
  stuck: 'nudge',
  no_progress: 'nudge',
  check_failed: 'nudge',
  escalated: 'none',
  mass_death: 'none',
  branch_unsafe: 'none',
  merge_failed: 'nudge',
  merge_conflict: 'nudge',
  // Whether to give it more time, take over or stop it is the human's call.
  molecule_timeout: 'none',
  // The town's ledger could not reach its git branch: a remote or a record for the human to fix.
  ledger_unwritten: 'none'
}

export const DEFAULT_SEVERITY: Record<Exclude<IncidentKind, 'check_failed' | 'escalated'>, Severity> = {
  crashed: 'P1',
  exited_without_done: 'P1',
  never_started: 'P1',
  blocked_screen: 'P1',
  at_prompt_without_done: 'P2',
  stuck: 'P1',
  no_progress: 'P2',
  mass_death: 'P0',
  branch_unsafe: 'P2',
  merge_failed: 'P1',
  merge_conflict: 'P1',
  molecule_timeout: 'P1',
  ledger_unwritten: 'P1'
}

/** The subject of the nudge's mail: merge failures are the FIX_NEEDED the agent's instructions speak of. */
export const nudgeSubject = (i: Incident): string => (i.kind === 'merge_failed' || i.kind === 'merge_conflict' ? 'FIX_NEEDED' : 'From the witness')

/** The words the nudge gives the agent: what happened and what to do. */
export function nudgeText(i: Incident): string {
  const excerpt = i.excerpt ? `\n\n${i.excerpt.slice(-4000)}` : ''
  switch (i.kind) {
    case 'merge_failed':
      return `FIX_NEEDED: the refinery tested your branch on top of the target and the rig's checks failed (${i.body}). Fix it on your branch, commit, and run gt done again.${excerpt}`
    case 'merge_conflict':
      return `FIX_NEEDED: your branch conflicts with the target (${i.body}). Rebase it onto the target (git fetch origin, then git rebase origin/<target>), resolve the conflicts in these files, commit, and run gt done again.${excerpt}`
    case 'check_failed':
      return `The witness ran the rig's checks on your worktree: ${i.title}. Fix it, commit, and checkpoint.${excerpt}`
    case 'at_prompt_without_done':
      return 'Your turn ended but your bead is not done. Carry on with the work; when it is finished and committed, run `gt done --summary "…"`. If you are blocked, say why with `gt escalate`.'
    case 'stuck':
      return `Nothing has happened in your terminal for a while (${i.body}). If a command hangs, stop it; if you are blocked, say why with \`gt escalate\`; otherwise carry on.`
    case 'no_progress':
      return 'You have made no commit, checkpoint or note for a long time. Are you stuck? Commit what works, record where you are with `gt checkpoint`, or `gt escalate` if you need a human.'
    default:
      return `${i.title}.${excerpt}`
  }
}
