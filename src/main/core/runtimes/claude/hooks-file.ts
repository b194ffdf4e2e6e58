// The polecat's Claude Code hooks, written into its worktree as .claude/settings.local.json (git-ignored
// for every worktree of the rig, like .gt/). Each hook runs one command, `<gt> hook <Event>`, which reads
// the hook's JSON on stdin and reports it to the core with the polecat's own GT_TOKEN; without GT_TOKEN
// and GT_ENDPOINT it does nothing and exits 0, so the same worktree opened by hand is unaffected.
//
// Timeouts (Claude Code 2.1.332, measured): a command hook's `timeout` is in seconds, any positive number
// (no maximum in its schema); without one it is 600 s. At the timeout Claude Code sends the hook SIGTERM
// and carries on as if it had said nothing — for PermissionRequest that means its own terminal prompt,
// which is on screen all along anyway. PERMISSION_WAIT_S is the largest timeout whose milliseconds still
// fit a 32-bit timer (about 24.8 days): "no timeout" in practice, with no risk of a timer overflowing
// into an immediate timeout. The core applies the user's own (optional) timeout itself.
import { execFile } from 'node:child_process'
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { promisify } from 'node:util'
import { editJsonFile, type JsonObject } from './json-file-edit'

/** The hook events the control room listens to, and what each is for. */
// `async: true` hooks run in the background (Claude Code does not wait for them): for reports whose answer
// changes nothing, so a slow core never slows the agent.
export const CLAUDE_HOOK_EVENTS = {
  /** Startup, resume, /clear, after compaction: stdout (the `gt prime` text) becomes the agent's context. */
  SessionStart: { timeoutS: 60, async: false },
  /** The prompt the agent was given (first prompt, a human's input after takeover). */
  UserPromptSubmit: { timeoutS: 30, async: true },
  /** A tool call needs a human: the hook waits on the core until the inbox decides. */
  PermissionRequest: { timeoutS: 2_147_483, async: false },
  /** "Claude needs your permission" (also shown while a PermissionRequest hook waits), and idle prompts. */
  Notification: { timeoutS: 30, async: true },
  /** A tool ran: after an approval made in the terminal, this is how the core learns of it. */
  PostToolUse: { timeoutS: 30, async: true },
  /** The turn ended; the core may answer {"decision":"block"} to keep the agent working. */
  Stop: { timeoutS: 30, async: false },
  /** The turn ended on an API error (rate limit, overload, auth). */
  StopFailure: { timeoutS: 30, async: true },
  /** Context is about to be compacted: the core can checkpoint; SessionStart (source "compact") re-primes after. */
  PreCompact: { timeoutS: 30, async: false },
  /** The session ended (reason: exit, clear, logout, …). Synchronous: Claude Code is exiting. */
  SessionEnd: { timeoutS: 30, async: false }
} as const

export type ClaudeHookEvent = keyof typeof CLAUDE_HOOK_EVENTS

export const PERMISSION_WAIT_S = CLAUDE_HOOK_EVENTS.PermissionRequest.timeoutS

export function isClaudeHookEvent(name: string): name is ClaudeHookEvent {
  return Object.prototype.hasOwnProperty.call(CLAUDE_HOOK_EVENTS, name)
}

export const HOOKS_FILE = join('.claude', 'settings.local.json')

export interface WriteClaudeHooksOptions {
  /**
   * The gt command the hooks run: best the absolute path of <town>/bin/gt, so the hooks also work (by doing
   * nothing) where `gt` is not on PATH, e.g. when the user opens the worktree by hand.
   */
  gt: string
  /** Events to hook (default: all of CLAUDE_HOOK_EVENTS). */
  events?: ClaudeHookEvent[]
  /** Seconds a PermissionRequest hook may wait (default PERMISSION_WAIT_S). */
  permissionTimeoutS?: number
}

