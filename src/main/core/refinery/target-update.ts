// Moves the target branch on the rig's origin to a tested candidate with a compare-and-swap: it moves only
// if it is still where the candidate was built, and a concurrent push is never overwritten.
//   A bare origin, a URL, or a working copy whose target is not checked out: `git push` with
//   --force-with-lease=<target>:<expected> (never a plain force); a lost lease is 'moved'.
//   A working copy with the target checked out (its main worktree or a linked one): git refuses that push
//   (receive.denyCurrentBranch), which desktop tools report as nothing at all. Here the candidate goes to a
//   hidden ref of the origin and the user's checked-out branch is fast-forwarded to it (`merge --ff-only`,
//   so their files follow and anything they committed meanwhile stops it), only when that worktree is clean;
//   otherwise 'blocked', naming the folder and what is uncommitted.
// The user's other branches and files are never touched.
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gitFailure, gitOk, runGit } from './git-exec'
import { listWorktrees } from './worktree-list'

export interface UpdateTargetInput {
  repo: string
  /** 'origin' */
  remote: string
  targetBranch: string
  expectedSha: string
  newSha: string
}

export type UpdateTargetResult =
  | { status: 'updated'; how: 'push' | 'working-copy-fast-forward'; sha: string }
  /** The target is not expectedSha any more: someone pushed; nothing changed. */
  | { status: 'moved'; actualSha: string }
  /** The target is checked out in the user's working copy with uncommitted changes (or an operation in progress). */
  | { status: 'blocked'; reason: string; path?: string }
  | { status: 'failed'; reason: string }

/** Where the candidate waits in a working-copy origin while its checked-out branch is fast-forwarded. */
export const INCOMING_REF = 'refs/gt/refinery/incoming'
const NETWORK_TIMEOUT_MS = 120_000
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.startsWith('-') || CONTROL.test(value) || /\s/.test(value))
    throw new TypeError(`${what} must be a name without spaces or control characters, not starting with '-': got ${JSON.stringify(value)}`)
  return value
}

async function validBranch(repo: string, branch: string): Promise<void> {
  name(branch, 'targetBranch')
  const r = await runGit(repo, ['check-ref-format', '--branch', branch])
  if (r.code !== 0 || r.stdout.trim() !== branch) throw new TypeError(`targetBranch ${branch} is not a branch name git accepts`)
}

function validSha(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SHA.test(value)) throw new TypeError(`${what} must be a full lowercase commit sha, got ${String(value)}`)
  return value
}

/** The remote's target sha as the remote says it now (ls-remote, no fetch); null when the branch does not exist. */
export async function remoteTargetSha(repo: string, remote: string, branch: string): Promise<string | null> {
  name(remote, 'remote')
  await validBranch(repo, branch)
  const out = await gitOk(repo, ['ls-remote', remote, `refs/heads/${branch}`], { timeoutMs: NETWORK_TIMEOUT_MS })
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t')
    if (ref === `refs/heads/${branch}` && SHA.test(sha)) return sha
  }
  return null
}

/** The folder a remote URL names when it is on this machine (a path or file://), else null. */
export function localRemotePath(url: string, repo: string): string | null {
  let path: string | null = null
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url)
    } catch {
      return null
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null
  else if (/^[^/]*:/.test(url) && !/^[a-z]:[\\/]/i.test(url)) return null // scp-like host:path
  else path = resolve(repo, url)
  return existsSync(path) && statSync(path).isDirectory() ? path : null
}

async function gitDirOf(worktree: string): Promise<string> {
  return (await gitOk(worktree, ['rev-parse', '--absolute-git-dir'])).trim()
}

/** What stops a fast-forward of `worktree` (uncommitted changes, an operation in progress), or null. */
async function whatIsDirty(worktree: string): Promise<string | null> {
  const gitDir = await gitDirOf(worktree)
  const ops: [string, string][] = [
    ['MERGE_HEAD', 'a merge'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase or am'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
    ['BISECT_LOG', 'a bisect'],
    ['sequencer', 'a cherry-pick or revert']
  ]
  for (const [file, what] of ops) if (existsSync(join(gitDir, file))) return `${what} is in progress`
  const status = await gitOk(worktree, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=none'])
  const entries = status.split('\0').filter(Boolean)
  const changed: string[] = []
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]
    changed.push(`${e.slice(0, 2).trim()} ${e.slice(3)}`)
    if (e[0] === 'R' || e[0] === 'C') k++ // the rename's source path follows
  }
  if (!changed.length) return null
  const shown = changed.slice(0, 10).join(', ')
  return `uncommitted changes (${shown}${changed.length > 10 ? `, and ${changed.length - 10} more` : ''})`
}

async function readBranch(repo: string, branch: string): Promise<string | null> {
  const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])
  return r.code === 0 ? r.stdout.trim() : null
}

async function refreshTracking(i: UpdateTargetInput): Promise<void> {
  const tracking = `refs/remotes/${i.remote}/${i.targetBranch}`
  const r = await runGit(i.repo, ['fetch', '-q', '--no-tags', i.remote, `+refs/heads/${i.targetBranch}:${tracking}`], { timeoutMs: NETWORK_TIMEOUT_MS })
  // The push succeeded, so the remote held newSha a moment ago; a fetch that fails still leaves that truth.
  if (r.code !== 0) await runGit(i.repo, ['update-ref', tracking, i.newSha])
}

