// Real fixtures for tests: temp towns, real git repositories, the built gt, and the fake agent.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const ROOT = resolve(__dirname, '..', '..')
export const GT_SCRIPT = join(ROOT, 'out', 'main', 'gt.js')
export const FAKE_AGENT = join(ROOT, 'test', 'fake-agent', 'fake-agent.mjs')

export function requireBuild(): void {
  if (!existsSync(GT_SCRIPT)) throw new Error(`${GT_SCRIPT} is missing: run \`npm run build\` before the tests (npm test does)`)
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gt-${prefix}-`))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

export function sh(cwd: string, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
}

/** A real git repository with one commit on `main`. */
export function makeRepo(dir = tempDir('repo')): string {
  sh(dir, 'git', ['init', '-q', '-b', 'main'])
  sh(dir, 'git', ['config', 'user.name', 'Test'])
  sh(dir, 'git', ['config', 'user.email', 'test@example.com'])
  writeFileSync(join(dir, 'README.md'), '# sample\n')
  sh(dir, 'git', ['add', '-A'])
  sh(dir, 'git', ['commit', '-q', '-m', 'initial'])
  return dir
}

/** Git identity for commits made by agents in worktrees (HOME has none in CI). */
export function gitIdentityEnv(): void {
  process.env.GIT_AUTHOR_NAME ??= 'Fake Agent'
  process.env.GIT_AUTHOR_EMAIL ??= 'fake-agent@example.com'
  process.env.GIT_COMMITTER_NAME ??= 'Fake Agent'
  process.env.GIT_COMMITTER_EMAIL ??= 'fake-agent@example.com'
}

/** The command that runs the fake agent with a script and a cue folder. */
export function fakeAgentCmd(cues: string, script?: unknown[]): string {
  mkdirSync(cues, { recursive: true })
  const parts = [JSON.stringify(process.execPath), JSON.stringify(FAKE_AGENT), '--cues', JSON.stringify(cues)]
  if (script) {
    const file = join(cues, '..', `script-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, JSON.stringify(script))
    parts.push('--script', JSON.stringify(file))
  }
  return parts.join(' ')
}

/** Resolves when `file` exists: tests wait on files the fake agent drops, never on sleeps. */
export function waitForFile(file: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((res, rej) => {
    const done = () => {
      clearTimeout(timer)
      w.close()
      res(readFileSync(file, 'utf8'))
    }
    const timer = setTimeout(() => {
      w.close()
      rej(new Error(`timed out after ${timeoutMs} ms waiting for ${file}`))
    }, timeoutMs)
    const w = watch(dirname(file), () => existsSync(file) && done())
    if (existsSync(file)) done()
  })
}

/** Polls a condition (for state that no file signals), with a deadline. */
export async function eventually<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
