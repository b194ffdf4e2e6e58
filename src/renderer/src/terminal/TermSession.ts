// One polecat's live terminal in the UI: an xterm that mirrors the PTY through the contract.
// Kept out of React so output never goes through a render: chunks go straight to xterm, and the
// pane only hears about state changes (attached, taken over, exited).
//
// Ordering: attach returns a snapshot ending at `seq`; live chunks that arrive before it resolves
// are buffered, and any chunk at or below the last applied seq is a duplicate and dropped.
// Flow control: bytes of live output are acknowledged once xterm has parsed them, every
// FLOW.ackEvery bytes or after a short quiet spell, so the core can pause a flooding PTY. Output arrives
// as the PTY's UTF-8 bytes (both transports) and goes to xterm as it is: xterm decodes it.
import { FitAddon } from '@xterm/addon-fit'
import { Terminal } from '@xterm/xterm'
import type { ViewEvent } from '../../../shared/contract'
import { ACK_IDLE_MS, FLOW } from '../lib/constants'
import { errorText } from '../lib/format'
import type { Theme } from '../stores/ui'
import type { Transport } from '../transport'
import { FloodFrames } from './flood-frames'
import { prepareTerminal } from './prepare'
import { registerTerm } from './registry'
import { xtermOptions, xtermTheme } from './theme'

type OutputEvent = Extract<ViewEvent, { type: 'terminal.output' }>

export interface TermState {
  phase: 'attaching' | 'live' | 'offline' | 'error'
  running: boolean
  takenOver: boolean
  truncated: boolean
  exit: { reason: string; exitCode: number | null } | null
  error: string | null
}

export const INITIAL_TERM_STATE: TermState = {
  phase: 'attaching',
  running: false,
  takenOver: false,
  truncated: false,
  exit: null,
  error: null
}

export class TermSession {
  readonly term: Terminal
  private fit = new FitAddon()
  private flood: FloodFrames
  private state: TermState = { ...INITIAL_TERM_STATE }
  private sessionId: string | null = null
  private lastSeq = -1
  private wroteAnything = false
  private attached = false
  private attachedEpoch = -1
  private attachToken = 0
  private pending: OutputEvent[] = []
  /** Bumped on every (re)attach: parse callbacks from an older connection must not ack on this one. */
  private gen = 0
  private unacked = 0
  private ackTimer: ReturnType<typeof setTimeout> | null = null
  private resizeTimer: ReturnType<typeof setTimeout> | null = null
  private inputEnabled = false
  private inputBuf = ''
  private inputBusy = false
  private disposed = false
  private cleanups: (() => void)[] = []

  constructor(
    private client: Transport,
    readonly polecatId: string,
    host: HTMLElement,
    /** Carries `data-seq`, the last applied chunk, for tests. */
    private seqTarget: HTMLElement,
    theme: Theme,
    private onState: (state: TermState) => void
  ) {
    this.term = new Terminal(xtermOptions(theme))
    this.term.loadAddon(this.fit)
    this.term.open(host)
    this.cleanups.push(prepareTerminal(this.term, (kind) => (seqTarget.dataset.renderer = kind)))
    this.cleanups.push(registerTerm(polecatId, this.term))
    this.flood = new FloodFrames(this.term)
    this.cleanups.push(() => this.flood.dispose())

    const data = this.term.onData((d) => this.inputEnabled && this.queueInput(d))
    const resize = this.term.onResize(() => this.scheduleResize())
    this.cleanups.push(() => data.dispose(), () => resize.dispose())

    const ro = new ResizeObserver(() => this.fitNow())
    ro.observe(host)
    this.cleanups.push(() => ro.disconnect())

    this.cleanups.push(client.onEvent((ev) => this.handleEvent(ev)))
    this.cleanups.push(
      client.onStatus((status, epoch) => {
        if (status !== 'connected') {
          this.attached = false
          this.update({ phase: 'offline' })
        } else if (epoch !== this.attachedEpoch) {
          void this.attach()
        }
      })
    )
    this.fitNow()
    if (client.status() === 'connected') void this.attach()
    else this.update({ phase: 'offline' })
  }

  /** (Re)attach: after a reconnect the core has forgotten this client, so ask for a fresh snapshot. */
  async attach(): Promise<void> {
    const token = ++this.attachToken
    this.attached = false
    this.attachedEpoch = this.client.epoch()
    this.gen += 1
    this.unacked = 0
    this.update({ phase: 'attaching', error: null })
    try {
      const snap = await this.client.call('terminal.attach', { polecat: this.polecatId })
      if (this.disposed || token !== this.attachToken) return
      const unchanged = snap.sessionId === this.sessionId && snap.seq === this.lastSeq && this.wroteAnything
      if (!unchanged) {
        // The snapshot is the whole replay buffer, not a diff: start from a clean screen.
        if (this.wroteAnything) {
          this.term.reset()
          this.flood.reset()
        }
        this.sessionId = snap.sessionId
        this.lastSeq = snap.seq
        if (snap.data) {
          this.wroteAnything = true
          this.term.write(snap.data, () => this.markApplied(snap.seq))
        } else {
          this.markApplied(snap.seq)
        }
      }
      this.attached = true
      this.update({
        phase: 'live',
        running: snap.running,
        takenOver: snap.takenOver,
        truncated: snap.truncated,
        exit: snap.running ? null : this.state.exit
      })
      const early = this.pending
      this.pending = []
      for (const ev of early) this.applyLive(ev)
      this.sendResize()
    } catch (err) {
      if (this.disposed || token !== this.attachToken) return
      this.update({ phase: 'error', error: errorText(err) })
    }
  }