async function movedOrFailed(i: UpdateTargetInput, reason: string): Promise<UpdateTargetResult> {
  const actual = await remoteTargetSha(i.repo, i.remote, i.targetBranch).catch(() => null)
  if (actual && actual !== i.expectedSha) return { status: 'moved', actualSha: actual }
  return { status: 'failed', reason }
}

async function leasePush(i: UpdateTargetInput): Promise<UpdateTargetResult> {
  const target = `refs/heads/${i.targetBranch}`
  const r = await runGit(i.repo, ['push', '--porcelain', `--force-with-lease=${target}:${i.expectedSha}`, i.remote, `${i.newSha}:${target}`], { timeoutMs: NETWORK_TIMEOUT_MS })
  // git push moves refs/remotes/<remote>/<target> itself (the clone's fetch refspec maps it): no fetch needed.
  if (r.code === 0) return { status: 'updated', how: 'push', sha: i.newSha }
  const line = r.stdout.split('\n').find((l) => l.startsWith('!\t')) ?? ''
  const why = line.split('\t')[2] ?? gitFailure(r)
  if (/stale info|fetch first|non-fast-forward/.test(why)) {
    const actual = await remoteTargetSha(i.repo, i.remote, i.targetBranch).catch(() => null)
    if (actual === null) return { status: 'failed', reason: `${i.targetBranch} on ${i.remote} is gone (the push was refused: ${why})` }
    if (actual !== i.expectedSha) return { status: 'moved', actualSha: actual }
  }
  if (/checked out|denyCurrentBranch/.test(r.stdout + r.stderr))
    return { status: 'failed', reason: `${i.remote} refused the push because ${i.targetBranch} is checked out there: ${why}` }
  return movedOrFailed(i, `pushing ${i.targetBranch} to ${i.remote} failed: ${why}`)
}

async function fastForwardWorkingCopy(i: UpdateTargetInput, origin: string, worktree: string): Promise<UpdateTargetResult> {
  const target = `refs/heads/${i.targetBranch}`
  const actual = await readBranch(origin, i.targetBranch)
  if (actual === null) return { status: 'failed', reason: `${i.targetBranch} does not exist in ${origin}` }
  if (actual !== i.expectedSha) return { status: 'moved', actualSha: actual }
  const onTarget = await runGit(worktree, ['symbolic-ref', '-q', 'HEAD'])
  // The user switched branches since the listing: the target is no longer checked out, a push will do.
  if (onTarget.stdout.trim() !== target) return leasePush(i)
  const dirty = await whatIsDirty(worktree)
  if (dirty) return { status: 'blocked', reason: `${i.targetBranch} is checked out in ${worktree} with ${dirty}: commit or stash them there, then run the queue again`, path: worktree }

  const pushed = await runGit(i.repo, ['push', '--porcelain', '--no-verify', i.remote, `+${i.newSha}:${INCOMING_REF}`], { timeoutMs: NETWORK_TIMEOUT_MS })
  if (pushed.code !== 0) return { status: 'failed', reason: `sending the candidate to ${origin} failed: ${gitFailure(pushed)}` }
  try {
    const now = await readBranch(origin, i.targetBranch)
    if (now !== i.expectedSha) return now ? { status: 'moved', actualSha: now } : { status: 'failed', reason: `${i.targetBranch} was deleted in ${origin}` }
    // --ff-only: the branch moves only forward to the tested commit; a commit made there meanwhile stops it.
    const ff = await runGit(worktree, ['merge', '--ff-only', '-q', '--no-stat', i.newSha])
    if (ff.code !== 0) {
      const after = await readBranch(origin, i.targetBranch)
      if (after && after !== i.expectedSha) return { status: 'moved', actualSha: after }
      return { status: 'blocked', reason: `fast-forwarding ${i.targetBranch} in ${worktree} was refused: ${gitFailure(ff)}`, path: worktree }
    }
  } finally {
    await runGit(origin, ['update-ref', '-d', INCOMING_REF])
  }
  await refreshTracking(i)
  return { status: 'updated', how: 'working-copy-fast-forward', sha: i.newSha }
}

export async function updateTarget(i: UpdateTargetInput): Promise<UpdateTargetResult> {
  if (!i || typeof i.repo !== 'string' || !i.repo) throw new TypeError('updateTarget needs the repository (rig.path)')
  name(i.remote, 'remote')
  await validBranch(i.repo, i.targetBranch)
  validSha(i.expectedSha, 'expectedSha')
  validSha(i.newSha, 'newSha')
  const url = await runGit(i.repo, ['remote', 'get-url', '--push', i.remote])
  if (url.code !== 0) return { status: 'failed', reason: `${i.repo} has no remote ${i.remote}: ${gitFailure(url)}` }
  const origin = localRemotePath(url.stdout.trim(), i.repo)
  if (origin) {
    const worktrees = await listWorktrees(origin).catch(() => [])
    const holder = worktrees.find((w) => !w.bare && !w.prunable && w.branch === `refs/heads/${i.targetBranch}`)
    if (holder) return fastForwardWorkingCopy(i, origin, holder.path)
  }
  return leasePush(i)
}
