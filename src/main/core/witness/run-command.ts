// Runs one check command: `sh -c COMMAND` in a folder, with a time limit, an environment that cannot prompt,
// and its output kept within bounds and streamed to scanners. Asynchronous all the way (a child process and
// its pipes), so a slow or noisy command never stalls the core's event loop.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { OutputCapture, type CapturedOutput } from './output-capture'
import { CHECK_MARKER_VARIABLE, endProcessGroup } from './process-group'

export interface RunCommandOptions {
  command: string
  cwd: string
  /** The whole environment of the command (see checkEnvironment). */
  env: Record<string, string>
  timeoutMs: number
  /** From SIGTERM to SIGKILL. */
  graceMs: number
  headBytes: number
  tailBytes: number
  /** Stops the command (as a time-out does, but reported as cancelled). */
  signal?: AbortSignal
  /** Decoded output as it arrives, stdout and stderr each in its own order. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void
}

export interface RunCommandOutcome {
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  cancelled: boolean
  /** The command could not be started (its folder is missing, no sh): the reason. */
  spawnError: string | null
  /** SIGKILL was needed to end it (it ignored SIGTERM). */
  killed: boolean
  durationMs: number
  output: CapturedOutput
}

/**
 * After the command itself exits, how long its pipes may stay open (held by something it left running in
 * the background) before that is ended too: a check is over when its command is, and nothing it started may
 * go on working in the worktree.
 */
const DRAIN_AFTER_EXIT_MS = 1000

/**
 * The environment of a check: the core's own (less GT_*, ELECTRON_RUN_AS_NODE, NODE_OPTIONS, NODE_TEST_CONTEXT
 * and FORCE_COLOR), made unable to prompt — no TTY (stdin is /dev/null and there is
 * no controlling terminal), CI=1 (tools skip interactive steps), git and ssh never ask for a password,
 * editors and pagers are `true`/`cat` — and without colours, so what is stored is plain text.
 */
export function checkEnvironment(base: NodeJS.ProcessEnv = process.env, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v
  // As for agents (core.ts): nothing of the core's own identity or Node setup leaks into the project's tools.
  for (const k of Object.keys(env)) if (k.startsWith('GT_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT' || k === 'FORCE_COLOR') delete env[k]
  Object.assign(env, {
    CI: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_EDITOR: 'true',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    EDITOR: 'true',
    VISUAL: 'true',
    NO_COLOR: '1',
    TERM: 'dumb'
  })
  return { ...env, ...extra }
}

export function runCommand(opts: RunCommandOptions): Promise<RunCommandOutcome> {
  const started = Date.now()
  const capture = new OutputCapture(opts.headBytes, opts.tailBytes)
  const marker = randomUUID()
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>
    const finish = (o: Omit<RunCommandOutcome, 'durationMs' | 'output'>) => resolve({ ...o, durationMs: Date.now() - started, output: capture.result() })
    if (opts.signal?.aborted) return finish({ exitCode: null, signal: null, timedOut: false, cancelled: true, spawnError: null, killed: false })
    try {
      child = spawn('sh', ['-c', opts.command], {
        cwd: opts.cwd,
        env: { ...opts.env, [CHECK_MARKER_VARIABLE]: marker },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true
      })
    } catch (err) {
      return finish({ exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError: (err as Error).message, killed: false })
    }
    let exited = false
    let exitCode: number | null = null
    let exitSignal: string | null = null
    let stopping: Promise<boolean> | null = null
    let stopReason: 'timeout' | 'cancel' | null = null
    let spawnError: string | null = null
    let drainTimer: NodeJS.Timeout | null = null
    let settled = false
    const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') }

    const stop = (reason: 'timeout' | 'cancel' | 'leftovers'): Promise<boolean> => {
      if (reason !== 'leftovers' && !stopReason && !exited) stopReason = reason
      if (!stopping && child.pid !== undefined) stopping = endProcessGroup({ pgid: child.pid, marker, leaderRunning: () => !exited, graceMs: opts.graceMs })
      return stopping ?? Promise.resolve(false)
    }
    const timer = setTimeout(() => void stop('timeout'), opts.timeoutMs)
    const onAbort = () => void stop('cancel')
    opts.signal?.addEventListener('abort', onAbort, { once: true })

    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      capture.push(chunk)
      if (opts.onOutput) opts.onOutput(decoders[stream].decode(chunk, { stream: true }), stream)
    }
    child.stdout!.on('data', onData('stdout'))
    child.stderr!.on('data', onData('stderr'))

    const settle = async () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (drainTimer) clearTimeout(drainTimer)
      opts.signal?.removeEventListener('abort', onAbort)
      // Whatever the command left behind (a background job, a daemon of a test) ends with it.
      const killed = await stop('leftovers')
      if (opts.onOutput) {
        const a = decoders.stdout.decode()
        const b = decoders.stderr.decode()
        if (a) opts.onOutput(a, 'stdout')
        if (b) opts.onOutput(b, 'stderr')
      }
      child.stdout?.destroy()
      child.stderr?.destroy()
      finish({
        exitCode: stopReason ? null : exitCode,
        signal: exitSignal,
        timedOut: stopReason === 'timeout',
        cancelled: stopReason === 'cancel',
        spawnError,
        killed
      })
    }

    child.on('error', (err) => {
      // Spawning failed (ENOENT of the cwd or of sh): there will be no exit event.
      if (child.pid === undefined) {
        spawnError = err.message
        exited = true
        void settle()
      }
    })
    child.on('exit', (code, sig) => {
      exited = true
      exitCode = code
      exitSignal = sig
      // Normally the pipes close right after; if something the command started still holds them, end it.
      drainTimer = setTimeout(() => void settle(), stopping ? opts.graceMs + 2500 : DRAIN_AFTER_EXIT_MS)
    })
    child.on('close', () => void settle())
  })
}
