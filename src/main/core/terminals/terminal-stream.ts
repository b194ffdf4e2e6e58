// One live polecat terminal: a node-pty process whose output is batched, logged, kept in a replay buffer
// and sent to the views attached to it, with flow control. A view acknowledges bytes after xterm has
// parsed them; when any view is more than FLOW.highWater behind, the PTY is paused until all are below
// FLOW.lowWater — FLOW.typingHighWater / typingLowWater for a view whose client is typing into another
// terminal (typing-clients.ts), FLOW.soloHighWater / soloLowWater for a view whose client watches no other
// terminal (watching-clients.ts). Views that are not attached cost nothing but the log and the replay buffer.
//
// Output stays the PTY's bytes from end to end: node-pty reads without decoding (`encoding: null`), the log,
// the replay buffer, the WebSocket frame and the IPC event all take bytes, and only xterm decodes UTF-8.
// Decoding here and encoding again for each of them was a fifth of the core's CPU per MiB (bench/run.ts).
// Batches are cut at character boundaries (utf8.ts), so each chunk decodes on its own. Reads land in the
// batch's own buffer where this Node allows it (pty-reader.ts), not in a chunk per read.
import * as pty from 'node-pty'
import { FLOW, type CoreEvent } from '../../../shared/contract'
import type { ClientConnection } from '../connection'
import { ReplayBuffer } from './replay-buffer'
import { typingClients } from './typing-clients'
import { watchingClients } from './watching-clients'
import { OutputBatch } from './output-batch'
import { readPtyInPlace } from './pty-reader'
import type { SessionLog } from '../sessions/session-log'
import type { BackgroundBudget, Throttleable } from './background-budget'

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

interface Viewer {
  client: ClientConnection
  unacked: number
}

export interface TerminalSpawn {
  file: string
  args: string[]
  cwd: string
  env: Record<string, string>
  cols?: number
  rows?: number
}

/**
 * node-pty turns the terminal's UTF-8 mode (IUTF8: erasing a whole character in a program that reads lines)
 * on only when it decodes the output itself. Reading bytes, the child sets it before it becomes the agent:
 * `sh -c 'stty iutf8; exec AGENT'` is the agent's own process (same pid) once exec'd.
 */
function withUtf8Terminal(spawn: TerminalSpawn): { file: string; args: string[] } {
  if (process.platform === 'win32') return { file: spawn.file, args: spawn.args } // ConPTY: no termios
  return { file: '/bin/sh', args: ['-c', 'stty iutf8 2>/dev/null; exec "$0" "$@"', spawn.file, ...spawn.args] }
}

export class TerminalStream implements Throttleable {
  private proc: pty.IPty
  private viewers = new Map<string, Viewer>()
  private replay = new ReplayBuffer(FLOW.replayBytes)
  /** Reads not yet sent; may start with the tail of a character cut short by the last batch. */
  private batch = new OutputBatch(FLOW.batchMaxBytes)
  /** Reads land in `batch` itself (pty-reader.ts); false: they come as 'data' chunks, copied in. */
  readonly readsInPlace: boolean
  private timer: NodeJS.Timeout | null = null
  private lastFlush = 0
  private flowPaused = false // a viewer is too far behind
  private throttled = false // over the shared budget of unwatched terminals
  private ptyPaused = false
  private childGone = false // the agent exited: read its PTY to the end whatever the viewers say
  private pauseWatch: NodeJS.Timeout | null = null
  private flowPausedAt = 0
  private exitListeners: ((code: number | null, signal: number | null) => void)[] = []
  /** Told once per batch that output came (not what): the witness's sign of life. */
  private outputListener: (() => void) | null = null
  private firstOutput: (() => void)[] = []
  private lastInputAt = -Infinity
  private offTyping: () => void
  private offWatching: () => void
  /** UTF-8 bytes printed so far (what History shows as the session's size). */
  outputBytes = 0
  running = true
  exitCode: number | null = null

