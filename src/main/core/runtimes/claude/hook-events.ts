// The Claude Code hook events the control room listens to. Kept apart from hooks-file.ts (which writes the
// settings file and touches git) so that `gt hook`, which every hook runs, loads nothing it does not need.
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

