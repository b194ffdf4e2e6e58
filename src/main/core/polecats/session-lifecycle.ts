// A polecat session from start to end: the PTY process and its log, how its end is recorded, stopping it,
// and the start-up reconciliation that ends what a crashed control room left running.
import type { Bead } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import type { Inbox } from '../inbox/inbox'
import type { Sessions } from '../sessions/sessions'
import { SessionLog, appendSessionEvent, readSessionOutput } from '../sessions/session-log'
import { TerminalStream } from '../terminals/terminal-stream'
import { BackgroundBudget } from '../terminals/background-budget'
import { identityOf } from '../processes/process-identity'
import { endRecordedAgents } from '../processes/agent-processes'
import type { AgentTerminals } from './agent-terminals'
import type { PolecatStore } from './polecat-store'
import type { AgentSignals } from './polecats'
import type { BranchKeeper } from './branch-keeper'

/** What all terminals nobody watches may print together, in bytes per second (see BackgroundBudget). */
export const BACKGROUND_BYTES_PER_SECOND = 8_000_000

/** How long an agent gets to end after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3000
/** How long a quit waits for the agents' work to be committed and pushed, all of them together. */
export const SAVE_ON_QUIT_MS = 20_000

export interface SessionStart {
  polecatId: string
  sessionId: string
  bead: Bead
  branch: string
  runtime: string
  command: string
  logPath: string
  argv: string[]
  cwd: string
  env: Record<string, string>
  /** The runtime reports what the agent does through hooks (else its activity is only its process). */
  hooks: boolean
  /** Recognises a screen that waits for a human before the agent works (a first-run dialog): its name. */
  blockingScreen?: (output: string) => string | null
}

/** When a start that has not been heard from is looked at for a blocking screen, in ms after the start. */
const STARTUP_LOOKS_MS = [2_000, 5_000, 10_000, 20_000, 40_000]

type Topic = 'beads' | 'polecats' | 'sessions' | 'ledger' | 'inbox'

export class SessionLifecycle {
  /** Why a session is ending, when the core knows before the process exits (stopped, done, app-quit). */
  private endReasons = new Map<string, string>()
  private background = new BackgroundBudget(BACKGROUND_BYTES_PER_SECOND)
  /** Starts not yet heard from (no hook yet), by polecat: their pending looks, and an alarm raised for one. */
  private unheard = new Map<string, { timers: NodeJS.Timeout[]; alarm: string | null }>()

  constructor(
    private d: {
      db: Db
      ledger: Ledger
      inbox: Inbox
      sessions: Sessions
      store: PolecatStore
      terminals: AgentTerminals
      changed: (...topics: Topic[]) => void
      signals: AgentSignals
      keeper: BranchKeeper
    }
  ) {}

  /**
   * A start is watched until its runtime's first hook is heard: a screen waiting for a human (folder trust,
   * login) is raised to the inbox and shown as such, never as "working".
   */
  private watchStart(s: SessionStart, stream: TerminalStream): void {
    const detect = s.blockingScreen
    if (!s.hooks || !detect) return
    const watch = { timers: [] as NodeJS.Timeout[], alarm: null as string | null }
    this.unheard.set(s.polecatId, watch)
    for (const ms of STARTUP_LOOKS_MS) {
      const t = setTimeout(() => {
        if (this.unheard.get(s.polecatId) !== watch || !stream.running || watch.alarm || !this.d.db.open) return
        const screen = detect(stream.snapshotState().data)
        if (!screen) return
        this.d.store.setActivity(s.polecatId, 'blocked_screen', 'process', screen)
        this.d.signals.blockedScreen(s.polecatId, screen)
        const item = this.d.inbox.raise(
          {
            kind: 'alarm',
            severity: 'P1',
            title: `${s.polecatId} is stuck on a screen that waits for a human: ${screen}`,
            body: `Its agent (${s.runtime}) has not started working: it shows "${screen}". Take over its terminal to answer it, or stop the polecat.`,
            rig: s.polecatId.split('/')[0],
            polecatId: s.polecatId,
            beadId: s.bead.id,
            sessionId: s.sessionId
          },
          'core',
          'polecat.blocked-screen'
        )
        watch.alarm = item.id
        void this.d.terminals.screenOf(s.polecatId).then((t) => t && this.d.db.open && this.d.inbox.annotate(item.id, { screen: t.screen }))
      }, ms)
      t.unref()
      watch.timers.push(t)
    }
  }

  /** The runtime's first hook (or any since): it is past its start-up screens. */
  heardFrom(polecatId: string): void {
    const watch = this.unheard.get(polecatId)
    if (!watch) return
    this.unheard.delete(polecatId)
    for (const t of watch.timers) clearTimeout(t)
    if (watch.alarm) this.d.inbox.close(watch.alarm, { status: 'resolved', by: 'agent', resolution: 'the agent got past the screen and started' })
  }

