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
import { mkdir } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { editJsonFile, type JsonObject } from './json-file-edit'
import { excludeFromGit } from '../../git/git'
import { CLAUDE_HOOK_EVENTS, PERMISSION_WAIT_S, type ClaudeHookEvent } from './hook-events'

export { CLAUDE_HOOK_EVENTS, PERMISSION_WAIT_S, isClaudeHookEvent, type ClaudeHookEvent } from './hook-events'

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
  await excludeFromGit(worktree, '/.claude/settings.local.json')
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

/** POSIX single quotes: the hook command runs in sh/bash. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\/.:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
