// Which clients are typing. A keystroke's echo reaches the page on the same socket as every other terminal
// that page watches, behind whatever output those have in flight; when a flooding terminal keeps its whole
// window in flight, the page parses that before it sees the echo (bench/run.ts: the echo p95 under a
// 20-agent flood went from 45-70 ms to about 20 with a smaller window). So while a client types, its other
// terminals keep only FLOW.typingHighWater in flight; a second after its last keystroke they have their
// whole window again.
import { FLOW } from '../../../shared/contract'
import { ChangeListeners } from './change-listeners'

export class TypingClients {
  private until = new Map<string, number>()
  private listeners = new ChangeListeners('typing clients')
  private timer: NodeJS.Timeout | null = null

  /** Input went to a terminal these clients watch: one of them is typing. */
  typed(clientIds: Iterable<string>): void {
    const until = performance.now() + FLOW.typingMs
    let started = false
    for (const id of clientIds) {
      if (!this.until.has(id)) started = true
      this.until.set(id, until)
    }
    if (started) this.listeners.notify()
    this.timer ??= setTimeout(() => this.expire(), FLOW.typingMs).unref()
  }

  isTyping(clientId: string): boolean {
    return (this.until.get(clientId) ?? 0) > performance.now()
  }

  /** Called whenever a client starts or stops typing; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.listeners.add(listener)
  }

  private expire(): void {
    this.timer = null
    const now = performance.now()
    let stopped = false
    let next = Infinity
    for (const [id, until] of this.until) {
      if (until <= now) {
        this.until.delete(id)
        stopped = true
      } else next = Math.min(next, until)
    }
    if (next < Infinity) this.timer = setTimeout(() => this.expire(), Math.max(1, next - now)).unref()
    if (stopped) this.listeners.notify()
  }
}

/** One per process: every terminal of a core shares the clients that watch them. */
export const typingClients = new TypingClients()
