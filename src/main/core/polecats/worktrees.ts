// A polecat's hook on disk: its git worktree on its own branch, with the hook's .gt/ folder (session logs)
// kept out of git for every worktree of the rig.
import { existsSync, readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { branchExists, excludeFromGit, git, refExists } from '../git/git'
import { inWorktreeRegistryTurn } from '../git/worktree-registry'

/**
 * `git worktree add` at the hook's path. A worktree lost while its session was recorded as running comes back
 * as a folder holding only .gt/ (start-up writes the interrupted session's end into its log there), and git
 * adds into no folder that is not empty: the hook's .gt/ is moved beside it for the add and put back after,
 * so the session logs stay. (A .gt/ left beside it by an add that died half-way is put back the same way.)
 */
async function addWorktree(rigPath: string, worktree: string, args: string[]): Promise<void> {
  const hook = join(worktree, '.gt')
  const aside = `${worktree}.gt-kept`
  if (existsSync(hook) && readdirSync(worktree).every((e) => e === '.gt') && !existsSync(aside)) renameSync(hook, aside)
  try {
    await inWorktreeRegistryTurn(rigPath, () => git(rigPath).raw(['worktree', 'add', ...args]))
  } finally {
    if (existsSync(aside) && !existsSync(hook)) renameSync(aside, hook)
  }
}

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
    await inWorktreeRegistryTurn(rigPath, () => repo.raw(['worktree', 'prune']))
    if (await branchExists(rigPath, branch)) {
      await addWorktree(rigPath, worktree, [worktree, branch])
      source = 'local-branch'
    } else if (await onRemote()) {
      await addWorktree(rigPath, worktree, ['-b', branch, worktree, `origin/${branch}`])
      source = 'remote-branch'
    } else {
      await addWorktree(rigPath, worktree, ['-b', branch, worktree, base])
      source = 'base'
    }
  }
  await excludeFromGit(rigPath, '.gt/')
  return source
}

/** The base a polecat branch starts from: the rig's remote default branch when it can be fetched. */
export async function baseRef(rigPath: string, defaultBranch: string, opts: { fetch?: boolean } = {}): Promise<string> {
  if (opts.fetch !== false) {
    await git(rigPath)
      .fetch('origin')
      .catch(() => {}) // offline or source gone: start from what the town's clone has
  }
  return (await refExists(rigPath, `origin/${defaultBranch}`)) ? `origin/${defaultBranch}` : defaultBranch
}

/**
 * Gets many worktrees of one rig back at once (start-up recovery): one prune, one listing of the branches the
 * clone and its origin have, then one `git worktree add` per polecat — the same commands a person would run,
 * and nothing more. Each gets its branch from the clone, else from origin, else from the base. Results in order;
 * one that fails does not stop the others.
 */
export async function recreateWorktrees(rigPath: string, base: string, items: { worktree: string; branch: string }[]): Promise<(WorktreeSource | Error)[]> {
  const repo = git(rigPath)
  await inWorktreeRegistryTurn(rigPath, () => repo.raw(['worktree', 'prune']))
  const refs = new Set((await repo.raw(['for-each-ref', '--format=%(refname)', 'refs/heads/', 'refs/remotes/origin/'])).split('\n').filter(Boolean))
  const out: (WorktreeSource | Error)[] = []
  for (const { worktree, branch } of items) {
    try {
      if (existsSync(join(worktree, '.git'))) {
        out.push(await ensureWorktree(rigPath, base, worktree, branch))
        continue
      }
      if (refs.has(`refs/heads/${branch}`)) {
        await addWorktree(rigPath, worktree, [worktree, branch])
        out.push('local-branch')
      } else if (refs.has(`refs/remotes/origin/${branch}`)) {
        await addWorktree(rigPath, worktree, ['-b', branch, worktree, `origin/${branch}`])
        out.push('remote-branch')
      } else {
        await addWorktree(rigPath, worktree, ['-b', branch, worktree, base])
        out.push('base')
      }
    } catch (err) {
      out.push(err as Error)
    }
  }
  await excludeFromGit(rigPath, '.gt/')
  return out
}
