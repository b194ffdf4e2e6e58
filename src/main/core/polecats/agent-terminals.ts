// The live terminals of this run of the control room, one per polecat, and what views do with them:
// attach (a snapshot, or the tail of the session log once the process is gone), acknowledge, resize, and
// type into them while a human has taken the polecat over.
import type { Session } from '../../../shared/domain'
import { CoreError, FLOW, type TerminalSnapshot } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import type { Sessions } from '../sessions/sessions'
import { readSessionOutput } from '../sessions/session-log'
import type { TerminalStream } from '../terminals/terminal-stream'
import type { ClientConnection } from '../connection'
import { screenText, type ScreenText } from '../terminals/screen-text'
import type { PolecatStore } from './polecat-store'

export class AgentTerminals {
  private streams = new Map<string, TerminalStream>() // by polecat id: the live or last session of this run
  /** The size each PTY was last given (spawned at 120×32, see TerminalStream): a screen is read at that size. */
  private sizes = new Map<string, { cols: number; rows: number }>()

  constructor(
    private d: { db: Db; ledger: Ledger; store: PolecatStore; sessions: Sessions; changed: (...topics: ('polecats' | 'ledger')[]) => void }
  ) {}

  set(polecatId: string, stream: TerminalStream): void {
    this.streams.set(polecatId, stream)
    this.sizes.set(polecatId, { cols: 120, rows: 32 })
  }

  get(polecatId: string): TerminalStream | undefined {
    return this.streams.get(polecatId)
  }

  isRunning(polecatId: string): boolean {
    return this.streams.get(polecatId)?.running ?? false
  }

  /** The stream of this run that is still running session `sessionId`, if any. */
  runningSession(sessionId: string): TerminalStream | undefined {
    for (const s of this.streams.values()) if (s.sessionId === sessionId && s.running) return s
    return undefined
  }

  running(): TerminalStream[] {
    return [...this.streams.values()].filter((s) => s.running)
  }

  private live(id: string): TerminalStream {
    const s = this.streams.get(id)
    if (!s?.running) throw new CoreError('conflict', `${id} has no running session`)
    return s
  }

  attach(id: string, client: ClientConnection): TerminalSnapshot {
    const pc = this.d.store.get(id)
    const stream = this.streams.get(id)
    if (stream && stream.sessionId === pc.sessionId) {
      const snap = stream.attach(client)
      return { polecatId: id, sessionId: stream.sessionId, ...snap, takenOver: pc.takenOver, running: stream.running }
    }
    // No process in this run of the app: replay the tail of the last session's log.
    const session = pc.sessionId ? this.d.sessions.find(pc.sessionId) : null
    if (!session) return { polecatId: id, sessionId: null, data: '', seq: 0, truncated: false, takenOver: false, running: false }
    const logged = readSessionOutput(session.logPath)
    let data = logged.data
    const truncated = data.length > FLOW.replayBytes
    if (truncated) {
      // Start the tail at a line break, so it does not open in the middle of an escape sequence.
      data = data.slice(-FLOW.replayBytes)
      const nl = data.indexOf('\n')
      if (nl >= 0 && nl < 4096) data = data.slice(nl + 1)
    }
    return { polecatId: id, sessionId: session.id, data, seq: logged.lastSeq, truncated, takenOver: false, running: false }
  }

  detach(id: string, clientId: string): void {
    this.streams.get(id)?.detach(clientId)
  }

  detachAll(clientId: string): void {
    for (const s of this.streams.values()) s.detach(clientId)
  }

  ack(id: string, clientId: string, chars: number): void {
    this.streams.get(id)?.ack(clientId, chars)
  }

  resize(id: string, cols: number, rows: number): void {
    const s = this.streams.get(id)
    if (!s?.running) return
    s.resize(cols, rows)
    this.sizes.set(id, { cols, rows })
  }

  input(id: string, data: string): void {
    const pc = this.d.store.get(id)
    if (!pc.takenOver) throw new CoreError('conflict', `take over ${id} before typing into its terminal`)
    const stream = this.live(id)
    stream.write(data)
    stream.log.input(data)
  }

  /** Types text into the agent's prompt as one paste, then submits it (mail at the prompt; see MailDelivery). */
  typeInto(id: string, text: string): void {
    const stream = this.live(id)
    // Bracketed paste: the TUI takes the text as typed input, newlines included, without acting on each line.
    stream.write(`\x1b[200~${text}\x1b[201~`)
    setTimeout(() => stream.write('\r'), 150)
    stream.log.event('mail.typed', { chars: text.length })
  }

  setTakenOver(id: string, on: boolean, actor: string) {
    const stream = this.live(id)
    inTransaction(this.d.db, () => {
      this.d.store.set(id, { taken_over: on ? 1 : 0 })
      this.d.ledger.append(actor, on ? 'terminal.takeover' : 'terminal.handback', id, { session: stream.sessionId })
    })
    stream.log.event(on ? 'terminal.takeover' : 'terminal.handback', { by: actor })
    this.d.changed('polecats', 'ledger')
    return this.d.store.get(id)
  }

  /** The terminal as a person would see it now: the live stream's recent output, else its last session's log. */
  async screenOf(id: string): Promise<ScreenText | null> {
    const stream = this.streams.get(id)
    if (stream?.running) return screenText(stream.snapshotState().data, this.sizes.get(id))
    const pc = this.d.store.row(id)
    const session = pc?.session_id ? this.d.sessions.find(pc.session_id) : null
    if (!session) return null
    const data = readSessionOutput(session.logPath).data
    return screenText(data.slice(-FLOW.replayBytes))
  }

  /** Sessions as listed, with the output size of live ones counted up to now. */
  withLiveOutput(sessions: Session[]): Session[] {
    return sessions.map((s) => {
      const stream = this.streams.get(s.polecatId)
      return stream?.running && stream.sessionId === s.id ? { ...s, outputBytes: stream.outputBytes } : s
    })
  }
}
