// A polecat's hook on disk: its git worktree on its own branch, with the hook's .gt/ folder (session logs)
// kept out of git for every worktree of the rig.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { branchExists, excludeFromGit, git, refExists } from '../git/git'

/** Where a worktree's branch came from: it was there, the clone had it, the remote had it, or it is new from the base. */
export type WorktreeSource = 'present' | 'local-branch' | 'remote-branch' | 'base'

/**
 * Creates (or re-uses) the worktree on the polecat branch. Safe to run again for the same polecat and bead.
 * A branch the clone lost (its disk went) is taken from the rig's origin, where the app pushes it; only a
 * branch nowhere to be found starts again from the base.
 */
export async function ensureWorktree(rigPath: string, base: string, worktree: string, branch: string): Promise<WorktreeSource> {
  const repo = git(rigPath)
  const onRemote = async () => refExists(rigPath, `refs/remotes/origin/${branch}`)
  let source: WorktreeSource
  if (existsSync(join(worktree, '.git'))) {
    const wt = git(worktree)
    if (await branchExists(rigPath, branch)) {
      await wt.checkout(branch)
      source = 'present'
    } else if (await onRemote()) {
      await wt.checkout(['-b', branch, `origin/${branch}`])
      source = 'remote-branch'
    } else {
      await wt.checkout(['-b', branch, base])
      source = 'base'
    }
  } else {
    await repo.raw(['worktree', 'prune'])
    if (await branchExists(rigPath, branch)) {
      await repo.raw(['worktree', 'add', worktree, branch])
      source = 'local-branch'
    } else if (await onRemote()) {
      await repo.raw(['worktree', 'add', '-b', branch, worktree, `origin/${branch}`])
      source = 'remote-branch'
    } else {
      await repo.raw(['worktree', 'add', '-b', branch, worktree, base])
      source = 'base'
    }
  }
  await excludeFromGit(rigPath, '.gt/')
  return source
}

/** The base a polecat branch starts from: the rig's remote default branch when it can be fetched. */
export async function baseRef(rigPath: string, defaultBranch: string): Promise<string> {
  await git(rigPath)
    .fetch('origin')
    .catch(() => {}) // offline or source gone: start from what the town's clone has
  return (await refExists(rigPath, `origin/${defaultBranch}`)) ? `origin/${defaultBranch}` : defaultBranch
}