  /** Starts the agent in its PTY; its session row must exist. Throws CoreError if the program cannot start. */
  start(s: SessionStart): TerminalStream {
    const { polecatId: id, sessionId, bead } = s
    const log = new SessionLog(s.logPath, {
      // The disk refusing the log must reach the human, not crash the core: the agent keeps running.
      onTrouble: (message) => {
        if (!this.d.db.open) return
        this.d.inbox.raise(
          {
            kind: 'alarm',
            severity: 'P1',
            title: `Session log of ${id} is not being written`,
            body: `${message}. The agent keeps running and its terminal stays live; free disk space to let the log catch up.`,
            rig: id.split('/')[0],
            polecatId: id,
            beadId: bead.id,
            sessionId
          },
          'core',
          'session.log-trouble'
        )
        this.d.changed('ledger')
      },
      onRecovered: () => {
        if (this.d.db.open) this.d.ledger.append('core', 'session.log-recovered', bead.id, { polecat: id, session: sessionId })
      }
    })
    log.event('session.started', { polecat: id, bead: bead.id, branch: s.branch, runtime: s.runtime, command: s.command })
    let stream: TerminalStream
    try {
      stream = new TerminalStream(id, sessionId, { file: s.argv[0], args: s.argv.slice(1), cwd: s.cwd, env: s.env }, log, this.background)
    } catch (err) {
      log.event('session.failed-to-start', { error: String(err) })
      log.close()
      this.endSession(id, sessionId, null, 'failed-to-start')
      throw new CoreError('failed', `could not start ${s.argv[0]}: ${(err as Error).message}`)
    }
    this.d.terminals.set(id, stream)
    // pid + start time: after a crash, start-up finds this very process again, never one that reused its pid.
    const identity = identityOf(stream.pid)
    inTransaction(this.d.db, () => {
      this.d.sessions.setProcess(sessionId, stream.pid, identity)
      this.d.store.set(id, { state: 'working', pid: stream.pid })
      // With hooks, "working" waits for the agent to say so; without, a running process is all we know.
      this.d.store.setActivity(id, s.hooks ? 'starting' : 'working', s.hooks ? 'hooks' : 'process')
    })
    this.watchStart(s, stream)
    stream.onOutput(() => this.d.signals.output(id))
    this.d.signals.sessionStarted({ polecatId: id, rig: id.split('/')[0], beadId: bead.id, sessionId, hooks: s.hooks })
    stream.onExit((code) => {
      log.event('session.exited', { exitCode: code })
      log.close()
      if (!this.d.db.open) return
      const reason = this.endReasons.get(sessionId) ?? (code === 0 ? 'exited' : 'crashed')
      this.endReasons.delete(sessionId)
      try {
        this.d.sessions.setOutputBytes(sessionId, stream.outputBytes)
        this.endSession(id, sessionId, code, reason)
      } catch (err) {
        // The ledger could not record the end (a full or failing disk); the next start's reconciliation will.
        console.error(`polecat ${id}: could not record the end of session ${sessionId}: ${(err as Error).message}`)
      }
      stream.sendToViewers({ type: 'terminal.exit', polecatId: id, sessionId, exitCode: code, reason })
    })
    return stream
  }

  endSession(polecatId: string, sessionId: string, exitCode: number | null, reason: string): void {
    // A process that outlived the app's shutdown grace period ends after the database closed;
    // the next start-up's reconciliation records it instead.
    if (!this.d.db.open) return
    inTransaction(this.d.db, () => {
      this.d.sessions.end(sessionId, exitCode, reason)
      const row = this.d.store.row(polecatId)
      this.d.signals.sessionEnded({ polecatId, sessionId, exitCode, reason, hookedBead: row && row.session_id === sessionId ? row.bead_id : null })
      // An agent gone by itself (exited, crashed) may have left work uncommitted: saved before anything else runs there.
      if (row && row.session_id === sessionId && row.bead_id && !['done', 'stopped', 'app-quit', 'app-restart'].includes(reason)) {
        void this.d.keeper.saveWork(polecatId, `its agent ${reason}`)
      } else if (row && row.session_id === sessionId) this.d.keeper.pushPending(polecatId)
      if (row && row.session_id === sessionId) {
        // The hook outlives the process: a bead still hooked stays with this polecat for the next session.
        this.d.store.set(polecatId, { state: row.bead_id ? 'exited' : 'idle', pid: null, taken_over: 0 })
        this.d.store.setActivity(polecatId, reason === 'done' ? 'done' : 'exited', row.activity_source)
      }
      this.d.ledger.append('core', 'session.ended', polecatId, { session: sessionId, exitCode, reason })
    })
    this.d.changed('polecats', 'sessions', 'ledger', 'beads')
  }

