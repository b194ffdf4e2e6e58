// Runs the real Claude Code (the devDependency) in a real PTY, in a sandbox of its own: a temp HOME and
// CLAUDE_CONFIG_DIR (the developer's own ~/.claude is never read or touched), a real git repository with a
// polecat-like worktree, and an environment with nothing inherited but PATH.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as pty from 'node-pty'
import { build } from 'esbuild'
import { ROOT, makeRepo, removeDir, sh, tempDir } from '../../../support/fixtures'
import { normalizeTerminalText } from '../../../../src/main/core/runtimes/claude/blocking-screens'

export const CLAUDE_BIN = join(ROOT, 'node_modules', '.bin', 'claude')
const RECORDING_HOOK = join(__dirname, 'recording-hook.mjs')

let skipReason: string | undefined | null = null

/** Why the real-CLI tests cannot run here (undefined: they can). Checked once: the binary must answer --version. */
export function claudeSkipReason(): string | undefined {
  if (skipReason !== null) return skipReason
  if (!existsSync(CLAUDE_BIN)) {
    skipReason = `Claude Code is not installed (${CLAUDE_BIN} is missing: npm install brings @anthropic-ai/claude-code, a devDependency)`
    return skipReason
  }
  const home = tempDir('claude-version')
  try {
    const v = execFileSync(CLAUDE_BIN, ['--version'], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: home } })
    skipReason = /Claude Code/.test(v) ? undefined : `${CLAUDE_BIN} --version printed ${JSON.stringify(v.trim())}, not a Claude Code version`
  } catch (err) {
    skipReason = `${CLAUDE_BIN} does not run here: ${(err as Error).message.split('\n')[0]}`
  } finally {
    removeDir(home)
  }
  return skipReason
}

export interface Sandbox {
  root: string
  home: string
  /** CLAUDE_CONFIG_DIR of the agent. */
  configDir: string
  /** The .claude.json Claude Code uses with that CLAUDE_CONFIG_DIR. */
  configFile: string
  repo: string
  /** A git worktree of `repo` on its own branch, as a polecat has. */
  worktree: string
  cleanup(): void
}

export function makeSandbox(name: string): Sandbox {
  const root = tempDir(`claude-${name}`)
  const home = join(root, 'home')
  const configDir = join(root, 'claude-config')
  sh(root, 'mkdir', ['-p', home, configDir, join(root, 'repo')])
  const repo = makeRepo(join(root, 'repo'))
  const worktree = join(root, 'polecats', 'p1')
  sh(repo, 'git', ['worktree', 'add', '-q', '-b', `polecat/p1/${name}`, worktree])
  return { root, home, configDir, configFile: join(configDir, '.claude.json'), repo, worktree, cleanup: () => removeDir(root) }
}

/** The environment of an agent in the sandbox: PATH and the given variables, nothing else from ours. */
export function sandboxEnv(s: Sandbox, extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: s.home, TERM: 'xterm-256color', LANG: 'C.UTF-8', CLAUDE_CONFIG_DIR: s.configDir, ...extra }
}

export interface ClaudeProcess {
  pid: number
  /** Everything the PTY printed so far. */
  output(): string
  /** Resolves when the normalized output (see normalizeTerminalText) contains `text` (lower case). */
  waitForText(text: string, timeoutMs?: number): Promise<void>
  write(data: string): void
  exit: Promise<{ exitCode: number; signal?: number }>
  /** Ends it (SIGHUP, then SIGKILL) and waits for the exit. */
  stop(): Promise<void>
}

export function spawnClaude(argv: string[], cwd: string, env: Record<string, string>): ClaudeProcess {
  const [file, ...args] = argv
  const p = pty.spawn(file === 'claude' ? CLAUDE_BIN : file, args, { cwd, env, cols: 120, rows: 40, name: 'xterm-256color' })
  let out = ''
  let exited = false
  const listeners = new Set<() => void>()
  p.onData((d) => {
    out += d
    for (const l of [...listeners]) l()
  })
  const exit = new Promise<{ exitCode: number; signal?: number }>((resolve) =>
    p.onExit((e) => {
      exited = true
      for (const l of [...listeners]) l()
      resolve(e)
    })
  )
  return {
    pid: p.pid,
    output: () => out,
    write: (d) => p.write(d),
    exit,
    waitForText: (text, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): boolean => {
          if (!normalizeTerminalText(out).includes(text)) {
            if (exited) {
              listeners.delete(check)
              clearTimeout(timer)
              reject(new Error(`claude exited before showing ${JSON.stringify(text)}; its screen: ${tailText(out)}`))
            }
            return false
          }
          listeners.delete(check)
          clearTimeout(timer)
          resolve()
          return true
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`timed out after ${timeoutMs} ms waiting for claude to show ${JSON.stringify(text)}; its screen: ${tailText(out)}`))
        }, timeoutMs)
        listeners.add(check)
        check()
      }),
    stop: async () => {
      if (exited) return
      p.kill('SIGHUP')
      const t = setTimeout(() => {
        try {
          p.kill('SIGKILL')
        } catch {
          // gone already
        }
      }, 5_000)
      await exit
      clearTimeout(t)
    }
  }
}

function tailText(out: string): string {
  return JSON.stringify(normalizeTerminalText(out).slice(-600))
}

/** A hook command running recording-hook.mjs (see that file) for `event`. */
export function recordingHookCommand(event: string, log: string, opts: { decide?: 'allow' | 'deny'; message?: string; waitFor?: string } = {}): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const parts = [q(process.execPath), q(RECORDING_HOOK), event, '--log', q(log)]
  if (opts.decide) parts.push('--decide', opts.decide)
  if (opts.message) parts.push('--message', q(opts.message))
  if (opts.waitFor) parts.push('--wait-for', q(opts.waitFor))
  return parts.join(' ')
}

export interface HookRecord {
  event: string
  phase: 'start' | 'end' | 'killed'
  pid: number
  at: number
  input: Record<string, unknown>
  decision?: string | null
}

export function readHookLog(file: string): HookRecord[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HookRecord)
}

/**
 * Bundles the `gt hook` logic (src/main/cli/hook.ts) into one .mjs file in `dir` and returns a command that
 * runs it as `gt`: the hooks written by writeClaudeHooks then run `<that command> hook <Event>`.
 */
export async function bundleGtHook(dir: string): Promise<string> {
  const outfile = join(dir, 'gt-hook.mjs')
  await build({ entryPoints: [join(__dirname, 'gt-hook-entry.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile, logLevel: 'silent' })
  // writeClaudeHooks quotes its `gt` as one word: a small launcher script keeps it one path.
  const launcher = join(dir, 'gt')
  writeFileSync(launcher, `#!/bin/sh\nexec '${process.execPath.replace(/'/g, `'\\''`)}' '${outfile.replace(/'/g, `'\\''`)}' "$@"\n`)
  chmodSync(launcher, 0o755)
  return launcher
}
