// Thin git helpers over simple-git, shared by rigs, polecats and done.
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { simpleGit, type SimpleGit, type SimpleGitProgressEvent } from 'simple-git'

// simple-git strips GIT_* variables from the environment unless they are allowed by name. The core lets
// through only the ones it sets itself: git must never wait for a password prompt nobody can see.
const ALLOWED_ENV = ['GIT_TERMINAL_PROMPT', 'GIT_SSH_COMMAND', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']

/** The environment every git the core runs gets (ledger-sync/ and the refinery run plumbing with it through child_process). */
export function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (!/^(GIT_|EDITOR$|VISUAL$|PAGER$|PREFIX$|SSH_ASKPASS$)/i.test(k) || ALLOWED_ENV.includes(k))) env[k] = v
  env.GIT_TERMINAL_PROMPT = '0'
  env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes'
  return env
}

/**
 * `stallMs`: a git that prints nothing (no progress, no error) for this long is killed — a clone from a server
 * that accepted the connection and then went quiet would otherwise wait forever.
 */
export function git(dir: string, onProgress?: (e: SimpleGitProgressEvent) => void, opts: { stallMs?: number } = {}): SimpleGit {
  return simpleGit({
    baseDir: dir,
    progress: onProgress,
    timeout: opts.stallMs ? { block: opts.stallMs } : undefined,
    unsafe: { allowUnsafeSshCommand: true },
    allowEnvironment: ALLOWED_ENV
  }).env(gitEnv())
}

/** simple-git's error for a git killed by the stall timeout. */
export const isStallTimeout = (err: unknown): boolean => err instanceof Error && /block timeout reached/.test(err.message)

/** git's own last line of error output, without simple-git's wrapping. */
export function gitMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'))
  const fatal = lines.find((l) => l.startsWith('fatal:') || l.startsWith('error:'))
  return (fatal ?? lines[lines.length - 1] ?? text).replace(/^(fatal|error):\s*/, '')
}

/** A repository with a work tree, or a bare one (what a local remote looks like): git clone takes both. */
export async function isRepository(dir: string): Promise<boolean> {
  try {
    await git(dir).raw(['rev-parse', '--git-dir'])
    return true
  } catch {
    return false
  }
}

/**
 * A branch name git will not read as an option or refuse: no leading '-', and what
 * `git check-ref-format --branch` accepts. Names come from remotes (a clone's HEAD), so they are checked.
 */
export async function isSafeBranchName(repo: string, name: string): Promise<boolean> {
  if (!name || name.startsWith('-')) return false
  const out = await git(repo)
    .raw(['check-ref-format', '--branch', name])
    .catch(() => '')
  return out.trim() === name
}

/** Whether `ref` resolves to a commit. (simple-git resolves quiet failures, so read the output, not the exit.) */
export async function refExists(repo: string, ref: string): Promise<boolean> {
  const out = await git(repo)
    .raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
    .catch(() => '')
  return out.trim().length > 0
}

export const branchExists = (repo: string, branch: string): Promise<boolean> => refExists(repo, `refs/heads/${branch}`)

/** Number of commits on `branch` that are not on `base`. The range goes after --end-of-options: never an option. */
export async function commitsAhead(repo: string, base: string, branch: string): Promise<number> {
  const out = await git(repo).raw(['rev-list', '--count', '--end-of-options', `${base}..${branch}`])
  return Number(out.trim())
}

export async function isDirty(dir: string): Promise<boolean> {
  const status = await git(dir).status()
  return !status.isClean()
}

/**
 * Adds `pattern` to the repository's info/exclude — shared by all its worktrees, never committed — unless
 * it is there: the hook's .gt/ folder, a runtime's per-worktree settings.
 */
export async function excludeFromGit(dir: string, pattern: string): Promise<void> {
  const commonDir = (await git(dir).raw(['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim()
  const info = join(commonDir, 'info')
  const exclude = join(info, 'exclude')
  await mkdir(info, { recursive: true })
  const current = await readFile(exclude, 'utf8').catch(() => '')
  if (current.split('\n').includes(pattern)) return
  await appendFile(exclude, `${current.endsWith('\n') || !current ? '' : '\n'}${pattern}\n`)
}
