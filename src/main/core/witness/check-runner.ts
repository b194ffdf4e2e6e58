// Runs a rig's checks in a worktree — build, then test, then coverage, each `sh -c COMMAND` with its own time
// limit — and keeps the order the witness needs: one run per worktree at a time; a request while one runs
// waits, and a newer request replaces the waiting one (its caller is told it was superseded); any run can
// be cancelled. At most `maxConcurrent` runs go at once across worktrees (twenty polecats checkpointing on
// two cores must not start twenty test suites). Everything is asynchronous; progress is reported as events.
import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { realpathSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { git } from '../git/git'
import { CHECK_NAMES, didNotPass, formatSeconds, parseCheckCommand, type CheckCommands, type CheckName, type CheckRunResult, type CommandResult, type CommandStatus } from './check-result'
import { CoverageScanner, type CoverageReading } from './coverage'
import { checkEnvironment, runCommand, type RunCommandOutcome } from './run-command'
import { WarningCounter } from './warnings'

export const DEFAULT_CHECK_TIMEOUTS: Record<CheckName, number> = { build: 10 * 60_000, test: 20 * 60_000, coverage: 20 * 60_000 }
export const DEFAULT_GRACE_MS = 3000
export const DEFAULT_OUTPUT_HEAD_BYTES = 16 * 1024
export const DEFAULT_OUTPUT_TAIL_BYTES = 64 * 1024
const MIN_TIMEOUT_MS = 100
const MAX_TIMEOUT_MS = 24 * 3600_000

export interface CheckRequest {
  /** Absolute path of the worktree to run in (a polecat's, or a scratch checkout of the base branch). */
  worktree: string
  /** The rig's commands; missing or '' ones are skipped. */
  commands: Partial<CheckCommands>
  /** Time limits in ms, per check (default DEFAULT_CHECK_TIMEOUTS, or the runner's). */
  timeouts?: Partial<Record<CheckName, number>>
  /** Why the run was asked for ('checkpoint', 'done', 'on-demand', …): passed back in events. */
  reason?: string
  /** Added to the checks' environment. */
  env?: Record<string, string>
  /** This request's events (the runner's own listener gets them too). */
  onEvent?: (event: CheckEvent) => void
}

export type CheckOutcome =
  | { status: 'completed'; runId: string; result: CheckRunResult }
  /** Replaced, while it waited, by a newer request for the same worktree: that run's id. */
  | { status: 'superseded'; runId: string; by: string }
  /** Cancelled: `result` has what ran before (overall 'cancelled'), or is null if it never started. */
  | { status: 'cancelled'; runId: string; result: CheckRunResult | null }

export interface CheckTicket {
  runId: string
  outcome: Promise<CheckOutcome>
}

interface EventBase {
  runId: string
  worktree: string
  reason: string
}

export type CheckEvent =
  | (EventBase & { type: 'queued' })
  | (EventBase & { type: 'superseded'; by: string })
  | (EventBase & { type: 'cancelled' })
  | (EventBase & { type: 'started'; checks: CheckName[] })
  | (EventBase & { type: 'command-started'; check: CheckName; command: string })
  /** A command's output as it comes (decoded; stdout and stderr each in order): for views that show it live. */
  | (EventBase & { type: 'output'; check: CheckName; text: string })
  | (EventBase & { type: 'command-finished'; result: CommandResult })
  | (EventBase & { type: 'finished'; result: CheckRunResult })

export interface CheckRunnerOptions {
  /** Runs at once across worktrees (default: half the CPUs, at least 1). */
  maxConcurrent?: number
  /** Default time limits per check, in ms. */
  timeouts?: Partial<Record<CheckName, number>>
  graceMs?: number
  outputHeadBytes?: number
  outputTailBytes?: number
  /** Every run's events. */
  onEvent?: (event: CheckEvent) => void
}

export interface WorktreeCheckState {
  running: string | null
  queued: string | null
}

interface Run {
  id: string
  key: string
  seq: number
  request: CheckRequest & { commands: CheckCommands; timeouts: Record<CheckName, number>; reason: string }
  abort: AbortController
  resolve: (o: CheckOutcome) => void
}

interface Slot {
  running: Run | null
  queued: Run | null
}

function positiveInt(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Error(`${what} must be a whole number from ${min} to ${max} (got ${String(value)})`)
  return value
}

function timeoutsFrom(base: Record<CheckName, number>, given: Partial<Record<CheckName, number>> | undefined, where: string): Record<CheckName, number> {
  const out = { ...base }
  for (const [k, v] of Object.entries(given ?? {})) {
    if (!(CHECK_NAMES as readonly string[]).includes(k)) throw new Error(`${where}: "${k}" is not a check; the checks are ${CHECK_NAMES.join(', ')}`)
    if (v === undefined) continue
    out[k as CheckName] = positiveInt(v, `${where}: the ${k} time limit (ms)`, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS)
  }
  return out
}

/** The same folder reached by two spellings (a symlink, a trailing slash) is one worktree. */
function worktreeKey(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

export class CheckRunner {
  private readonly slots = new Map<string, Slot>()
  private readonly maxConcurrent: number
  private readonly timeouts: Record<CheckName, number>
  private readonly graceMs: number
  private readonly headBytes: number
  private readonly tailBytes: number
  private readonly onEvent?: (event: CheckEvent) => void
  private active = 0
  private seq = 0
  private closed = false
  private readonly runningDone = new Set<Promise<void>>()

  constructor(opts: CheckRunnerOptions = {}) {
    this.maxConcurrent = positiveInt(opts.maxConcurrent ?? Math.max(1, Math.floor(availableParallelism() / 2)), 'maxConcurrent', 1, 1000)
    this.timeouts = timeoutsFrom(DEFAULT_CHECK_TIMEOUTS, opts.timeouts, 'the check runner')
    this.graceMs = positiveInt(opts.graceMs ?? DEFAULT_GRACE_MS, 'graceMs', 0, 60_000)
    this.headBytes = positiveInt(opts.outputHeadBytes ?? DEFAULT_OUTPUT_HEAD_BYTES, 'outputHeadBytes', 0, 64 * 1024 * 1024)
    this.tailBytes = positiveInt(opts.outputTailBytes ?? DEFAULT_OUTPUT_TAIL_BYTES, 'outputTailBytes', 0, 64 * 1024 * 1024)
    this.onEvent = opts.onEvent
  }

  /**
   * Asks for a run in `request.worktree`. Starts at once if the worktree has none running (and a slot is
   * free); otherwise waits, replacing (superseding) a request already waiting for that worktree.
   */
  request(request: CheckRequest): CheckTicket {
    if (this.closed) throw new Error('the check runner is closed')
    if (typeof request?.worktree !== 'string' || !isAbsolute(request.worktree)) throw new Error(`the worktree to check must be an absolute path (got ${JSON.stringify(request?.worktree)})`)
    const commands: CheckCommands = { build: '', test: '', coverage: '' }
    for (const [k, v] of Object.entries(request.commands ?? {})) {
      if (!(CHECK_NAMES as readonly string[]).includes(k)) throw new Error(`"${k}" is not a check; the checks are ${CHECK_NAMES.join(', ')}`)
      commands[k as CheckName] = parseCheckCommand(v, `the ${k} command`)
    }
    const key = worktreeKey(request.worktree)
    let resolveOutcome!: (o: CheckOutcome) => void
    const outcome = new Promise<CheckOutcome>((r) => (resolveOutcome = r))
    const run: Run = {
      id: `chk-${randomUUID()}`,
      key,
      seq: ++this.seq,
      request: { ...request, worktree: key, commands, timeouts: timeoutsFrom(this.timeouts, request.timeouts, `the checks of ${key}`), reason: request.reason ?? 'on-demand' },
      abort: new AbortController(),
      resolve: resolveOutcome
    }
    const slot = this.slots.get(key) ?? { running: null, queued: null }
    this.slots.set(key, slot)
    const replaced = slot.queued
    if (replaced) {
      run.seq = replaced.seq // the newer request keeps the place in line of the one it replaces
      this.emit(replaced, { type: 'superseded', by: run.id })
      replaced.resolve({ status: 'superseded', runId: replaced.id, by: run.id })
    }
    slot.queued = run
    this.emit(run, { type: 'queued' })
    this.pump()
    return { runId: run.id, outcome }
  }

  /** Cancels the worktree's running and waiting runs; returns their ids. */
  cancel(worktree: string): WorktreeCheckState {
    const slot = this.slots.get(worktreeKey(worktree))
    const state = { running: slot?.running?.id ?? null, queued: slot?.queued?.id ?? null }
    if (slot?.queued) this.dropQueued(slot)
    slot?.running?.abort.abort()
    return state
  }

  /** Cancels one run by id, waiting or running; false if it is not known (finished, or never was). */
  cancelRun(runId: string): boolean {
    for (const slot of this.slots.values()) {
      if (slot.queued?.id === runId) {
        this.dropQueued(slot)
        return true
      }
      if (slot.running?.id === runId) {
        slot.running.abort.abort()
        return true
      }
    }
    return false
  }

  state(worktree: string): WorktreeCheckState {
    const slot = this.slots.get(worktreeKey(worktree))
    return { running: slot?.running?.id ?? null, queued: slot?.queued?.id ?? null }
  }

  /** Cancels everything and resolves once every command it started has ended. */
  async close(): Promise<void> {
    this.closed = true
    for (const slot of this.slots.values()) {
      if (slot.queued) this.dropQueued(slot)
      slot.running?.abort.abort()
    }
    await Promise.all([...this.runningDone])
  }

  private dropQueued(slot: Slot): void {
    const run = slot.queued!
    slot.queued = null
    this.emit(run, { type: 'cancelled' })
    run.resolve({ status: 'cancelled', runId: run.id, result: null })
    if (!slot.running) this.slots.delete(run.key)
  }

  /** Starts waiting runs, oldest request first, while slots are free. */
  private pump(): void {
    while (this.active < this.maxConcurrent) {
      let next: Slot | null = null
      for (const slot of this.slots.values()) if (!slot.running && slot.queued && (!next || slot.queued.seq < next.queued!.seq)) next = slot
      if (!next) return
      const slot = next
      const run = slot.queued!
      slot.queued = null
      slot.running = run
      this.active++
      const done = this.execute(run, slot).finally(() => this.runningDone.delete(done))
      this.runningDone.add(done)
    }
  }

  private async execute(run: Run, slot: Slot): Promise<void> {
    let result: CheckRunResult
    try {
      result = await this.runChecks(run)
    } catch (err) {
      // A bug of ours, not a failing check: still an answer, never a hung caller.
      result = failedRun(run, `the check run failed: ${(err as Error).message}`)
    }
    // The worktree is free before anyone hears of the result, so what they ask next sees it free.
    this.active--
    slot.running = null
    if (!slot.queued) this.slots.delete(run.key)
    this.emit(run, { type: 'finished', result })
    run.resolve(result.overall === 'cancelled' ? { status: 'cancelled', runId: run.id, result } : { status: 'completed', runId: run.id, result })
    if (!this.closed) this.pump()
  }

  private async runChecks(run: Run): Promise<CheckRunResult> {
    const { worktree, commands, timeouts } = run.request
    const started = Date.now()
    const startedAt = new Date(started).toISOString()
    const signal = run.abort.signal
    this.emit(run, { type: 'started', checks: CHECK_NAMES.filter((c) => commands[c]) })
    const present = isDirectory(worktree)
    const { head, dirty } = present ? await workTreeState(worktree) : { head: null, dirty: null }
    const env = checkEnvironment(process.env, run.request.env ?? {})
    const checks: CommandResult[] = []
    let coverage: CoverageReading | null = null
    let blocker: string | null = null
    let cancelled = false
    for (const check of CHECK_NAMES) {
      if (signal.aborted) cancelled = true
      const command = commands[check]
      const base = { check, command, timeoutMs: timeouts[check] }
      if (!command) {
        checks.push(notRun(base, 'skipped', 'no command is set for this check'))
        continue
      }
      if (cancelled) {
        checks.push(notRun(base, 'skipped', 'the run was cancelled before this check'))
        continue
      }
      if (blocker) {
        checks.push(notRun(base, 'skipped', blocker))
        continue
      }
      if (!present) {
        checks.push(notRun(base, 'error', `the worktree ${worktree} does not exist or is not a folder`))
        blocker = 'not run: the worktree is missing'
        continue
      }
      this.emit(run, { type: 'command-started', check, command })
      const warnings = new WarningCounter()
      const scanner = check === 'coverage' ? new CoverageScanner() : null
      const outcome = await runCommand({
        command,
        cwd: worktree,
        env,
        timeoutMs: timeouts[check],
        graceMs: this.graceMs,
        headBytes: this.headBytes,
        tailBytes: this.tailBytes,
        signal,
        onOutput: (text) => {
          warnings.push(text)
          scanner?.push(text)
          this.emit(run, { type: 'output', check, text })
        }
      })
      warnings.end()
      scanner?.end()
      const result = commandResult(base, outcome, warnings.count)
      checks.push(result)
      if (scanner && (result.status === 'ok' || result.status === 'failed')) coverage = scanner.result()
      this.emit(run, { type: 'command-finished', result })
      if (result.status === 'cancelled') cancelled = true
      if (didNotPass(result)) blocker = `not run: the ${check} check did not pass`
    }
    const finished = Date.now()
    const overall = cancelled ? 'cancelled' : checks.some(didNotPass) ? 'failed' : 'ok'
    return {
      worktree,
      head,
      dirty,
      startedAt,
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      overall,
      checks,
      coverage,
      warnings: checks.reduce((n, c) => n + c.warnings, 0)
    }
  }

  private emit(run: Run, event: { type: CheckEvent['type'] } & Record<string, unknown>): void {
    const full = { ...event, runId: run.id, worktree: run.key, reason: run.request.reason } as CheckEvent
    for (const listener of [run.request.onEvent, this.onEvent]) {
      if (!listener) continue
      try {
        listener(full)
      } catch {
        // A listener's bug must not stop the checks or the other listener.
      }
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The commit being checked and whether the work tree has changes (null outside git). */
async function workTreeState(dir: string): Promise<{ head: string | null; dirty: boolean | null }> {
  try {
    const g = git(dir)
    const head = (await g.raw(['rev-parse', '--verify', '--quiet', 'HEAD'])).trim() || null
    // --no-optional-locks: never take the index lock an agent working in the same worktree may need.
    const status = await g.raw(['--no-optional-locks', 'status', '--porcelain'])
    return { head, dirty: status.trim().length > 0 }
  } catch {
    return { head: null, dirty: null }
  }
}

function notRun(base: { check: CheckName; command: string; timeoutMs: number }, status: CommandStatus, note: string): CommandResult {
  return { ...base, status, exitCode: null, signal: null, durationMs: 0, outputHead: '', outputTail: '', outputBytes: 0, outputTruncated: false, warnings: 0, note }
}

function commandResult(base: { check: CheckName; command: string; timeoutMs: number }, o: RunCommandOutcome, warnings: number): CommandResult {
  let status: CommandStatus
  let note: string | null = null
  if (o.spawnError) {
    status = 'error'
    note = `could not start: ${o.spawnError}`
  } else if (o.cancelled) {
    status = 'cancelled'
    note = 'stopped: the run was cancelled'
  } else if (o.timedOut) {
    status = 'timed-out'
    note = `stopped at its time limit of ${formatSeconds(base.timeoutMs)}${o.killed ? ' (it ignored SIGTERM and was killed)' : ''}`
  } else if (o.exitCode === 0) {
    status = 'ok'
  } else {
    status = 'failed'
    note = o.exitCode !== null ? `exit code ${o.exitCode}` : `ended by ${o.signal ?? 'an unknown signal'}`
  }
  return {
    ...base,
    status,
    exitCode: o.exitCode,
    signal: o.signal,
    durationMs: o.durationMs,
    outputHead: o.output.head,
    outputTail: o.output.tail,
    outputBytes: o.output.totalBytes,
    outputTruncated: o.output.truncated,
    warnings,
    note
  }
}

function failedRun(run: Run, message: string): CheckRunResult {
  const now = new Date().toISOString()
  const checks = CHECK_NAMES.map((check) => notRun({ check, command: run.request.commands[check], timeoutMs: run.request.timeouts[check] }, run.request.commands[check] ? 'error' : 'skipped', run.request.commands[check] ? message : 'no command is set for this check'))
  return { worktree: run.key, head: null, dirty: null, startedAt: now, finishedAt: now, durationMs: 0, overall: checks.some(didNotPass) ? 'failed' : 'ok', checks, coverage: null, warnings: 0 }
}
