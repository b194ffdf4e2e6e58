// Polecats: worker agents with a persistent name, each in its own worktree and branch, running an agent CLI
// in a real PTY. This file owns sling (allocate, worktree, hook, spawn), the live terminals, and what happens
// when a session ends. Everything it changes is written to the ledger in the same transaction.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Polecat, PolecatState, RuntimePreset, Session } from '../../../shared/domain'
import { CoreError, FLOW, type Params, type TerminalSnapshot } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import type { Beads } from '../beads/beads'
import type { Rigs } from '../rigs/rigs'
import { polecatsDir } from '../rigs/rigs'
import { branchExists, git, gitMessage, isDirty, refExists } from '../git/git'
import { nextName } from './names'
import { fillCommand, firstPrompt } from './prompt'
import { TerminalStream } from '../terminals/terminal-stream'
import { BackgroundBudget } from '../terminals/background-budget'
import { SessionLog, appendSessionEvent, readSessionOutput } from '../sessions/session-log'
import type { Inbox } from '../inbox/inbox'
import type { Sessions } from '../sessions/sessions'
import type { ClientConnection } from '../connection'

interface PolecatRow {
  id: string
  rig: string
  name: string
  state: PolecatState
  bead_id: string | null
  branch: string | null
  worktree: string
  session_id: string | null
  runtime: string | null
  taken_over: number
  pid: number | null
  updated_at: string
}
const toPolecat = (r: PolecatRow): Polecat => ({
  id: r.id,
  rig: r.rig,
  name: r.name,
  state: r.state,
  beadId: r.bead_id,
  branch: r.branch,
  worktree: r.worktree,
  sessionId: r.session_id,
  runtime: r.runtime,
  takenOver: r.taken_over === 1,
  pid: r.pid,
  updatedAt: r.updated_at
})

/** What all terminals nobody watches may print together, per second (see BackgroundBudget). */
export const BACKGROUND_CHARS_PER_SECOND = 8_000_000

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

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
  changed: (...topics: ('beads' | 'polecats' | 'sessions' | 'ledger' | 'inbox')[]) => void
}

export class Polecats {
  private streams = new Map<string, TerminalStream>() // by polecat id: the live or last session of this run
  /** Why a session is ending, when the core knows before the process exits (stopped, done, app-quit). */
  private endReasons = new Map<string, string>()
  private background = new BackgroundBudget(BACKGROUND_CHARS_PER_SECOND)
  private slingQueue = new Map<string, Promise<Polecat>>()

  constructor(private d: PolecatDeps) {}

  list(): Polecat[] {
    return (this.d.db.prepare('SELECT * FROM polecats ORDER BY rig, name').all() as PolecatRow[]).map(toPolecat)
  }

  get(id: string): Polecat {
    const row = this.d.db.prepare('SELECT * FROM polecats WHERE id = ?').get(id) as PolecatRow | undefined
    if (!row) throw new CoreError('not_found', `no polecat ${id}`)
    return toPolecat(row)
  }

  private setState(id: string, fields: Partial<Record<keyof PolecatRow, unknown>>): void {
    const cols = Object.keys(fields)
    this.d.db
      .prepare(`UPDATE polecats SET ${[...cols.map((c) => `${c} = ?`), 'updated_at = ?'].join(', ')} WHERE id = ?`)
      .run(...cols.map((c) => (fields as Record<string, unknown>)[c]), now(), id)
  }

  /** An idle polecat of the rig whose worktree is clean, else a new name from the pool. */
  private async allocate(rig: string): Promise<{ name: string; reused: boolean }> {
    const rows = this.d.db.prepare('SELECT * FROM polecats WHERE rig = ? ORDER BY name').all(rig) as PolecatRow[]
    for (const r of rows) {
      if (r.state !== 'idle' && r.state !== 'exited') continue
      if (r.bead_id) continue // an exited polecat still holding a hook keeps it for its bead
      if (this.streams.get(r.id)?.running) continue
      if (existsSync(r.worktree) && (await isDirty(r.worktree).catch(() => true))) continue
      return { name: r.name, reused: true }
    }
    return { name: nextName(new Set(rows.map((r) => r.name))), reused: false }
  }

