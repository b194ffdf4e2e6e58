// A polecat's hook on disk: its git worktree on its own branch, with the hook's .gt/ folder (session logs)
// kept out of git for every worktree of the rig.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { branchExists, excludeFromGit, git, refExists } from '../git/git'

/** Creates (or re-uses) the worktree on the polecat branch. Safe to run again for the same polecat and bead. */
export async function ensureWorktree(rigPath: string, base: string, worktree: string, branch: string): Promise<void> {
  const repo = git(rigPath)
  if (existsSync(join(worktree, '.git'))) {
    const wt = git(worktree)
    if (await branchExists(rigPath, branch)) await wt.checkout(branch)
    else await wt.checkout(['-b', branch, base])
  } else {
    await repo.raw(['worktree', 'prune'])
    if (await branchExists(rigPath, branch)) await repo.raw(['worktree', 'add', worktree, branch])
    else await repo.raw(['worktree', 'add', '-b', branch, worktree, base])
  }
  await excludeFromGit(rigPath, '.gt/')
}

/** The base a polecat branch starts from: the rig's remote default branch when it can be fetched. */
export async function baseRef(rigPath: string, defaultBranch: string): Promise<string> {
  await git(rigPath)
    .fetch('origin')
    .catch(() => {}) // offline or source gone: start from what the town's clone has
  return (await refExists(rigPath, `origin/${defaultBranch}`)) ? `origin/${defaultBranch}` : defaultBranch
}
