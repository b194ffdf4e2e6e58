// Real repositories for the refinery's git tests: an origin (bare, or the user's own working copy), the
// town's clone of it, and branches pushed the way polecats push them. Git runs with a HOME of its own that
// has no identity and no system config, so code that leans on a global identity fails here; the fixture's
// own commits name their author explicitly.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { removeDir, tempDir } from '../support/fixtures'

/** Call at the top of a test file, before anything runs git. */
export function isolateGitHome(): string {
  const home = tempDir('refinery-home')
  process.env.HOME = home
  process.env.XDG_CONFIG_HOME = join(home, '.config')
  process.env.GIT_CONFIG_NOSYSTEM = '1'
  for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete process.env[k]
  return home
}

export const POLECAT = { name: 'Polecat Rust', email: 'rust@polecats.invalid' }
const SETUP_ENV = () => ({
  ...process.env,
  GIT_AUTHOR_NAME: POLECAT.name,
  GIT_AUTHOR_EMAIL: POLECAT.email,
  GIT_COMMITTER_NAME: POLECAT.name,
  GIT_COMMITTER_EMAIL: POLECAT.email
})

/** git in `cwd` with the fixture's identity; returns stdout without its trailing newlines. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: SETUP_ENV(), stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd()
}

/** git without any identity in its environment (what the code under test gets). */
export function gitBare(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd()
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

export function commitFiles(dir: string, files: Record<string, string>, message: string): string {
  writeFiles(dir, files)
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', message)
  return git(dir, 'rev-parse', 'HEAD')
}

export interface Rig {
  root: string
  /** The rig's source: bare, or a working copy (`kind`). */
  origin: string
  /** The town's clone (rig.path). */
  repo: string
  /** A polecat-like clone that makes branches and pushes them. */
  dev: string
  scratch: string
  cleanup(): void
}

/** An origin whose main holds README.md and shared.txt; the town's clone and a dev clone of it. */
export function makeRig(kind: 'bare' | 'working-copy' = 'bare'): Rig {
  const root = tempDir('refinery')
  const origin = join(root, kind === 'bare' ? 'origin.git' : 'user')
  const seed = join(root, 'seed')
  mkdirSync(seed)
  git(seed, 'init', '-q', '-b', 'main')
  commitFiles(seed, { 'README.md': '# rig\n', 'shared.txt': 'line one\nline two\nline three\n' }, 'initial')
  if (kind === 'bare') git(root, 'clone', '-q', '--bare', seed, origin)
  else git(root, 'clone', '-q', seed, origin)
  removeDir(seed)
  const repo = join(root, 'rigs', 'r', 'repo')
  mkdirSync(dirname(repo), { recursive: true })
  git(root, 'clone', '-q', origin, repo)
  const dev = join(root, 'dev')
  git(root, 'clone', '-q', origin, dev)
  return { root, origin, repo, dev, scratch: join(root, 'rigs', 'r', 'refinery'), cleanup: () => removeDir(root) }
}

/** A branch made from `base` in dev with one commit per entry of `commits`, pushed to origin; its head. */
export function pushBranch(rig: Rig, branch: string, base: string, commits: Record<string, string>[]): string {
  git(rig.dev, 'fetch', '-q', 'origin')
  git(rig.dev, 'checkout', '-q', '-B', branch, base)
  commits.forEach((files, k) => commitFiles(rig.dev, files, `${branch}: step ${k + 1}`))
  git(rig.dev, 'push', '-q', '-f', 'origin', `${branch}:refs/heads/${branch}`)
  return git(rig.dev, 'rev-parse', 'HEAD')
}

export function fetchRepo(rig: Rig): void {
  git(rig.repo, 'fetch', '-q', 'origin')
}

export const revParse = (dir: string, rev: string) => git(dir, 'rev-parse', rev)
