// The `gt prime` text: everything an agent needs to start (or resume) its work, in one place so the agent
// gets the same words from `gt prime` in its terminal and from its runtime's SessionStart hook. Inert text:
// whatever agents and people wrote is passed through safeText/safeLine.
import type { MoleculeInstance, PrimeContext } from '../../../shared/domain'
import { safeJson, safeLine as L, safeText } from '../../../shared/safe-text'

export function primeText(p: PrimeContext): string {
  const parts: string[] = []
  parts.push(`# You are polecat ${L(p.polecat.id)} (rig ${L(p.rig.name)}, branch ${L(p.polecat.branch ?? '-')})`)
  parts.push(`Worktree: ${L(p.polecat.worktree)}`)
  if (p.bead) {
    parts.push(`\n## On your hook: ${L(p.bead.id)} — ${L(p.bead.title)} (P${p.bead.priority}, ${p.bead.status})`)
    if (p.bead.description) parts.push(safeText(p.bead.description))
  } else parts.push('\n## Nothing is on your hook.')
  if (p.molecule) parts.push(moleculeText(p.molecule, p.attempts.length > 0))
  parts.push(`\n## Latest checkpoint\n${p.checkpoint ? `${p.checkpoint.at}: ${safeJson(p.checkpoint.data)}` : '(none: start from the beginning)'}`)
  parts.push(`\n## Commits on your branch (newest first)\n${p.recentCommits.map((c) => `- ${c.sha} ${c.at} ${L(c.subject)}`).join('\n') || '(none yet)'}`)
  const previous = p.attempts[0]
  if (previous) parts.push(`\n## The previous session ended: ${L(previous.endReason ?? 'interrupted')} (${previous.id}, ${previous.endedAt ?? 'not recorded'})`)
  if (p.attempts.length) parts.push(`\n## Past attempts on this bead\n${p.attempts.map((a) => `- ${L(a.id)} by ${L(a.polecatId)}: ${L(a.endReason ?? 'running')} (${a.startedAt} → ${a.endedAt ?? '…'})`).join('\n')}`)
  const notes = p.notes.filter((n) => n.kind === 'agent.note' || n.kind === 'agent.escalate' || n.kind === 'session.ended' || n.kind === 'agent.done')
  if (notes.length) parts.push(`\n## Notes from the ledger\n${notes.map((n) => `- ${n.at} ${L(n.actor)} ${L(n.kind)}: ${safeJson(n.data)}`).join('\n')}`)
  if (p.decisions.length) {
    parts.push(
      `\n## Decisions the human made about your requests\n${p.decisions
        .map((d) => `- ${d.at} ${L(d.what)}: ${L(d.decision)}${d.by ? ` by ${L(d.by)}` : ''}${d.reason ? ` — ${L(d.reason)}` : ''}`)
        .join('\n')}`
    )
  }
  if (p.mail.length) parts.push(`\n## Mail (${p.mail.length} unread; gt mail check to read and mark it)\n${p.mail.map((m) => `- from ${L(m.from)}: ${L(m.subject)}`).join('\n')}`)
  parts.push(`\n## Other open beads in ${L(p.rig.name)}\n${p.openBeads.filter((b) => b.id !== p.bead?.id).map((b) => `- ${L(b.id)} P${b.priority} ${b.status}: ${L(b.title)}`).join('\n') || '(none)'}`)
  parts.push(`\n## Directives\n${p.directives.map((d) => `- ${d}`).join('\n')}`)
  return parts.join('\n') + '\n'
}

const MARK = { done: '✓', current: '→', ready: '·', waiting: '·' } as const

/**
 * The molecule's checklist (✓ done, → current, · later) with the current step in full. A resumed agent — a
 * session after an earlier one on the bead — is told where to continue, so it does not redo done steps.
 */
function moleculeText(m: MoleculeInstance, resumed: boolean): string {
  const total = m.steps.length
  const current = m.steps.find((s) => s.id === m.current) ?? null
  const lines: string[] = [`\n## Molecule ${L(m.name)}: ${total === 0 ? 'no steps' : current ? `step ${m.steps.indexOf(current) + 1} of ${total}` : `all ${total} steps done`}`]
  if (m.description) lines.push(safeText(m.description))
  if (m.timeout) lines.push(`Time limit: ${L(m.timeout.text)} from its pour, until ${m.deadline}; past it the witness tells the human.`)
  if (resumed && current && m.done > 0) {
    lines.push(`You are resuming: ${m.done} of ${total} steps are done (✓ below, with their summaries). Continue at step "${L(current.id)}"; do not redo done steps.`)
  } else if (resumed && current) lines.push(`You are resuming: no step is done yet. Continue at step "${L(current.id)}".`)
  for (const s of m.steps) lines.push(`${MARK[s.state]} ${L(s.id)} — ${L(s.title)}${s.state === 'done' && s.summary ? ` (done: ${L(s.summary)})` : ''}`)
  if (current) {
    lines.push(`\n### Now: ${L(current.id)} — ${L(current.title)}`)
    if (current.description) lines.push(safeText(current.description))
    if (current.acceptance) lines.push(`Done when: ${safeText(current.acceptance)}`)
    lines.push('When that holds: gt mol advance --summary "what you did" (closes the step, checkpoints, gives the next). gt mol current shows this step again.')
  } else if (total > 0) lines.push('Every step is done: finish with gt done --summary "…".')
  return lines.join('\n')
}
