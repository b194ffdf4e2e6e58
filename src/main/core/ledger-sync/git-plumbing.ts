// Git plumbing for the ledger branch, in the town's own bare repository (<town>/ledger.git): blobs, a tree, a
// commit, a ref moved only from the value we expect, and network calls to a remote's one branch. No working
// tree is ever touched, nothing is ever forced, and no string from a user or a remote becomes an option:
// URLs and revisions come after --end-of-options, shas are checked to be shas, ref names are our own.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { gitEnv } from '../git/git'

export interface GitRun {
  code: number
  stdout: string
  stderr: string
}

/** Network calls give up after this long; a remote that accepted the connection and went quiet cannot hold the export. */
export const NETWORK_TIMEOUT_MS = 120_000
const LOCAL_TIMEOUT_MS = 60_000

// `ext::` runs a command of the URL's choosing; the ledger only ever talks to ordinary remotes.
const SAFE_PROTOCOLS = ['-c', 'protocol.ext.allow=never']

export function runGit(gitDir: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...SAFE_PROTOCOLS, `--git-dir=${gitDir}`, ...args], { env: { ...gitEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs ?? LOCAL_TIMEOUT_MS)
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const stderr = Buffer.concat(err).toString('utf8')
      resolve({ code: timedOut ? -1 : (code ?? -1), stdout: Buffer.concat(out).toString('utf8'), stderr: timedOut ? `timed out after ${Math.round((opts.timeoutMs ?? LOCAL_TIMEOUT_MS) / 1000)} s${stderr ? `: ${stderr}` : ''}` : stderr })
    })
    child.stdin.on('error', () => {}) // git may exit before reading all of stdin; its exit code says why
    child.stdin.end(opts.input ?? '')
  })
}

/** git's own words for what went wrong: its fatal/error line, without hints. */
export function gitWords(r: GitRun): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'))
  const fatal = lines.find((l) => /^(fatal|error):/.test(l))
  return (fatal ?? lines[lines.length - 1] ?? `git exited with ${r.code}`).replace(/^(fatal|error):\s*/, '')
}

async function must(gitDir: string, args: string[], opts?: Parameters<typeof runGit>[2]): Promise<string> {
  const r = await runGit(gitDir, args, opts)
  if (r.code !== 0) throw new Error(`git ${args[0]}: ${gitWords(r)}`)
  return r.stdout
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/
export const isSha = (s: string): boolean => SHA.test(s)
const ZERO = '0000000000000000000000000000000000000000'

/** The repository ledger commits are built in: bare, the town's own, created on first use. */
export async function ensureLedgerRepo(dir: string): Promise<void> {
  if (existsSync(join(dir, 'HEAD'))) return
  const r = await runGit(dir, ['init', '--bare', '--quiet', dir])
  if (r.code !== 0) throw new Error(`could not create ${dir}: ${gitWords(r)}`)
}

/** The id git gives a file's content (a blob), computed without asking git: to tell unchanged files cheaply. */
export const blobSha = (content: string): string => {
  const bytes = Buffer.from(content, 'utf8')
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

export async function writeBlob(gitDir: string, content: string): Promise<string> {
  const sha = (await must(gitDir, ['hash-object', '-w', '--stdin'], { input: content })).trim()
  if (!isSha(sha)) throw new Error(`git hash-object gave ${JSON.stringify(sha)}`)
  return sha
}

export interface TreeEntry {
  name: string
  sha: string
}

/** A flat tree of files. Names are the ledger's own (checked anyway: no slash, no control character). */
export async function writeTree(gitDir: string, entries: TreeEntry[]): Promise<string> {
  for (const e of entries) if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.name) || !isSha(e.sha)) throw new Error(`not a ledger file: ${JSON.stringify(e.name)}`)
  const input = [...entries].sort((a, b) => a.name.localeCompare(b.name)).map((e) => `100644 blob ${e.sha}\t${e.name}\n`).join('')
  return (await must(gitDir, ['mktree'], { input })).trim()
}

export async function commitTree(gitDir: string, tree: string, parent: string | null, message: string, who: { name: string; email: string }): Promise<string> {
  const env = { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email }
  const args = ['commit-tree', ...(parent ? ['-p', parent] : []), '-F', '-', '--end-of-options', tree]
  return (await must(gitDir, args, { input: message, env })).trim()
}

/** Moves one of our refs from `expected` (null: it must not exist yet) to `sha`; refused if it moved meanwhile. */
export async function updateRef(gitDir: string, ref: string, sha: string, expected: string | null): Promise<void> {
  if (!ref.startsWith('refs/gt-ledger/')) throw new Error(`not a ledger ref: ${ref}`)
  await must(gitDir, ['update-ref', '-m', 'gt ledger', ref, sha, expected ?? ZERO])
}

