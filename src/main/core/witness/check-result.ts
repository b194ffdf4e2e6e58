// What a run of a rig's checks produces: plain, JSON-ready objects the witness stores, the rules classify and
// the views show. Shared by the runner, the baseline and the escalation rules.
import type { CoverageReading } from './coverage'

/** The checks a rig can set, in the order they run. */
export const CHECK_NAMES = ['build', 'test', 'coverage'] as const
export type CheckName = (typeof CHECK_NAMES)[number]

/** A rig's check commands, each run as `sh -c COMMAND` in the worktree; '' means the rig has none. */
export type CheckCommands = Record<CheckName, string>

/**
 * ok: exit 0. failed: another exit code, or ended by a signal it did not get from us. timed-out: stopped at the
 * time limit. skipped: no command, or an earlier check did not pass. error: could not be started at all
 * (a missing worktree, no `sh`). cancelled: stopped because the run was cancelled.
 */
export type CommandStatus = 'ok' | 'failed' | 'timed-out' | 'skipped' | 'error' | 'cancelled'

export interface CommandResult {
  check: CheckName
  command: string
  status: CommandStatus
  /** null unless the command exited by itself. */
  exitCode: number | null
  /** The signal that ended it, if one did (ours on time-out or cancel: SIGTERM or SIGKILL). */
  signal: string | null
  durationMs: number
  /** The time limit it ran under. */
  timeoutMs: number
  /** The first bytes of stdout and stderr together, in the order they arrived. */
  outputHead: string
  /** The last bytes; '' when the whole output fits in outputHead. */
  outputTail: string
  /** All the bytes it printed, kept or not. */
  outputBytes: number
  /** Whether bytes between head and tail were dropped. */
  outputTruncated: boolean
  /** Lines of its output that the warning rule counts (see warnings.ts), over the whole output. */
  warnings: number
  /** Why it was skipped or could not run. */
  note: string | null
}

export type RunOverall = 'ok' | 'failed' | 'cancelled'

/**
 * What a command printed, as kept: its head, then its tail (a short output is all head, its tail empty),
 * with a mark where the middle was dropped — at most `max` characters, the end kept (it says why it failed).
 */
export function outputOf(c: Pick<CommandResult, 'outputHead' | 'outputTail' | 'outputTruncated'>, max = 64 * 1024): string {
  const whole = c.outputTail ? `${c.outputHead}${c.outputTruncated ? '\n[… output dropped …]\n' : ''}${c.outputTail}` : c.outputHead
  return whole.length > max ? whole.slice(-max) : whole
}

export interface CheckRunResult {
  worktree: string
  /** The commit checked out when the run started (null: not a git work tree), and whether it had changes. */
  head: string | null
  dirty: boolean | null
  startedAt: string
  finishedAt: string
  durationMs: number
  /** ok: every check that ran passed. failed: one did not. cancelled: the run was stopped before its end. */
  overall: RunOverall
  /** One entry per check, in CHECK_NAMES order. */
  checks: CommandResult[]
  /** What was read from the coverage command's output; null when it has none or did not run to its end. */
  coverage: CoverageReading | null
  /** Sum of the checks' warnings. */
  warnings: number
}

/** A check that ran and did not pass (a skipped or cancelled one is neither). */
export const didNotPass = (r: CommandResult): boolean => r.status === 'failed' || r.status === 'timed-out' || r.status === 'error'

export function checkOf(run: CheckRunResult, check: CheckName): CommandResult {
  const found = run.checks.find((c) => c.check === check)
  if (!found) throw new Error(`the check run of ${run.worktree} has no ${check} entry`)
  return found
}

const MAX_COMMAND_CHARS = 4000

/**
 * A rig's check commands from settings or `gt rig config`: each a string, '' for none, one line or several
 * (a small script), no control characters but tab and newline. Unknown keys are refused so a typo
 * (`tests`) does not silently disable a check.
 */
export function parseCheckCommands(value: unknown, where: string): CheckCommands {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: the check commands must be an object with build, test and coverage (each a command or "")`)
  const out: CheckCommands = { build: '', test: '', coverage: '' }
  for (const [key, v] of Object.entries(value)) {
    if (!(CHECK_NAMES as readonly string[]).includes(key)) throw new Error(`${where}: "${key}" is not a check; the checks are ${CHECK_NAMES.join(', ')}`)
    out[key as CheckName] = parseCheckCommand(v, `${where}: ${key}`)
  }
  return out
}

export function parseCheckCommand(value: unknown, where: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value !== 'string') throw new Error(`${where} must be a shell command (a string), or "" for none`)
  const text = value.replace(/\r\n?/g, '\n').trim()
  if (text.length > MAX_COMMAND_CHARS) throw new Error(`${where} is ${text.length} characters long; at most ${MAX_COMMAND_CHARS} (put a longer script in a file of the repository and run that)`)
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.exec(text)
  if (bad) throw new Error(`${where} holds the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} at position ${bad.index + 1}; only tabs and newlines are allowed`)
  return text
}

/** "600 s", "1.5 s": time limits in messages. */
export const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`)