/** The shell command of one hook. */
export function hookCommand(gt: string, event: ClaudeHookEvent): string {
  return `${shellQuote(gt)} hook ${event}`
}

/**
 * Writes the hooks into <worktree>/.claude/settings.local.json, keeping anything else in that file
 * (permission rules that "always allow" added there, the user's own hooks) and replacing only our own
 * entries from an earlier write. Then git-ignores the file for every worktree of the repository.
 */
export async function writeClaudeHooks(worktree: string, opts: WriteClaudeHooksOptions): Promise<string> {
  if (!isAbsolute(worktree)) throw new Error(`worktree must be an absolute path, got ${JSON.stringify(worktree)}`)
  if (!/(^|\/)gt$/.test(opts.gt)) throw new Error(`the gt command for hooks must be gt or a path ending in /gt, got ${JSON.stringify(opts.gt)}`)
  const events = opts.events ?? (Object.keys(CLAUDE_HOOK_EVENTS) as ClaudeHookEvent[])
  const file = join(worktree, HOOKS_FILE)
  await mkdir(join(worktree, '.claude'), { recursive: true })
  await editJsonFile(file, (doc) => setHooks(doc, opts.gt, events, opts.permissionTimeoutS ?? PERMISSION_WAIT_S), { createMode: 0o644 })
  await gitIgnoreInRepo(worktree, '/.claude/settings.local.json')
  return file
}

// Our entry: `<…/>gt hook <Event>`, quoted or not — also one written with another gt path (a moved town).
const OUR_COMMAND = /^(?:'[^']*\/gt'|[^\s']*\/gt|gt) hook [A-Za-z]+$/

const isOurs = (h: unknown): boolean =>
  typeof h === 'object' && h !== null && typeof (h as JsonObject).command === 'string' && OUR_COMMAND.test((h as JsonObject).command as string)

function setHooks(doc: JsonObject, gt: string, events: ClaudeHookEvent[], permissionTimeoutS: number): boolean {
  const before = JSON.stringify(doc.hooks ?? null)
  const hooks: JsonObject = typeof doc.hooks === 'object' && doc.hooks !== null && !Array.isArray(doc.hooks) ? (doc.hooks as JsonObject) : {}
  // Drop our entries (from any earlier write, for any event), keep everyone else's.
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue
    const kept = groups
      .map((g) => {
        if (typeof g !== 'object' || g === null || !Array.isArray((g as JsonObject).hooks)) return g
        const inner = ((g as JsonObject).hooks as unknown[]).filter((h) => !isOurs(h))
        return inner.length ? { ...(g as JsonObject), hooks: inner } : undefined
      })
      .filter((g) => g !== undefined)
    if (kept.length) hooks[event] = kept
    else delete hooks[event]
  }
  for (const event of events) {
    const timeout = event === 'PermissionRequest' ? permissionTimeoutS : CLAUDE_HOOK_EVENTS[event].timeoutS
    const spec = CLAUDE_HOOK_EVENTS[event]
    const ours = { hooks: [{ type: 'command', command: hookCommand(gt, event), timeout, ...(spec.async ? { async: true } : {}) }] }
    hooks[event] = [...(Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : []), ours]
  }
  doc.hooks = hooks
  return JSON.stringify(hooks) !== before
}

const run = promisify(execFile)

/** Adds `pattern` to the repository's info/exclude (shared by all its worktrees) unless it is there. */
export async function gitIgnoreInRepo(worktree: string, pattern: string): Promise<void> {
  const { stdout } = await run('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: worktree })
  const info = join(stdout.trim(), 'info')
  const exclude = join(info, 'exclude')
  await mkdir(info, { recursive: true })
  const current = await readFile(exclude, 'utf8').catch(() => '')
  if (current.split('\n').includes(pattern)) return
  await appendFile(exclude, `${current.endsWith('\n') || !current ? '' : '\n'}${pattern}\n`)
}

/** POSIX single quotes: the hook command runs in sh/bash. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\/.:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