  /** Whether keystrokes go to the PTY: only while a human has taken the polecat over. */
  setInputEnabled(enabled: boolean): void {
    this.inputEnabled = enabled
    this.flood.setEnabled(!enabled)
    this.term.options.disableStdin = !enabled
    if (enabled) this.term.focus()
  }

  setTheme(theme: Theme): void {
    this.term.options.theme = xtermTheme(theme)
  }

  fitNow(): void {
    const el = this.term.element?.parentElement
    // A hidden pane measures 0x0; fitting then would shrink the PTY to nothing.
    if (!el || el.clientWidth < 20 || el.clientHeight < 20) return
    try {
      this.fit.fit()
    } catch {
      // fit throws while the renderer isn't ready yet; the next resize retries.
    }
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.gen += 1
    if (this.ackTimer) clearTimeout(this.ackTimer)
    if (this.resizeTimer) clearTimeout(this.resizeTimer)
    for (const fn of this.cleanups) fn()
    if (this.attached) this.client.call('terminal.detach', { polecat: this.polecatId }).catch(() => {})
    this.term.dispose()
  }

  private handleEvent(ev: ViewEvent): void {
    if (this.disposed) return
    if (ev.type === 'terminal.output' && ev.polecatId === this.polecatId) {
      if (this.attached) this.applyLive(ev)
      else this.pending.push(ev)
    } else if (ev.type === 'terminal.lagged' && ev.polecatId === this.polecatId) {
      // The core dropped this view for not keeping up; a fresh snapshot puts it back in step.
      void this.attach()
    } else if (ev.type === 'terminal.exit' && ev.polecatId === this.polecatId) {
      this.update({ running: false, exit: { reason: ev.reason, exitCode: ev.exitCode } })
    }
  }

  private applyLive(ev: OutputEvent): void {
    if (this.sessionId !== null && ev.sessionId !== this.sessionId) {
      // A new session on the same polecat (re-slung): its seq starts over, so the old mark no longer applies.
      this.term.write(`\r\n\x1b[2m── new session ${ev.sessionId} ──\x1b[0m\r\n`)
      this.lastSeq = -1
      this.update({ running: true, exit: null })
    } else if (ev.seq <= this.lastSeq) {
      return
    }
    this.sessionId = ev.sessionId
    this.lastSeq = ev.seq
    this.wroteAnything = true
    const gen = this.gen
    const bytes = ev.data.length
    this.flood.beforeWrite(bytes)
    this.term.write(ev.data, () => {
      this.markApplied(ev.seq)
      if (gen !== this.gen) return
      this.unacked += bytes
      if (this.unacked >= FLOW.ackEvery) this.flushAck()
      else if (!this.ackTimer) this.ackTimer = setTimeout(() => this.flushAck(), ACK_IDLE_MS)
    })
    if (!this.state.running && !this.state.exit) this.update({ running: true })
  }

  private markApplied(seq: number): void {
    this.seqTarget.dataset.seq = String(seq)
  }

  private flushAck(): void {
    if (this.ackTimer) {
      clearTimeout(this.ackTimer)
      this.ackTimer = null
    }
    if (this.unacked <= 0 || !this.attached || this.disposed) return
    const bytes = this.unacked
    this.unacked = 0
    // A notification: no reply to wait for; a lost ack is healed by the re-attach that follows a reconnect.
    this.client.notify('terminal.ack', { polecat: this.polecatId, bytes })
  }

  private scheduleResize(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer)
    this.resizeTimer = setTimeout(() => this.sendResize(), 80)
  }

  private sendResize(): void {
    if (!this.attached || this.disposed) return
    const { cols, rows } = this.term
    if (cols < 2 || rows < 2) return
    this.client.call('terminal.resize', { polecat: this.polecatId, cols, rows }).catch(() => {})
  }

  // Keystrokes are sent one call at a time, batching whatever was typed meanwhile, so order is kept
  // without a round trip per key.
  private queueInput(data: string): void {
    this.inputBuf += data
    if (!this.inputBusy) void this.pumpInput()
  }

  private async pumpInput(): Promise<void> {
    this.inputBusy = true
    while (this.inputBuf && !this.disposed) {
      const data = this.inputBuf.slice(0, 65536)
      this.inputBuf = this.inputBuf.slice(data.length)
      try {
        await this.client.call('terminal.input', { polecat: this.polecatId, data })
      } catch (err) {
        this.inputBuf = ''
        this.update({ error: `input not delivered: ${errorText(err)}` })
      }
    }
    this.inputBusy = false
  }

  private update(patch: Partial<TermState>): void {
    if (this.disposed) return
    this.state = { ...this.state, ...patch }
    this.onState(this.state)
  }
}
