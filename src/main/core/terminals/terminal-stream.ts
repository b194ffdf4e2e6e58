// One live polecat terminal: a node-pty process whose output is batched, logged, kept in a replay buffer
// and sent to the views attached to it, with flow control. A view acknowledges characters after xterm has
// parsed them; when any view is more than FLOW.highWater behind, the PTY is paused until all are below
// FLOW.lowWater. Views that are not attached cost nothing but the log and the replay buffer.
import * as pty from 'node-pty'
import { FLOW, type CoreEvent } from '../../../shared/contract'
import type { ClientConnection } from '../connection'
import { ReplayBuffer } from './replay-buffer'
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

export class TerminalStream implements Throttleable {
  private proc: pty.IPty
  private viewers = new Map<string, Viewer>()
  private replay = new ReplayBuffer(FLOW.replayBytes)
  private pending = ''
  private timer: NodeJS.Timeout | null = null
  private lastFlush = 0
  private flowPaused = false // a viewer is too far behind
  private throttled = false // over the shared budget of unwatched terminals
  private ptyPaused = false
  private childGone = false // the agent exited: read its PTY to the end whatever the viewers say
  private pauseWatch: NodeJS.Timeout | null = null
  private flowPausedAt = 0
  private exitListeners: ((code: number | null, signal: number | null) => void)[] = []
  private firstOutput: (() => void)[] = []
  outputChars = 0
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
    this.proc = pty.spawn(spawn.file, spawn.args, {
      name: 'xterm-256color',
      cols: spawn.cols ?? 120,
      rows: spawn.rows ?? 32,
      cwd: spawn.cwd,
      env: spawn.env
    })
    this.proc.onData((data) => this.onData(data))
    this.proc.onExit(({ exitCode, signal }) => this.handleExit(exitCode, signal ?? null))
  }

  get pid(): number {
    return this.proc.pid
  }

  private onData(data: string): void {
    this.pending += data
    this.outputChars += data.length
    for (const f of this.firstOutput.splice(0)) f()
    // Unwatched terminals are charged per read, so the shared budget holds whatever the batch size.
    if (this.viewers.size === 0) this.budget.take(this, data.length)
    if (this.pending.length >= FLOW.batchMaxChars) return this.flush()
    if (this.timer) return
    // The first output after a quiet spell (a keystroke's echo) goes at once; what follows is batched.
    if (performance.now() - this.lastFlush >= FLOW.batchMs) return this.flush()
    this.timer = setTimeout(() => this.flush(), FLOW.batchMs)
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (!this.pending) return
    const data = this.pending
    this.pending = ''
    this.lastFlush = performance.now()
    this.outputBytes += Buffer.byteLength(data)
    const seq = this.replay.push(data)
    this.log.output(seq, data)
    const event: CoreEvent = { type: 'terminal.output', polecatId: this.polecatId, sessionId: this.sessionId, seq, data }
    for (const v of this.viewers.values()) {
      v.unacked += data.length
      v.client.send(event)
    }
    this.applyFlowControl()
  }

  private applyFlowControl(): void {
    let behind = 0
    for (const v of this.viewers.values()) behind = Math.max(behind, v.unacked)
    if (!this.flowPaused && behind > FLOW.highWater) {
      this.flowPaused = true
      this.flowPausedAt = Date.now()
    } else if (this.flowPaused && behind < FLOW.lowWater) this.flowPaused = false
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
        if (v.unacked < FLOW.lowWater) continue
        this.viewers.delete(id)
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
    this.viewers.set(client.id, { client, unacked: 0 })
    this.budget.release(this)
    return this.replay.snapshot()
  }

  detach(clientId: string): void {
    if (this.viewers.delete(clientId)) this.applyFlowControl()
  }

  ack(clientId: string, chars: number): void {
    const v = this.viewers.get(clientId)
    if (!v) return
    v.unacked = Math.max(0, v.unacked - chars)
    this.applyFlowControl()
  }

  write(data: string): void {
    if (this.running) this.proc.write(data)
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
    if (this.outputChars > 0) return Promise.resolve()
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
      this.flush()
      this.running = false
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
