// The first prompt every agent gets. It is short on purpose: the full context comes from `gt prime`,
// which the agent runs again after a restart or a context compaction.
import type { Bead } from '../../../shared/domain'

export function firstPrompt(p: { polecat: string; bead: Bead; rig: string; branch: string }): string {
  return [
    `You are polecat ${p.polecat} in Gas Town. Bead ${p.bead.id} is on your hook: "${p.bead.title}".`,
    `Run \`gt prime\` now to read your full context (the bead, your last checkpoint, mail, notes of past attempts), then do the work in this worktree on branch ${p.branch}.`,
    'Commit after each meaningful step, record progress with `gt checkpoint` and decisions or failures with `gt note`, and finish with `gt done --summary "…"`.'
  ].join(' ')
}

export const DIRECTIVES = [
  'Work on your hook: if a bead is hooked to you, do it now, without preamble.',
  'Commit after each meaningful step; `gt done` pushes your branch.',
  'Record progress with `gt checkpoint` (JSON) so a successor can resume where you stopped.',
  'Record decisions, dead ends and failures with `gt note` — the next agent reads them.',
  'Stuck or need a human decision? `gt escalate --severity P0|P1|P2 --title "…"`.',
  'Finish with `gt done --summary "…"`; it refuses if your branch has no commits.'
]