export async function readRef(gitDir: string, ref: string): Promise<string | null> {
  const r = await runGit(gitDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
  const sha = r.stdout.trim()
  return r.code === 0 && isSha(sha) ? sha : null
}

export async function deleteRef(gitDir: string, ref: string): Promise<void> {
  if (!ref.startsWith('refs/gt-ledger/')) throw new Error(`not a ledger ref: ${ref}`)
  await runGit(gitDir, ['update-ref', '-d', ref])
}

export async function hasCommit(gitDir: string, sha: string): Promise<boolean> {
  if (!isSha(sha)) return false
  return (await runGit(gitDir, ['cat-file', '-e', `${sha}^{commit}`])).code === 0
}

export async function isAncestor(gitDir: string, ancestor: string, of: string): Promise<boolean> {
  return (await runGit(gitDir, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, of])).code === 0
}

/** A remote the ledger could not reach or use, in git's words. */
export class RemoteError extends Error {
  constructor(
    readonly remote: string,
    message: string
  ) {
    super(message)
    this.name = 'RemoteError'
  }
}

function checkRemote(remote: string): void {
  if (!remote || remote.startsWith('-')) throw new RemoteError(remote, `"${remote}" is not a remote (a URL or a path): it ${remote ? 'starts with "-"' : 'is empty'}`)
}

/** The remote's tip of `branch`, or null when it has no such branch; RemoteError when it cannot be asked. */
export async function remoteTip(gitDir: string, remote: string, branch: string): Promise<string | null> {
  checkRemote(remote)
  const ref = `refs/heads/${branch}`
  const r = await runGit(gitDir, ['ls-remote', '--end-of-options', remote, ref], { timeoutMs: NETWORK_TIMEOUT_MS })
  if (r.code !== 0) throw new RemoteError(remote, `could not reach ${remote}: ${gitWords(r)}`)
  for (const l of r.stdout.split('\n')) {
    const [sha, name] = l.split('\t')
    if (name === ref && isSha(sha)) return sha
  }
  return null
}

/** Fetches the remote's `branch` into our `localRef` (made afresh, so a remote that was rewritten is still read). */
export async function fetchBranch(gitDir: string, remote: string, branch: string, localRef: string): Promise<string> {
  checkRemote(remote)
  await deleteRef(gitDir, localRef)
  const r = await runGit(gitDir, ['fetch', '--no-tags', '--quiet', '--end-of-options', remote, `refs/heads/${branch}:${localRef}`], { timeoutMs: NETWORK_TIMEOUT_MS })
  if (r.code !== 0) throw new RemoteError(remote, `could not fetch ${branch} from ${remote}: ${gitWords(r)}`)
  const sha = await readRef(gitDir, localRef)
  if (!sha) throw new RemoteError(remote, `fetching ${branch} from ${remote} gave no commit`)
  return sha
}

/**
 * Pushes `sha` as the remote's `branch`, a fast-forward or nothing: git itself refuses anything else without
 * --force, which is never given. `moved`: the remote's branch is no longer what the commit was built on.
 */
export async function pushBranch(gitDir: string, remote: string, sha: string, branch: string): Promise<'pushed' | 'moved'> {
  checkRemote(remote)
  if (!isSha(sha)) throw new Error(`not a commit: ${sha}`)
  const r = await runGit(gitDir, ['push', '--porcelain', '--no-verify', '--end-of-options', remote, `${sha}:refs/heads/${branch}`], { timeoutMs: NETWORK_TIMEOUT_MS })
  if (r.code === 0) return 'pushed'
  const rejected = r.stdout.split('\n').find((l) => l.startsWith('!'))
  if (rejected && /\[rejected\]|non-fast-forward|fetch first|stale info/.test(rejected)) return 'moved'
  const why = rejected ? rejected.split('\t').slice(2).join(' ').trim() || gitWords(r) : gitWords(r)
  throw new RemoteError(remote, `could not push ${branch} to ${remote}: ${why}`)
}

/** The files at the root of a commit's tree, with their blob ids and text. */
export async function readTreeFiles(gitDir: string, commit: string): Promise<{ name: string; sha: string; text: string }[]> {
  if (!isSha(commit)) throw new Error(`not a commit: ${commit}`)
  const listing = await must(gitDir, ['ls-tree', '-z', '--end-of-options', commit])
  const out: { name: string; sha: string; text: string }[] = []
  for (const entry of listing.split('\0').filter(Boolean)) {
    const tab = entry.indexOf('\t')
    const [mode, type, sha] = entry.slice(0, tab).split(' ')
    const name = entry.slice(tab + 1)
    if (type !== 'blob' || !mode.startsWith('100') || !isSha(sha)) continue
    out.push({ name, sha, text: await must(gitDir, ['cat-file', 'blob', sha]) })
  }
  return out
}

/** The blob ids of a commit's root files, without reading them. */
export async function treeShas(gitDir: string, commit: string): Promise<Map<string, string>> {
  const listing = await must(gitDir, ['ls-tree', '-z', '--end-of-options', commit])
  const out = new Map<string, string>()
  for (const entry of listing.split('\0').filter(Boolean)) {
    const tab = entry.indexOf('\t')
    const [, type, sha] = entry.slice(0, tab).split(' ')
    if (type === 'blob') out.set(entry.slice(tab + 1), sha)
  }
  return out
}