  /** Creates (or re-uses) the worktree on the polecat branch. Safe to run again for the same polecat and bead. */
  private async ensureWorktree(rigPath: string, base: string, worktree: string, branch: string): Promise<void> {
    const repo = git(rigPath)
    if (existsSync(join(worktree, '.git'))) {
      const wt = git(worktree)
      if (await branchExists(rigPath, branch)) await wt.checkout(branch)
      else await wt.checkout(['-b', branch, base])
    } else {
      await repo.raw(['worktree', 'prune'])
      if (await branchExists(rigPath, branch)) await repo.raw(['worktree', 'add', worktree, branch])
      else await repo.raw(['worktree', 'add', '-b', branch, worktree, base])
    }
    // The hook's .gt/ folder (session logs) must never be committed: exclude it for every worktree of the rig.
    const commonDir = (await repo.raw(['rev-parse', '--git-common-dir'])).trim()
    const exclude = join(rigPath, commonDir, 'info', 'exclude')
    await mkdir(join(rigPath, commonDir, 'info'), { recursive: true })
    const current = await readFile(exclude, 'utf8').catch(() => '')
    if (!current.split('\n').includes('.gt/')) await appendFile(exclude, `${current.endsWith('\n') || !current ? '' : '\n'}.gt/\n`)
  }

  /** The base a polecat branch starts from: the rig's remote default branch when it can be fetched. */
  private async baseRef(rigPath: string, defaultBranch: string): Promise<string> {
    await git(rigPath)
      .fetch('origin')
      .catch(() => {}) // offline or source gone: start from what the town's clone has
    return (await refExists(rigPath, `origin/${defaultBranch}`)) ? `origin/${defaultBranch}` : defaultBranch
  }

  /**
   * Slings into one rig run one at a time: allocating a name and creating its worktree are async, and two
   * at once would pick the same idle polecat (or hook the same bead twice).
   */
  async sling(p: Params<'sling'>, actor: string): Promise<Polecat> {
    const previous = this.slingQueue.get(p.rig) ?? Promise.resolve()
    const run = previous.catch(() => {}).then(() => this.slingNow(p, actor))
    this.slingQueue.set(p.rig, run)
    try {
      return await run
    } finally {
      if (this.slingQueue.get(p.rig) === run) this.slingQueue.delete(p.rig)
    }
  }