  constructor(
    readonly polecatId: string,
    readonly sessionId: string,
    spawn: TerminalSpawn,
    readonly log: SessionLog,
    private budget: BackgroundBudget
  ) {
    const { file, args } = withUtf8Terminal(spawn)
    this.proc = pty.spawn(file, args, {
      name: 'xterm-256color',
      cols: spawn.cols ?? 120,
      rows: spawn.rows ?? 32,
      cwd: spawn.cwd,
      env: spawn.env,
      encoding: null
    })
    this.readsInPlace = readPtyInPlace(
      this.proc,
      () => this.batch.readTarget(),
      (n) => {
        this.batch.landed(n)
        this.onRead(n)
      }
    )
    // Buffers with `encoding: null`, except on Windows, where node-pty hands over strings whatever it is told.
    if (!this.readsInPlace)
      this.proc.onData((data: string | Buffer) => {
        const bytes = typeof data === 'string' ? Buffer.from(data) : data
        this.batch.append(bytes)
        this.onRead(bytes.length)
      })
    this.proc.onExit(({ exitCode, signal }) => this.handleExit(exitCode, signal ?? null))
    this.offTyping = typingClients.onChange(() => this.viewers.size && this.applyFlowControl())
    this.offWatching = watchingClients.onChange(() => this.viewers.size && this.applyFlowControl())
  }

  get pid(): number {
    return this.proc.pid
  }

  /** `n` bytes more in the batch. */
  private onRead(n: number): void {
    this.outputBytes += n
    if (this.firstOutput.length) for (const f of this.firstOutput.splice(0)) f()
    // Unwatched terminals are charged per read, so the shared budget holds whatever the batch size.
    if (this.viewers.size === 0) this.budget.take(this, n)
    if (this.batch.bytes >= FLOW.batchMaxBytes) return this.flush()
    if (this.timer) return
    // The first output after a quiet spell (a keystroke's echo) goes at once; what follows is batched.
    if (performance.now() - this.lastFlush >= FLOW.batchMs) return this.flush()
    this.timer = setTimeout(() => this.flush(), FLOW.batchMs)
  }

