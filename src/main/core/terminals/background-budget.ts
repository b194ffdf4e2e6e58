// Terminals nobody is watching share one output budget, so twenty agents printing without pause cannot
// starve the terminal on screen (or the rest of the core) of CPU. A stream over the budget has its PTY
// paused until the next tick: the agent blocks on write and loses nothing. Watched streams are never limited;
// their pace is set by the viewer's acknowledgements instead.
export interface Throttleable {
  throttle(on: boolean): void
}

export class BackgroundBudget {
  private used = 0
  private waiting = new Set<Throttleable>()
  private timer: NodeJS.Timeout | null = null
  private readonly perTick: number

  constructor(
    bytesPerSecond: number,
    private tickMs = 50
  ) {
    this.perTick = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000))
  }

  /** Counts output (bytes) of an unwatched stream; throttles it when the shared budget of this tick is spent. */
  take(stream: Throttleable, bytes: number): void {
    this.used += bytes
    if (this.used <= this.perTick || this.waiting.has(stream)) return
    this.waiting.add(stream)
    stream.throttle(true)
    this.timer ??= setTimeout(() => this.tick(), this.tickMs)
  }

  /** A stream that gained a viewer or ended leaves the queue at once. */
  release(stream: Throttleable): void {
    if (this.waiting.delete(stream)) stream.throttle(false)
  }

  private tick(): void {
    this.timer = null
    this.used = 0
    const resumed = [...this.waiting]
    this.waiting.clear()
    for (const s of resumed) s.throttle(false)
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const s of this.waiting) s.throttle(false)
    this.waiting.clear()
  }
}