  private async slingNow(p: Params<'sling'>, actor: string): Promise<Polecat> {
    const bead = this.d.beads.get(p.bead)
    const rig = this.d.rigs.get(p.rig)
    if (bead.status === 'closed') throw new CoreError('conflict', `bead ${bead.id} is closed`)
    if (bead.type === 'merge-request') throw new CoreError('conflict', `${bead.id} is a merge request, not work to sling`)
    const holder = this.d.db.prepare('SELECT * FROM polecats WHERE bead_id = ?').get(bead.id) as PolecatRow | undefined
    if (holder && this.streams.get(holder.id)?.running) throw new CoreError('conflict', `bead ${bead.id} is already hooked to ${holder.id}, which is running`)
    if (p.agent && p.agentCmd) throw new CoreError('invalid_params', 'give either --agent or --agent-cmd, not both')

    const { list, defaultName } = this.d.runtimes()
    const runtimeName = p.agentCmd ? 'custom' : (p.agent ?? defaultName)
    const runtime = list.find((r) => r.name === runtimeName)
    if (!runtime) throw new CoreError('invalid_params', `unknown agent runtime "${runtimeName}"; known: ${list.map((r) => r.name).join(', ')}`)
    if (runtime.name === 'custom' && !p.agentCmd) throw new CoreError('invalid_params', 'the custom runtime needs --agent-cmd')

    // A bead whose exited polecat still holds its hook goes back to that polecat: same worktree, same branch.
    const { name } = holder && holder.rig === rig.name ? { name: holder.name } : await this.allocate(rig.name)
    const id = `${rig.name}/${name}`
    const worktree = join(polecatsDir(this.d.town, rig.name), name)
    const branch = `polecat/${name}/${bead.id}`
    try {
      await this.ensureWorktree(rig.path, await this.baseRef(rig.path, rig.defaultBranch), worktree, branch)
    } catch (err) {
      throw new CoreError('failed', `could not prepare the worktree for ${id}: ${gitMessage(err)}`)
    }
    this.streams.get(id)?.kill()

    const sessionId = `s-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    const token = randomBytes(32).toString('base64url')
    const logPath = join(worktree, '.gt', 'sessions', `${sessionId}.jsonl`)
    const prompt = firstPrompt({ polecat: id, bead, rig: rig.name, branch })
    const argv = fillCommand(runtime.command, { prompt, command: p.agentCmd ?? '' })
    const command = p.agentCmd ?? argv.join(' ')

    inTransaction(this.d.db, () => {
      this.d.db
        .prepare(
          `INSERT INTO polecats (id, rig, name, state, bead_id, branch, worktree, session_id, runtime, taken_over, pid, updated_at)
           VALUES (?, ?, ?, 'starting', ?, ?, ?, ?, ?, 0, NULL, ?)
           ON CONFLICT(id) DO UPDATE SET state = 'starting', bead_id = excluded.bead_id, branch = excluded.branch,
             session_id = excluded.session_id, runtime = excluded.runtime, taken_over = 0, updated_at = excluded.updated_at`
        )
        .run(id, rig.name, name, bead.id, branch, worktree, sessionId, runtime.name, now())
      this.d.beads.setWork(bead.id, 'hooked', id)
      this.d.sessions.insert({ id: sessionId, polecatId: id, rig: rig.name, beadId: bead.id, runtime: runtime.name, command, logPath, tokenHash: hashToken(token) })
      this.d.ledger.append(actor, 'polecat.slung', bead.id, { polecat: id, branch, runtime: runtime.name, session: sessionId })
    })

    const log = new SessionLog(logPath, {
      // The disk refusing the log must reach the human, not crash the core: the agent keeps running.
      onTrouble: (message) => {
        if (!this.d.db.open) return
        this.d.inbox.raise(
          { severity: 'P1', title: `Session log of ${id} is not being written`, body: `${message}. The agent keeps running and its terminal stays live; free disk space to let the log catch up.`, polecatId: id, beadId: bead.id },
          'core',
          'session.log-trouble'
        )
        this.d.changed('inbox', 'ledger')
      },
      onRecovered: () => {
        if (this.d.db.open) this.d.ledger.append('core', 'session.log-recovered', bead.id, { polecat: id, session: sessionId })
      }
    })
    log.event('session.started', { polecat: id, bead: bead.id, branch, runtime: runtime.name, command })
    const env: Record<string, string> = {
      ...this.d.agentEnv(),
      GT_TOWN: this.d.town,
      GT_RIG: rig.name,
      GT_POLECAT: id,
      GT_BEAD: bead.id,
      GT_TOKEN: token,
      GT_ENDPOINT: this.d.endpointUrl(),
      GT_SESSION: sessionId,
      GT_PROMPT: prompt
    }
    let stream: TerminalStream
    try {
      stream = new TerminalStream(id, sessionId, { file: argv[0], args: argv.slice(1), cwd: worktree, env }, log, this.background)
    } catch (err) {
      log.event('session.failed-to-start', { error: String(err) })
      log.close()
      this.endSession(id, sessionId, null, 'failed-to-start')
      throw new CoreError('failed', `could not start ${argv[0]}: ${(err as Error).message}`)
    }
    this.streams.set(id, stream)
    this.setState(id, { state: 'working', pid: stream.pid })
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
    if (runtime.promptMode === 'type') {
      // Type the prompt once the CLI has drawn something, then submit it: a typed but unsubmitted prompt
      // is the classic "agent never started".
      void stream.whenFirstOutput(3000).then(() => {
        stream.write(prompt)
        setTimeout(() => stream.write('\r'), 150)
      })
    }
    this.d.changed('beads', 'polecats', 'sessions', 'ledger')
    return this.get(id)
  }

  private endSession(polecatId: string, sessionId: string, exitCode: number | null, reason: string): void {
    // A process that outlived the app's shutdown grace period ends after the database closed;
    // the next start-up's reconciliation records it instead.
    if (!this.d.db.open) return
    inTransaction(this.d.db, () => {
      this.d.sessions.end(sessionId, exitCode, reason)
      const row = this.d.db.prepare('SELECT * FROM polecats WHERE id = ?').get(polecatId) as PolecatRow | undefined
      if (row && row.session_id === sessionId) {
        // The hook outlives the process: a bead still hooked stays with this polecat for the next session.
        this.setState(polecatId, { state: row.bead_id ? 'exited' : 'idle', pid: null, taken_over: 0 })
      }
      this.d.ledger.append('core', 'session.ended', polecatId, { session: sessionId, exitCode, reason })
    })
    this.d.changed('polecats', 'sessions', 'ledger', 'beads')
  }

  /** Marks the session done (gt done) so its end is recorded as such; unhooks the bead. */
  markDone(polecatId: string, sessionId: string): void {
    this.endReasons.set(sessionId, 'done')
    this.setState(polecatId, { state: 'idle', bead_id: null })
  }

  stop(id: string, actor: string): Polecat {
    const pc = this.get(id)
    const stream = this.streams.get(id)
    if (!stream?.running) throw new CoreError('conflict', `${id} has no running session`)
    this.endReasons.set(stream.sessionId, 'stopped')
    this.d.ledger.append(actor, 'polecat.stopped', id, { session: stream.sessionId })
    stream.kill('SIGTERM')
    // An agent that ignores SIGTERM is killed for real after a grace period.
    setTimeout(() => stream.kill('SIGKILL'), 3000).unref()
    return pc
  }

  // ---- terminals ----

  private liveStream(id: string): TerminalStream {
    const s = this.streams.get(id)
    if (!s?.running) throw new CoreError('conflict', `${id} has no running session`)
    return s
  }

  attach(id: string, client: ClientConnection): TerminalSnapshot {
    const pc = this.get(id)
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
    this.streams.get(id)?.resize(cols, rows)
  }

  input(id: string, data: string): void {
    const pc = this.get(id)
    if (!pc.takenOver) throw new CoreError('conflict', `take over ${id} before typing into its terminal`)
    const stream = this.liveStream(id)
    stream.write(data)
    stream.log.input(data)
  }

  setTakenOver(id: string, on: boolean, actor: string): Polecat {
    const stream = this.liveStream(id)
    inTransaction(this.d.db, () => {
      this.setState(id, { taken_over: on ? 1 : 0 })
      this.d.ledger.append(actor, on ? 'terminal.takeover' : 'terminal.handback', id, { session: stream.sessionId })
    })
    stream.log.event(on ? 'terminal.takeover' : 'terminal.handback', { by: actor })
    this.d.changed('polecats', 'ledger')
    return this.get(id)
  }

  /** For the agent API: the live session behind a token, if its session is still running. */
  sessionForToken(token: string): Session | null {
    return this.d.sessions.findLiveByTokenHash(hashToken(token))
  }

  isRunning(id: string): boolean {
    return this.streams.get(id)?.running ?? false
  }

  /**
   * Start-up reconciliation, safe to run any number of times: sessions that were live when the app died are
   * ended as `app-restart`, and their polecats keep their hooks as `exited`.
   */
  reconcile(): void {
    for (const s of this.d.sessions.listOpen()) {
      if (this.streams.get(s.polecatId)?.sessionId === s.id) continue
      appendSessionEvent(s.logPath, 'session.ended', { reason: 'app-restart' })
      this.d.sessions.setOutputBytes(s.id, Buffer.byteLength(readSessionOutput(s.logPath).data))
      this.endSession(s.polecatId, s.id, null, 'app-restart')
    }
    for (const row of this.d.db.prepare("SELECT * FROM polecats WHERE state IN ('starting','working')").all() as PolecatRow[]) {
      if (!this.isRunning(row.id)) this.setState(row.id, { state: row.bead_id ? 'exited' : 'idle', pid: null, taken_over: 0 })
    }
  }

  /** Ends every live session (app quit); a session whose process outlives the grace period is ended all the same. */
  async shutdown(): Promise<void> {
    const live = [...this.streams.values()].filter((s) => s.running)
    await Promise.all(
      live.map(
        (s) =>
          new Promise<void>((res) => {
            s.onExit(() => res())
            this.endReasons.set(s.sessionId, 'app-quit')
            s.kill('SIGTERM')
            setTimeout(() => {
              s.kill('SIGKILL')
              res()
            }, 2000).unref()
          })
      )
    )
    for (const s of live) if (s.running) this.endSession(s.polecatId, s.sessionId, null, 'app-quit')
    this.background.dispose()
  }

  /** Sessions as listed, with the output size of live ones counted up to now. */
  withLiveOutput(sessions: Session[]): Session[] {
    return sessions.map((s) => {
      const stream = this.streams.get(s.polecatId)
      return stream?.running && stream.sessionId === s.id ? { ...s, outputBytes: stream.outputBytes } : s
    })
  }

  streamOf(id: string): TerminalStream | undefined {
    return this.streams.get(id)
  }
}