  /** Sends what is pending as one chunk; `whole` sends a character cut short too (the agent has exited). */
  private flush(whole = false): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    // What is left is the start of a character whose rest the next read brings; nothing at all: null.
    const data = this.batch.take(whole)
    if (!data) return
    this.lastFlush = performance.now()
    const seq = this.replay.push(data)
    this.log.output(seq, data)
    const event: CoreEvent = { type: 'terminal.output', polecatId: this.polecatId, sessionId: this.sessionId, seq, data }
    for (const v of this.viewers.values()) {
      v.unacked += data.length
      v.client.send(event)
    }
    this.outputListener?.()
    this.applyFlowControl()
  }

  /** One listener, called once per batch of output (a flood costs a call every few ms, never per byte). */
  onOutput(listener: () => void): void {
    this.outputListener = listener
  }

  /** How far behind this viewer may be: less while its client types into another terminal, more while it watches this one alone. */
  private windowOf(v: Viewer): { high: number; low: number } {
    const typedHere = performance.now() - this.lastInputAt < FLOW.typingMs
    if (!typedHere && typingClients.isTyping(v.client.id)) return { high: FLOW.typingHighWater, low: FLOW.typingLowWater }
    if (watchingClients.watchesOne(v.client.id)) return { high: FLOW.soloHighWater, low: FLOW.soloLowWater }
    return { high: FLOW.highWater, low: FLOW.lowWater }
  }

  /** Forgets a viewer, in watchingClients too (unless the agent's exit already did: viewers of an ended terminal are not counted). */
  private dropViewer(id: string): boolean {
    if (!this.viewers.delete(id)) return false
    if (this.running) watchingClients.unwatch(id)
    return true
  }

  private applyFlowControl(): void {
    let over = false
    let under = true
    for (const v of this.viewers.values()) {
      const w = this.windowOf(v)
      if (v.unacked > w.high) over = true
      if (v.unacked >= w.low) under = false
    }
    if (!this.flowPaused && over) {
      this.flowPaused = true
      this.flowPausedAt = Date.now()
    } else if (this.flowPaused && under) this.flowPaused = false
    this.updatePty()
  }

  throttle(on: boolean): void {
    this.throttled = on
    this.updatePty()
  }

  private updatePty(): void {
    const pause = this.running && !this.childGone && (this.flowPaused || this.throttled)
    if (pause === this.ptyPaused) return
    this.ptyPaused = pause
    if (pause) {
      this.proc.pause()
      this.pauseWatch ??= setInterval(() => this.watchWhilePaused(), 25)
    } else {
      if (this.pauseWatch) clearInterval(this.pauseWatch)
      this.pauseWatch = null
      this.proc.resume()
    }
  }

  private watchWhilePaused(): void {
    // node-pty waits only 200 ms after the child exits for the PTY to be read to its end, then drops
    // the rest: watch for the exit ourselves and drain, so no output is ever lost.
    if (processGone(this.proc.pid)) this.childGone = true
    // A view that stopped acknowledging (a hidden tab, a dead socket) must not hold the agent forever.
    if (this.flowPaused && Date.now() - this.flowPausedAt > FLOW.stallMs) {
      for (const [id, v] of this.viewers) {
        if (v.unacked < this.windowOf(v).low) continue
        this.dropViewer(id)
        v.client.send({ type: 'terminal.lagged', polecatId: this.polecatId, sessionId: this.sessionId })
      }
      this.applyFlowControl()
    }
    this.updatePty()
  }

  get isPaused(): boolean {
    return this.ptyPaused
  }

  attach(client: ClientConnection): { data: string; seq: number; truncated: boolean } {
    this.flush()
    if (!this.viewers.has(client.id) && this.running) watchingClients.watch(client.id)
    this.viewers.set(client.id, { client, unacked: 0 })
    this.budget.release(this)
    return this.replay.snapshot()
  }

  detach(clientId: string): void {
    if (this.dropViewer(clientId)) this.applyFlowControl()
  }

  /** A view has parsed `bytes` more of the output sent to it. */
  ack(clientId: string, bytes: number): void {
    const v = this.viewers.get(clientId)
    if (!v) return
    v.unacked = Math.max(0, v.unacked - bytes)
    this.applyFlowControl()
  }

  write(data: string): void {
    if (!this.running) return
    this.lastInputAt = performance.now()
    typingClients.typed(this.viewers.keys())
    this.proc.write(data)
  }

  resize(cols: number, rows: number): void {
    if (this.running) this.proc.resize(cols, rows)
  }

  kill(signal = 'SIGTERM'): void {
    if (!this.running) return
    // A paused PTY is never read to its end, and node-pty reports exit only after that: resume first.
    this.flowPaused = false
    this.throttled = false
    this.updatePty()
    this.proc.kill(signal)
  }

  /** Resolves on the first output or after `ms`, whichever comes first (used before typing a prompt). */
  whenFirstOutput(ms: number): Promise<void> {
    if (this.outputBytes > 0) return Promise.resolve()
    return new Promise((res) => {
      const t = setTimeout(res, ms)
      this.firstOutput.push(() => {
        clearTimeout(t)
        res()
      })
    })
  }

  onExit(listener: (code: number | null, signal: number | null) => void): void {
    this.exitListeners.push(listener)
  }

  private handleExit(code: number | null, signal: number | null): void {
    // node-pty can report exit before the last data event; give queued output a turn first.
    setImmediate(() => {
      this.flush(true)
      this.running = false
      this.offTyping()
      this.offWatching()
      // An ended terminal holds no window: its viewers' other terminals may have the bigger one now.
      for (const id of this.viewers.keys()) watchingClients.unwatch(id)
      if (this.pauseWatch) clearInterval(this.pauseWatch)
      this.pauseWatch = null
      this.budget.release(this)
      this.exitCode = code
      for (const l of this.exitListeners) {
        // This runs from node-pty's event: a throw here would end the whole core, and every agent with it.
        try {
          l(code, signal)
        } catch (err) {
          console.error(`terminal ${this.polecatId}: an exit handler failed: ${(err as Error).stack ?? err}`)
        }
      }
    })
  }

  sendToViewers(event: CoreEvent): void {
    for (const v of this.viewers.values()) v.client.send(event)
  }

  snapshotState(): { data: string; seq: number; truncated: boolean } {
    this.flush()
    return this.replay.snapshot()
  }
}
