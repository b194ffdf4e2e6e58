// While an agent floods its terminal, xterm redraws the screen on every animation frame (about 55 a second
// here), and a DOM redraw of a scrolling screen costs the page several ms of main thread and more in the
// compositor: about a third of the page's time, spent drawing text nobody can read at that speed. So while a
// terminal is flooded its redraws are held FLOOD_FRAME_MS apart, by wrapping its output in synchronized-
// output blocks (DEC private mode 2026, "keep the screen as it is until the block ends"), which xterm honours.
// xterm still parses every byte the moment it can; only drawing waits, and the last screen is always drawn.
//
// Agents use mode 2026 themselves (TUIs redraw inside such blocks). Their blocks are tracked and never cut
// short; ours carry a private second parameter, which xterm ignores, so the two are told apart. A new block
// starts only after a frame was drawn, so back-to-back blocks can never starve the screen. While a human
// types into the terminal nothing is held: an echo must show at once.

/** Output written since the last drawn frame, in bytes, at which a terminal counts as flooded: a few screens. */
export const FLOOD_CHARS_PER_FRAME = 16 * 1024
/** How long a flooded terminal's screen is held: at most about 20 redraws a second. */
export const FLOOD_FRAME_MS = 50
/** Marks our own mode-2026 sequences (CSI ? 2026 ; 7777 h/l); xterm ignores the unknown mode 7777. */
export const FLOOD_MARK = 7777
const BEGIN = `\x1b[?2026;${FLOOD_MARK}h`
const END = `\x1b[?2026;${FLOOD_MARK}l`

interface Disposable {
  dispose(): void
}

/** The part of an xterm Terminal this uses. */
export interface FloodTerminal {
  write(data: string): void
  parser: { registerCsiHandler(id: { prefix?: string; final: string }, callback: (params: (number | number[])[]) => boolean): Disposable }
  onRender(listener: () => void): Disposable
}

type Timer = (fn: () => void, ms: number) => () => void
const realTimer: Timer = (fn, ms) => {
  const t = setTimeout(fn, ms)
  return () => clearTimeout(t)
}

export class FloodFrames {
  private sinceDrawn = 0
  private cancelHold: (() => void) | null = null
  private drawnSinceRelease = true
  private agentBlock = false
  private enabled = true
  private subs: Disposable[]

  constructor(
    private term: FloodTerminal,
    private timer: Timer = realTimer
  ) {
    const watch = (on: boolean) => (params: (number | number[])[]) => {
      if (params.includes(2026) && !params.includes(FLOOD_MARK)) this.agentBlock = on
      return false // xterm's own handler still sets the mode
    }
    this.subs = [
      term.parser.registerCsiHandler({ prefix: '?', final: 'h' }, watch(true)),
      term.parser.registerCsiHandler({ prefix: '?', final: 'l' }, watch(false)),
      term.onRender(() => {
        this.drawnSinceRelease = true
        this.sinceDrawn = 0
      })
    ]
  }

  /** Whether the screen is being held now. */
  get holding(): boolean {
    return this.cancelHold !== null
  }

  /** Before `bytes` of output are written to the terminal. */
  beforeWrite(bytes: number): void {
    this.sinceDrawn += bytes
    if (this.holding || !this.enabled || !this.drawnSinceRelease || this.sinceDrawn < FLOOD_CHARS_PER_FRAME) return
    this.term.write(BEGIN)
    this.cancelHold = this.timer(() => this.release(), FLOOD_FRAME_MS)
  }

  /** Off while a human types into the terminal. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled
    if (!enabled) this.release()
  }

  /** After the terminal was reset (a fresh snapshot): nothing is held any more. */
  reset(): void {
    this.cancelHold?.()
    this.cancelHold = null
    this.sinceDrawn = 0
    this.drawnSinceRelease = true
    this.agentBlock = false
  }

  dispose(): void {
    this.cancelHold?.()
    this.cancelHold = null
    for (const s of this.subs) s.dispose()
  }

  private release(): void {
    if (!this.cancelHold) return
    this.cancelHold()
    this.cancelHold = null
    this.drawnSinceRelease = false
    // The end goes behind the output already queued, so the screen drawn next is the newest one. An agent's
    // own block is the agent's to end (or xterm's, after 1 s): cutting it would tear its screen.
    if (!this.agentBlock) this.term.write(END)
  }
}
