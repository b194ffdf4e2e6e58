// Polecats: worker agents with a persistent name, each in its own worktree and branch, running an agent CLI
// in a real PTY. This is what the rest of the core sees of them; the work is done by the parts beside it:
//   polecat-store.ts      the polecats table and the hook (one bead, one polecat)
//   sling.ts              choosing a polecat, hooking the bead, preparing its worktree, starting its agent
//   session-lifecycle.ts  a session's process and log, its end, stopping, start-up reconciliation, quit
//   agent-terminals.ts    the live terminals: attach, acknowledge, resize, takeover, typing
import type { AgentActivity, Polecat, RuntimePreset, Session } from '../../../shared/domain'
import type { Params, TerminalSnapshot } from '../../../shared/contract'
import type { Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import type { Beads } from '../beads/beads'
import type { Rigs } from '../rigs/rigs'
import type { Inbox } from '../inbox/inbox'
import type { Sessions } from '../sessions/sessions'
import type { ClientConnection } from '../connection'
import type { TerminalStream } from '../terminals/terminal-stream'
import { PolecatStore } from './polecat-store'
import { AgentTerminals } from './agent-terminals'
import { SessionLifecycle } from './session-lifecycle'
import { Sling } from './sling'
import { hashToken } from './tokens'
import type { GitIdentity } from './agent-git'
import type { PolecatInstructions } from './instructions'
import { BranchKeeper } from './branch-keeper'
import type { AdmissionRequest, AdmitOptions, Slot } from '../scheduler/scheduler'

export { hashToken }

export interface PolecatDeps {
  db: Db
  ledger: Ledger
  beads: Beads
  rigs: Rigs
  sessions: Sessions
  inbox: Inbox
  town: string
  runtimes: () => { list: RuntimePreset[]; defaultName: string }
  /** Environment every agent gets besides its GT_* identity (PATH with gt first). */
  agentEnv: () => Record<string, string>
  endpointUrl: () => string
  gitHooksDir: string
  gitIdentity: () => GitIdentity
  gtPath: string
  claudeConfig: () => 'user' | 'town'
  instructions: PolecatInstructions
  changed: (...topics: ('beads' | 'polecats' | 'sessions' | 'ledger' | 'inbox')[]) => void
  /** Each polecat that changed, as it now is (views upsert it). */
  polecatChanged: (p: Polecat) => void
  /** A human handed a terminal back: mail waiting at the prompt may go now. */
  handedBack: (polecatId: string) => void
  /** Why dispatch is paused town-wide (a mass death), or null. */
  dispatchPaused: () => string | null
  /** What the witness hears of sessions: starts, output, ends, takeovers, blocking screens. */
  signals: AgentSignals
  /** A push or a WIP save of a polecat's branch failed: the human hears of it. */
  branchTrouble: (polecat: Polecat, message: string) => void
  /** The scheduler's admission: every start of a session waits for a slot (scheduler/scheduler.ts). */
  admit: (req: AdmissionRequest, opts: AdmitOptions) => Promise<Slot>
}

/** The signs of a polecat's sessions that the witness follows. */
export interface AgentSignals {
  sessionStarted(p: { polecatId: string; rig: string; beadId: string | null; sessionId: string; hooks: boolean }): void
  output(polecatId: string): void
  sessionEnded(p: { polecatId: string; sessionId: string; exitCode: number | null; reason: string; hookedBead: string | null }): void
  takenOver(polecatId: string, on: boolean): void
  blockedScreen(polecatId: string, screen: string): void
}

export class Polecats {
  private store: PolecatStore
  private terminals: AgentTerminals
  private lifecycle: SessionLifecycle
  private slinger: Sling
  readonly keeper: BranchKeeper

  constructor(private d: PolecatDeps) {
    this.store = new PolecatStore(d.db, d.polecatChanged)
    this.terminals = new AgentTerminals({ db: d.db, ledger: d.ledger, store: this.store, sessions: d.sessions, changed: d.changed })
    this.keeper = new BranchKeeper({
      ledger: d.ledger,
      polecat: (id) => (this.store.row(id) ? this.store.get(id) : null),
      identity: d.gitIdentity,
      trouble: d.branchTrouble
    })
    this.lifecycle = new SessionLifecycle({ db: d.db, ledger: d.ledger, inbox: d.inbox, sessions: d.sessions, store: this.store, terminals: this.terminals, changed: d.changed, signals: d.signals, keeper: this.keeper })
    this.slinger = new Sling({ ...d, store: this.store, terminals: this.terminals, lifecycle: this.lifecycle, keeper: this.keeper })
  }

  list(): Polecat[] {
    return this.store.list()
  }

  get(id: string): Polecat {
    return this.store.get(id)
  }

  find(id: string): Polecat | null {
    const row = this.store.row(id)
    return row ? this.store.get(id) : null
  }

  /** What the witness found: its last check, the Dogs' retries on its current failure. */
  recordHealth(id: string, change: Partial<Polecat['health']>): void {
    const pc = this.find(id)
    if (pc) this.store.set(id, { health: JSON.stringify({ ...pc.health, ...change }) })
  }

  /** The witness's note of the last sign of life and of progress (written now and then, shown in the views). */
  recordActivity(id: string, activityAt: string, progressAt: string): void {
    if (this.store.row(id)) this.store.set(id, { last_activity_at: activityAt, last_progress_at: progressAt })
  }

  /** Starts once the scheduler has room (`opts.progress` hears why it waits); `opts.signal` leaves the queue. */
  sling(p: Params<'sling'>, actor: string, opts: AdmitOptions = {}): Promise<Polecat> {
    return this.slinger.sling(p, actor, opts)
  }

  /** A new session on the polecat's hooked bead, worktree and branch, saying why it resumes. */
  restart(id: string, why: string, actor: string, opts: AdmitOptions = {}): Promise<Polecat> {
    return this.slinger.restart(id, why, actor, opts)
  }

  /** Stops the agent (its work saved first) and resolves once its session has ended. */
  stopAndWait(id: string, actor: string, why?: string): Promise<void> {
    return this.lifecycle.stopAndWait(id, actor, why)
  }

  /** Saves the worktree's uncommitted work (WIP commit, pushed), then ends the agent. */
  stop(id: string, actor: string): Promise<Polecat> {
    return this.lifecycle.stop(id, actor)
  }

  /** The bead goes back on the hook of the polecat that finished it (its merge request came back). */
  rehook(polecatId: string, beadId: string): boolean {
    const ok = this.store.rehook(polecatId, beadId)
    if (ok) {
      this.d.ledger.append('refinery', 'polecat.rehooked', beadId, { polecat: polecatId })
      this.d.polecatChanged(this.store.get(polecatId))
    }
    return ok
  }

  markDone(polecatId: string, sessionId: string): void {
    this.lifecycle.markDone(polecatId, sessionId)
  }

  reconcile(): Promise<void> {
    return this.lifecycle.reconcile()
  }

  shutdown(progress?: (done: number, total: number, polecatId: string | null) => void): Promise<void> {
    return this.lifecycle.shutdown(progress).finally(() => this.keeper.dispose())
  }

  attach(id: string, client: ClientConnection): TerminalSnapshot {
    return this.terminals.attach(id, client)
  }

  detach(id: string, clientId: string): void {
    this.terminals.detach(id, clientId)
  }

  detachAll(clientId: string): void {
    this.terminals.detachAll(clientId)
  }

  ack(id: string, clientId: string, chars: number): void {
    this.terminals.ack(id, clientId, chars)
  }

  resize(id: string, cols: number, rows: number): void {
    this.terminals.resize(id, cols, rows)
  }

  input(id: string, data: string): void {
    this.terminals.input(id, data)
  }

  setTakenOver(id: string, on: boolean, actor: string): Polecat {
    const pc = this.terminals.setTakenOver(id, on, actor)
    this.d.signals.takenOver(id, on)
    if (!on) this.d.handedBack(id)
    return pc
  }

  /** What the agent is doing, from its runtime's signals (or its process, for runtimes without hooks). */
  setActivity(id: string, activity: AgentActivity, source: 'hooks' | 'process', detail: string | null = null): void {
    this.store.setActivity(id, activity, source, detail)
  }

  /** A hook of the agent's runtime was heard: it is past its start-up screens. */
  heardFrom(id: string): void {
    this.lifecycle.heardFrom(id)
  }

  /** Idle at its prompt (its hooks say so), running, and no human at its terminal: text may be typed in. */
  readyForTyping(id: string): boolean {
    const pc = this.store.row(id)
    return !!pc && pc.activity === 'at_prompt' && pc.activity_source === 'hooks' && pc.taken_over === 0 && this.terminals.isRunning(id)
  }

  typeInto(id: string, text: string): void {
    this.terminals.typeInto(id, text)
  }

  /** The agent's terminal as plain text (its screen, and the last lines), for inbox items and detectors. */
  screenOf(id: string) {
    return this.terminals.screenOf(id)
  }

  isRunning(id: string): boolean {
    return this.terminals.isRunning(id)
  }

  withLiveOutput(sessions: Session[]): Session[] {
    return this.terminals.withLiveOutput(sessions)
  }

  streamOf(id: string): TerminalStream | undefined {
    return this.terminals.get(id)
  }

  /** For the agent API: the live session behind a token, if its session is still running. */
  sessionForToken(token: string): Session | null {
    return this.d.sessions.findLiveByTokenHash(hashToken(token))
  }
}