  /** Marks the session done (gt done) so its end is recorded as such; unhooks the bead. */
  markDone(polecatId: string, sessionId: string): void {
    this.endReasons.set(sessionId, 'done')
    this.d.store.set(polecatId, { state: 'idle', bead_id: null })
    this.d.store.setActivity(polecatId, 'done', this.d.store.row(polecatId)?.activity_source ?? 'process')
  }

  /** Saves the worktree's uncommitted work (a WIP commit, pushed), then ends the agent. */
  async stop(id: string, actor: string, why = 'it was stopped') {
    const pc = this.d.store.get(id)
    const stream = this.d.terminals.get(id)
    if (!stream?.running) throw new CoreError('conflict', `${id} has no running session`)
    this.endReasons.set(stream.sessionId, 'stopped')
    this.d.ledger.append(actor, 'polecat.stopped', id, { session: stream.sessionId })
    await this.d.keeper.saveWork(id, why)
    // Resumes a paused PTY first, so the exit is seen; then the whole group, TERM and after a grace KILL.
    stream.kill('SIGTERM')
    void this.endProcesses([stream.sessionId], STOP_GRACE_MS)
    return pc
  }

  /** Stops the agent and resolves once its session has ended. */
  async stopAndWait(id: string, actor: string, why?: string): Promise<void> {
    const stream = this.d.terminals.get(id)
    if (!stream?.running) return
    const ended = new Promise<void>((res) => stream.onExit(() => setImmediate(res)))
    await this.stop(id, actor, why)
    await ended
  }

  /**
   * Start-up reconciliation, safe to run any number of times. Every session a previous run left open had its
   * agent started by a control room that is gone: whatever of it still runs (an agent that ignored the hang-up,
   * or what it started) cannot be re-attached to a new PTY, so it is ended — TERM, then KILL, whole process
   * group — before anything can be slung again. Then the session ends as `app-restart`, and its polecat keeps
   * its hook as `exited`.
   */
  async reconcile(): Promise<void> {
    const open = this.d.sessions.listOpenProcesses().filter((s) => !this.d.terminals.runningSession(s.id))
    const ended = await endRecordedAgents(open.map((s) => ({ sessionId: s.id, pid: s.pid, identity: s.pidIdentity })), STOP_GRACE_MS)
    for (const e of ended) {
      const s = open.find((o) => o.id === e.sessionId)!
      this.d.ledger.append('core', 'session.orphan-ended', s.polecatId, { session: s.id, pids: e.pids, killed: e.killed })
    }
    for (const s of open) {
      appendSessionEvent(s.logPath, 'session.ended', { reason: 'app-restart' })
      this.d.sessions.setOutputBytes(s.id, Buffer.byteLength(readSessionOutput(s.logPath).data))
      this.endSession(s.polecatId, s.id, null, 'app-restart')
    }
    for (const row of this.d.store.rows("WHERE state IN ('starting','working')")) {
      if (!this.d.terminals.isRunning(row.id)) this.d.store.set(row.id, { state: row.bead_id ? 'exited' : 'idle', pid: null, taken_over: 0 })
    }
  }

  /** Ends every live session (app quit); a session whose process outlives the grace period is ended all the same. */
  /**
   * Quit (or a drain): every live agent's uncommitted work is saved (WIP commits, pushed), at most
   * SAVE_ON_QUIT_MS for all of them together, with progress; then every session is ended.
   */
  async shutdown(progress?: (done: number, total: number, polecatId: string | null) => void): Promise<void> {
    const live = this.d.terminals.running()
    let done = 0
    progress?.(0, live.length, null)
    await Promise.race([
      Promise.all(live.map((s) => this.d.keeper.saveWork(s.polecatId, 'the control room quit').then(() => progress?.(++done, live.length, s.polecatId)))),
      new Promise((res) => setTimeout(res, SAVE_ON_QUIT_MS).unref())
    ])
    const exited = Promise.all(live.map((s) => new Promise<void>((res) => s.onExit(() => res()))))
    for (const s of live) {
      this.endReasons.set(s.sessionId, 'app-quit')
      s.kill('SIGTERM')
    }
    // The agent and whatever it started in its group or with its GT_SESSION: nothing of it outlives the quit.
    await this.endProcesses(live.map((s) => s.sessionId), 2000)
    await Promise.race([exited, new Promise((res) => setTimeout(res, 500).unref())])
    for (const s of live) if (s.running) this.endSession(s.polecatId, s.sessionId, null, 'app-quit')
    for (const w of this.unheard.values()) for (const t of w.timers) clearTimeout(t)
    this.background.dispose()
  }

  private endProcesses(sessionIds: string[], graceMs: number) {
    const agents = sessionIds.map((id) => this.d.sessions.processOf(id)).filter((a) => a !== null)
    return endRecordedAgents(agents, graceMs)
  }
}
