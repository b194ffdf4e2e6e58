// The refinery's own worktree of the rig's clone: detached, registered in the clone (so it shares its objects
// and refs and `git worktree prune` keeps it), reset and cleaned before each candidate, and made again when it
// is missing or broken. It is never a folder that holds someone's branch or someone's files: a registered
// worktree with a branch checked out, or a folder that is not one of the clone's worktrees, is refused.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { gitOk, runGit } from './git-exec'
import { listWorktrees, samePath, type WorktreeEntry } from './worktree-list'
import { inWorktreeRegistryTurn } from '../git/worktree-registry'

/** Where a worktree keeps its own state (HEAD, index, rebase-merge/…): from its `.git` file, if it has one. */
function worktreeGitDir(scratch: string): string | null {
  try {
    const text = readFileSync(join(scratch, '.git'), 'utf8')
    const m = /^gitdir: (.+)$/m.exec(text)
    if (!m) return null
    const dir = resolve(scratch, m[1].trim())
    return existsSync(join(dir, 'HEAD')) ? dir : null
  } catch {
    return null
  }
}

/** Whether a folder's `.git` file says it was a worktree of `commonDir` (a registration since pruned). */
function wasWorktreeOf(scratch: string, commonDir: string): boolean {
  try {
    const m = /^gitdir: (.+)$/m.exec(readFileSync(join(scratch, '.git'), 'utf8'))
    return !!m && resolve(scratch, m[1].trim()).startsWith(join(commonDir, 'worktrees') + '/')
  } catch {
    return false
  }
}

async function findEntry(repo: string, scratch: string): Promise<WorktreeEntry | undefined> {
  return (await listWorktrees(repo)).find((w) => samePath(w.path, scratch))
}

function refuseForeign(entry: WorktreeEntry | undefined, repo: string, scratch: string): void {
  if (entry?.bare || (entry && samePath(entry.path, repo)))
    throw new Error(`refusing to use ${scratch} as the refinery's scratch worktree: it is the repository ${repo} itself; choose another folder`)
  if (entry?.branch)
    throw new Error(
      `refusing to use ${scratch} as the refinery's scratch worktree: it has ${entry.branch.replace(/^refs\/heads\//, '')} checked out, so it is someone's worktree; choose another folder`
    )
}

/** Detached at `sha`, no changes, nothing untracked or ignored, no operation in progress. */
async function resetScratch(scratch: string, sha: string): Promise<void> {
  const gitDir = worktreeGitDir(scratch)
  if (!gitDir) throw new Error(`${scratch} has no usable .git file`)
  // Only the refinery works here and only one runs per town: whatever a killed build left is stale.
  for (const leftover of ['index.lock', 'rebase-merge', 'rebase-apply', 'sequencer']) rmSync(join(gitDir, leftover), { recursive: true, force: true })
  await gitOk(scratch, ['-c', 'advice.detachedHead=false', 'checkout', '-q', '-f', '--detach', sha])
  await gitOk(scratch, ['clean', '-ffdxq'])
}

/**
 * Makes `scratch` a clean detached worktree of `repo` at `sha`, reusing it when it is sound. Returns the
 * worktree's own git folder (its HEAD file holds the detached sha: read without running git). Several
 * scratch worktrees of one repository may be prepared at once.
 */
export async function prepareScratch(repo: string, scratch: string, sha: string): Promise<string> {
  if (!isAbsolute(scratch)) throw new Error(`the refinery's scratch worktree must be an absolute path, got ${scratch}`)
  if (samePath(repo, scratch)) throw new Error(`refusing to use ${scratch} as the refinery's scratch worktree: it is the repository ${repo} itself; choose another folder`)
  const entry = await inWorktreeRegistryTurn(repo, () => findEntry(repo, scratch))
  refuseForeign(entry, repo, scratch)
  if (entry && !entry.prunable && existsSync(scratch)) {
    try {
      // Its own index and HEAD only: side by side with the others.
      await resetScratch(scratch, sha)
      return worktreeGitDir(scratch) as string
    } catch {
      // broken (its state files damaged, its .git file gone): made again below
    }
  }
  return inWorktreeRegistryTurn(repo, () => addScratch(repo, scratch, sha, entry))
}

async function addScratch(repo: string, scratch: string, sha: string, entry: Awaited<ReturnType<typeof findEntry>>): Promise<string> {
  if (existsSync(scratch)) {
    const commonDir = (await gitOk(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim()
    const empty = readdirSync(scratch).length === 0
    if (!entry && !empty && !wasWorktreeOf(scratch, commonDir))
      throw new Error(`refusing to use ${scratch} as the refinery's scratch worktree: it exists and is not a worktree of ${repo}; remove it or choose another folder`)
    rmSync(scratch, { recursive: true, force: true })
  }
  await mkdir(dirname(scratch), { recursive: true })
  // --force twice: the folder may still be registered (missing, or locked by an add that was killed).
  await gitOk(repo, ['-c', 'advice.detachedHead=false', 'worktree', 'add', '-q', '--force', '--force', '--detach', scratch, sha])
  const gitDir = worktreeGitDir(scratch)
  if (!gitDir) throw new Error(`git worktree add made ${scratch} without a usable .git file`)
  return gitDir
}

/** Removes the scratch worktree and its registration; a branch checked out there means it is not ours: refused. */
export async function removeScratch(repo: string, scratch: string): Promise<void> {
  if (!isAbsolute(scratch)) throw new Error(`the refinery's scratch worktree must be an absolute path, got ${scratch}`)
  return inWorktreeRegistryTurn(repo, () => removeRegistered(repo, scratch))
}

async function removeRegistered(repo: string, scratch: string): Promise<void> {
  const entry = await findEntry(repo, scratch)
  if (!entry) return
  refuseForeign(entry, repo, scratch)
  const r = await runGit(repo, ['worktree', 'remove', '--force', '--force', scratch])
  if (r.code === 0) return
  // A broken worktree git will not remove: the folder goes, then its registration (git removes a missing
  // worktree's registration; `worktree prune` would also drop other worktrees whose folders are gone).
  rmSync(scratch, { recursive: true, force: true })
  await gitOk(repo, ['worktree', 'remove', '--force', '--force', scratch])
}
