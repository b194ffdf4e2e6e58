// The first prompt every agent gets. It is short on purpose: the full context comes from `gt prime`,
// which the agent runs again after a restart or a context compaction.
import type { Bead } from '../../../shared/domain'

/**
 * The title as it may appear in the prompt. The prompt goes into the agent's argv (where a NUL ends it)
 * and, for promptMode "type", is typed into its terminal as keystrokes (where a CR submits half of it,
 * ^C interrupts and ESC starts a sequence). The contract refuses such characters in new titles; one
 * stored before that check is shown with U+FFFD in their place, and `gt prime` gives the agent the rest.
 */
const promptSafe = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '\uFFFD')

/** `resuming`: why this session follows an earlier one (a restart by the Dogs, a crash): it says so first. */
export function firstPrompt(p: { polecat: string; bead: Bead; rig: string; branch: string; resuming?: string }): string {
  return [
    ...(p.resuming ? [`You are resuming: an earlier session on this bead ended (${promptSafe(p.resuming).slice(0, 600)}). Your worktree, branch, commits and checkpoint are as it left them.`] : []),
    `You are polecat ${p.polecat} in Gas Town. Bead ${p.bead.id} is on your hook: "${promptSafe(p.bead.title)}".`,
    `Run \`gt prime\` now to read your full context (the bead, your last checkpoint, mail, notes of past attempts), then do the work in this worktree on branch ${p.branch}.`,
    'Commit after each meaningful step, record progress with `gt checkpoint` and decisions or failures with `gt note`, and finish with `gt done --summary "…"`.'
  ].join(' ')
}

/**
 * A runtime's argv with `{prompt}` and `{command}` filled in: every placeholder, in one pass, literally.
 * String.replace with a string expands `$&`, `` $` `` and `$'` in the replacement, replaces only the first
 * placeholder, and chained calls would expand a `{command}` that came in with the prompt's bead title.
 */
export function fillCommand(template: readonly string[], values: { prompt: string; command: string }): string[] {
  return template.map((arg) => arg.replace(/\{(prompt|command)\}/g, (_, name: 'prompt' | 'command') => values[name]))
}

export const DIRECTIVES = [
  'Work on your hook: if a bead is hooked to you, do it now, without preamble.',
  'Commit after each meaningful step; `gt done` pushes your branch.',
  'Record progress with `gt checkpoint` (JSON) so a successor can resume where you stopped.',
  'Record decisions, dead ends and failures with `gt note` — the next agent reads them.',
  'Stuck or need a human decision? `gt escalate --severity P0|P1|P2 --title "…"`.',
  'Finish with `gt done --summary "…"`; it refuses if your branch has no commits.'
]
