// A polecat branch's changes at a glance, for the human deciding about it: what its worktree holds now
// (committed and not) against where the branch left its base.
import { git, refExists } from './git'

export async function diffStatOf(worktree: string, defaultBranch: string): Promise<string | null> {
  const base = (await refExists(worktree, `origin/${defaultBranch}`)) ? `origin/${defaultBranch}` : defaultBranch
  const mergeBase = (await git(worktree).raw(['merge-base', '--end-of-options', 'HEAD', base]).catch(() => '')).trim()
  if (!mergeBase) return null
  const stat = (await git(worktree).raw(['diff', '--stat=120', '--end-of-options', mergeBase]).catch(() => '')).trimEnd()
  return stat || '(no changes yet)'
}

/** What a merge candidate changes on its target: `git diff --stat` between two commits. */
export async function diffStatBetween(repo: string, from: string, to: string): Promise<string | null> {
  const stat = (await git(repo).raw(['diff', '--stat=120', '--end-of-options', from, to]).catch(() => '')).trimEnd()
  return stat || null
}
