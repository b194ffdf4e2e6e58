// The words of the recovery banner and the quitting overlay, kept apart from React so they can be tested:
// the summary line ("Recovering: 3 rigs, 7 polecats"), each step's state in a word or two (fetching, cloning,
// worktree recreated, waiting the grace period, dispatched, failed…), and whether a report had errors.
// The core's own detail for a step is shown beside these words, as it says it.
import type { RecoveryReport } from '../../../shared/domain'

export type RecoveryStep = RecoveryReport['rigs'][number]
export type StepKind = 'rig' | 'polecat'
/** How a step looks: its colour follows its outcome, not its words. */
export type StepTone = 'pending' | 'active' | 'ok' | 'failed' | 'skipped'

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

export const failedSteps = (r: RecoveryReport): RecoveryStep[] => [...r.rigs, ...r.polecats].filter((s) => s.state === 'failed')

/** Whether the user must look at it: a step failed (a bead held back by the respawn cap goes to the Inbox as a P0). */
export function hadErrors(r: RecoveryReport): boolean {
  return failedSteps(r).length > 0
}

/** One line for the banner: what runs while it runs, what came of it once finished. */
export function summaryLine(r: RecoveryReport): string {
  const what = `${plural(r.rigs.length, 'rig')}, ${plural(r.polecats.length, 'polecat')}`
  if (!r.finishedAt) return `Recovering: ${what}`
  const resumed = r.polecats.filter((p) => p.state === 'done').length
  const failed = failedSteps(r).length
  const outcome = `${resumed} of ${plural(r.polecats.length, 'polecat')} resumed`
  return failed > 0 ? `Recovery finished with ${plural(failed, 'failure')}: ${outcome}` : `Recovery finished: ${outcome}`
}

/** The step's state in a word or two, read from its state and (where the state alone says too little) the core's detail. */
export function stepState(kind: StepKind, s: RecoveryStep): string {
  const detail = s.detail ?? ''
  if (kind === 'rig') {
    switch (s.state) {
      case 'waiting':
        return 'waiting'
      case 'working':
        if (detail.startsWith('cloning')) return 'cloning'
        if (detail.startsWith('fetching')) return 'fetching'
        return 'fetching or cloning'
      case 'done':
        return detail.startsWith('cloned') ? 'cloned again' : 'fetched'
      case 'failed':
        return 'failed'
      case 'skipped':
        return 'skipped'
    }
  }
  switch (s.state) {
    case 'waiting':
      // Before its rig is ready there is no detail; once its worktree is back it waits out the grace period.
      return s.detail === null ? 'waiting for its rig' : 'waiting the grace period'
    case 'working':
      return detail === 'resuming' ? 'dispatching' : 'recreating its worktree'
    case 'done':
      return 'dispatched'
    case 'failed':
      return 'failed'
    case 'skipped':
      return 'not resumed'
  }
}

export function stepTone(s: RecoveryStep): StepTone {
  return ({ waiting: 'pending', working: 'active', done: 'ok', failed: 'failed', skipped: 'skipped' } as const)[s.state]
}

/**
 * Where the polecat's worktree came from, from the details its step went through (the core replaces the
 * detail as the step moves on, so "recreated from its local branch" is gone once it is dispatched).
 */
export function worktreeSource(details: readonly (string | null)[]): string | null {
  for (const d of details) {
    if (!d) continue
    if (d.startsWith('worktree recreated from its local branch')) return 'worktree recreated from its local branch'
    if (d.startsWith('worktree recreated from the branch on origin')) return 'worktree recreated from the branch on origin'
    if (d.startsWith('its branch was found nowhere')) return 'branch found nowhere: worktree started again from the base'
    if (d.startsWith('its worktree was there')) return 'its worktree was there'
  }
  return null
}

/** The quitting overlay's line: "Saving agents' work before quitting: 1 of 3", and once the control room is gone, what it got to. */
export function quittingLine(q: { done: number; total: number; stopped?: boolean }): string {
  if (q.total === 0) return q.stopped ? 'Quit: no agent had work to save' : 'Quitting: no agent has work to save'
  return q.stopped ? `Agents' work saved before quitting: ${q.done} of ${q.total}` : `Saving agents' work before quitting: ${q.done} of ${q.total}`
}
