// How a polecat starts the real Claude Code: interactive (its own TUI in the PTY), with the first prompt,
// a session id the control room chose (so resume can name it exactly, and hooks can be matched to it), and
// a permission mode the control room sets, so every tool call that needs a human comes to the inbox.
//
// Claude Code 2.1.332 starts in "auto" mode by default (a classifier runs most commands without asking);
// `--permission-mode default` (shown as "manual" in its help, which it maps to "default") asks for each.
import type { ClaudeConfigChoice } from './prepare-config'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const PERMISSION_MODES = ['default', 'acceptEdits', 'auto', 'plan', 'dontAsk', 'bypassPermissions'] as const
export type ClaudePermissionMode = (typeof PERMISSION_MODES)[number]

export interface ClaudeArgvOptions {
  /** The claude executable (default "claude", found on PATH). */
  command?: string
  /** The first prompt; it is submitted at start-up, as if typed. */
  prompt: string
  /** A new session's id (a UUID the control room chose and records on the session). */
  sessionId: string
  /** Resume this earlier session (its id) instead of starting a new one; `prompt` is the next message. */
  resume?: boolean
  /** Default "default": every tool call that is not allowed by a rule asks (and so reaches the inbox). */
  permissionMode?: ClaudePermissionMode
  /** More arguments, placed before the prompt (e.g. `--model`). */
  extraArgs?: string[]
}

export function claudeArgv(o: ClaudeArgvOptions): string[] {
  if (!UUID.test(o.sessionId)) throw new Error(`Claude Code session id must be a UUID, got ${JSON.stringify(o.sessionId)}`)
  if (!o.prompt.trim()) throw new Error('Claude Code needs a first prompt: it is empty')
  const mode = o.permissionMode ?? 'default'
  if (!PERMISSION_MODES.includes(mode)) throw new Error(`unknown Claude Code permission mode ${JSON.stringify(mode)}; one of ${PERMISSION_MODES.join(', ')}`)
  return [
    o.command ?? 'claude',
    ...(o.resume ? ['--resume', o.sessionId] : ['--session-id', o.sessionId]),
    '--permission-mode',
    mode,
    ...(o.extraArgs ?? []),
    // `--` ends the options: a prompt starting with "-" stays a prompt.
    '--',
    o.prompt
  ]
}

/**
 * Variables Claude Code 2.1.332 sets for the commands it runs (seen in a Bash call's environment), plus its
 * IDE and hook ones. A control room started from inside a Claude Code session would hand them to every
 * agent, which would then take itself for that session's child.
 */
export const INHERITED_CLAUDE_VARS = [
  'CLAUDECODE',
  'CLAUDE_CODE_ENTRYPOINT',
  'CLAUDE_CODE_SESSION_ID',
  'CLAUDE_CODE_CHILD_SESSION',
  'CLAUDE_CODE_CHILD_NOTES_DIR',
  'CLAUDE_CODE_SESSION_ATTENDED',
  'CLAUDE_CODE_MESSAGING_SOCKET',
  'CLAUDE_CODE_MESSAGING_TOKEN',
  'CLAUDE_CODE_EXECPATH',
  'CLAUDE_PID',
  'CLAUDE_EFFORT',
  'AI_AGENT',
  'CLAUDE_CODE_SSE_PORT',
  'CLAUDE_PROJECT_DIR'
] as const

export interface ClaudeEnvOptions {
  /** Which config the agent uses (sets CLAUDE_CONFIG_DIR for a per-town config). */
  config: ClaudeConfigChoice
  /**
   * Tests only: the scripted model server's URL. Sets ANTHROPIC_BASE_URL and turns off everything that
   * would try the internet (telemetry, update checks, error reports).
   */
  modelServerUrl?: string
  /** An API key to give the agent (prepareClaudeConfig must approve the same key). */
  apiKey?: string
}

/**
 * The variables to set for a Claude Code agent, on top of the polecat's own environment; `unset` lists
 * variables to remove from it.
 */
export function claudeEnv(o: ClaudeEnvOptions): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {
    ...o.config.env,
    // Many agents share one installation: none of them should replace it while the others run.
    DISABLE_AUTOUPDATER: '1'
  }
  if (o.apiKey !== undefined) set.ANTHROPIC_API_KEY = o.apiKey
  if (o.modelServerUrl !== undefined) {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(o.modelServerUrl)) throw new Error(`the model server must be on http://127.0.0.1:PORT, got ${o.modelServerUrl}`)
    set.ANTHROPIC_BASE_URL = o.modelServerUrl
    set.DISABLE_TELEMETRY = '1'
    set.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1'
    set.DISABLE_ERROR_REPORTING = '1'
  }
  return { set, unset: [...INHERITED_CLAUDE_VARS] }
}
