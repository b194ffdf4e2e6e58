// The AI mayor: an agent CLI the user talks to, in a PTY of its own in <town>/mayor, with a GT_TOKEN that
// reaches only the mayor tools (mayor-methods.ts). At most one runs. Its terminal is a TerminalStream like a
// polecat's (batching, acks, replay), keyed "mayor" in terminal.*; it takes input without a takeover, since
// talking to it is the point. The token lives in memory only: it dies with the session, and a restart of the
// control room ends whatever a crashed run's mayor left running (its pid and identity are in session.json).
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CoreError, FLOW, MAYOR_TERMINAL, type MayorStatus, type TerminalSnapshot } from '../../../shared/contract'
import type { RuntimePreset } from '../../../shared/domain'
import type { ClientConnection } from '../connection'
import type { Ledger } from '../ledger/ledger'
import { SessionLog, appendSessionEvent, readSessionOutput } from '../sessions/session-log'
import { TerminalStream } from '../terminals/terminal-stream'
import { BackgroundBudget } from '../terminals/background-budget'
import { identityOf } from '../processes/process-identity'
import { endRecordedAgents } from '../processes/agent-processes'
import { fillCommand } from '../polecats/prompt'
import { hashToken } from '../polecats/tokens'
import { claudeArgv, claudeEnv } from '../runtimes/claude/launch'
import { chooseClaudeConfig, prepareClaudeConfig, type ClaudeConfigMode } from '../runtimes/claude/prepare-config'
import { renderMayorPrompt } from './mayor-prompt'

const STOP_GRACE_MS = 3000
/** Tokens of ended sessions kept (as digests) to refuse them with a clear message rather than "no valid token". */
const ENDED_TOKENS_KEPT = 32

interface Live {
  sessionId: string
  runtime: string
  startedAt: string
  stream: TerminalStream
  tokenHash: Buffer
  logPath: string
  /** The leader's pid and process identity (pid + start time + boot): ending it never hits a reused pid. */
  identity: string | null
  endReason: string | null
  /** Its end was recorded (by the exit, or by a stop whose process outlived the grace period). */
  over: boolean
}

interface Recorded {
  sessionId: string
  pid: number
  identity: string | null
  logPath: string
}

export interface MayorDeps {
  town: string
  ledger: Ledger
  runtimes: () => { list: RuntimePreset[]; defaultName: string }
  claudeConfig: () => ClaudeConfigMode
  /** Environment every agent gets (PATH with <town>/bin/gt first). */
  agentEnv: () => Record<string, string>
  endpointUrl: () => string
  /** The mayor.md template (the town's copy wins). */
  template: () => string | null
  rigNames: () => string[]
  announce: (status: MayorStatus) => void
}

/**
 * A Claude Code mayor may run `gt` without asking: its token is what limits it, and a prompt for every gt call
 * would make the user approve each tool by hand. Written once: the user's own edits to the file are kept.
 */
function allowGtCommands(dir: string): void {
  const file = join(dir, '.claude', 'settings.local.json')
  if (existsSync(file)) return
  mkdirSync(join(dir, '.claude'), { recursive: true, mode: 0o700 })
  writeFileSync(file, JSON.stringify({ permissions: { allow: ['Bash(gt:*)'] } }, null, 2) + '\n', { mode: 0o600 })
}

export class MayorSession {
  readonly dir: string
  private live: Live | null = null
  private ended: MayorStatus['ended'] = null
  private endedTokens: { hash: Buffer; sessionId: string }[] = []
  private budget = new BackgroundBudget(8_000_000)
  private starting = false

  constructor(private d: MayorDeps) {
    this.dir = join(d.town, 'mayor')
  }

  private get recordFile(): string {
    return join(this.dir, '.gt', 'session.json')
  }

  status(): MayorStatus {
    const l = this.live
    return { running: !!l, sessionId: l?.sessionId ?? null, runtime: l?.runtime ?? null, startedAt: l?.startedAt ?? null, cwd: this.dir, ended: l ? null : this.ended }
  }

  /** The caller a token stands for: the live session's, or an ended one's (which dispatch refuses by name). */
  callerFor(token: string): { kind: 'mayor'; sessionId: string } | null {
    const h = Buffer.from(hashToken(token), 'hex')
    if (this.live && timingSafeEqual(h, this.live.tokenHash)) return { kind: 'mayor', sessionId: this.live.sessionId }
    const old = this.endedTokens.find((e) => timingSafeEqual(h, e.hash))
    return old ? { kind: 'mayor', sessionId: old.sessionId } : null
  }

  isLive(sessionId: string): boolean {
    return this.live?.sessionId === sessionId && this.live.stream.running
  }

  private runtime(p: { runtime?: string; agentCmd?: string }): RuntimePreset {
    const { list, defaultName } = this.d.runtimes()
    const name = p.agentCmd ? 'custom' : (p.runtime ?? defaultName)
    const preset = list.find((r) => r.name === name)
    if (!preset) throw new CoreError('invalid_params', `unknown agent runtime "${name}" for the mayor; known: ${list.map((r) => r.name).join(', ')}`)
    if (preset.name === 'custom' && !p.agentCmd) throw new CoreError('invalid_params', 'the custom runtime needs agentCmd (the command to run as the mayor)')
    return preset
  }

  async start(p: { runtime?: string; agentCmd?: string }, actor: string): Promise<MayorStatus> {
    if (this.live || this.starting) throw new CoreError('conflict', `the mayor is already running (session ${this.live?.sessionId ?? 'starting'}): stop it first`)
    this.starting = true
    try {
      return await this.startNow(p, actor)
    } finally {
      this.starting = false
    }
  }

  private async startNow(p: { runtime?: string; agentCmd?: string }, actor: string): Promise<MayorStatus> {
    const preset = this.runtime(p)
    const template = this.d.template()
    if (template === null) throw new CoreError('failed', `no mayor.md in ${join(this.d.town, 'prompts')} or the app's resources/prompts: the app is incomplete`)
    mkdirSync(join(this.dir, '.gt'), { recursive: true, mode: 0o700 })
    const prompt = renderMayorPrompt(template, { town: this.d.town, rigs: this.d.rigNames() })
    const agentEnv = this.d.agentEnv()
    let argv: string[]
    let env: Record<string, string> = {}
    let unset: string[] = []
    try {
      if (preset.adapter === 'claude') {
        // Its first-run screens answered for this folder; no hooks: the user is at its terminal to answer it.
        const config = chooseClaudeConfig(this.d.claudeConfig(), this.d.town, agentEnv)
        await prepareClaudeConfig({ file: config.location.file, workdir: this.dir, apiKey: agentEnv.ANTHROPIC_API_KEY || undefined })
        allowGtCommands(this.dir)
        ;({ set: env, unset } = claudeEnv({ config }))
        argv = claudeArgv({ command: preset.command[0], extraArgs: preset.command.slice(1), prompt, sessionId: randomUUID() })
      } else {
        argv = fillCommand(preset.command, { prompt, command: p.agentCmd ?? '' })
      }
    } catch (err) {
      throw new CoreError('failed', `could not prepare ${preset.label} as the mayor: ${(err as Error).message}`)
    }
    const sessionId = `m-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    const token = randomBytes(32).toString('base64url')
    const logPath = join(this.dir, 'sessions', `${sessionId}.jsonl`)
    const fullEnv: Record<string, string> = { ...agentEnv, ...env }
    for (const k of unset) delete fullEnv[k]
    Object.assign(fullEnv, {
      GT_TOWN: this.d.town,
      // gt sends every command with GT_TOKEN when it is the mayor's (humans' commands included).
      GT_ROLE: 'mayor',
      GT_TOKEN: token,
      GT_ENDPOINT: this.d.endpointUrl(),
      GT_SESSION: sessionId,
      GT_PROMPT: prompt
    })
    const log = new SessionLog(logPath)
    const command = p.agentCmd ?? argv.join(' ')
    log.event('session.started', { mayor: true, runtime: preset.name, command })
    let stream: TerminalStream
    try {
      stream = new TerminalStream(MAYOR_TERMINAL, sessionId, { file: argv[0], args: argv.slice(1), cwd: this.dir, env: fullEnv }, log, this.budget)
    } catch (err) {
      log.event('session.failed-to-start', { error: String(err) })
      log.close()
      throw new CoreError('failed', `could not start ${argv[0]} as the mayor: ${(err as Error).message}`)
    }
    const identity = identityOf(stream.pid)
    const live: Live = { sessionId, runtime: preset.name, startedAt: new Date().toISOString(), stream, tokenHash: Buffer.from(hashToken(token), 'hex'), logPath, identity, endReason: null, over: false }
    this.live = live
    const record: Recorded = { sessionId, pid: stream.pid, identity, logPath }
    writeFileSync(this.recordFile, JSON.stringify(record) + '\n', { mode: 0o600 })
    this.d.ledger.append(actor, 'mayor.started', null, { session: sessionId, runtime: preset.name, pid: stream.pid })
    if (preset.promptMode === 'type' && !preset.adapter) {
      void stream.whenFirstOutput(3000).then(() => {
        if (!stream.running) return
        stream.write(prompt)
        setTimeout(() => stream.running && stream.write('\r'), 150)
      })
    }
    stream.onExit((code) => this.exited(live, code))
    this.d.announce(this.status())
    return this.status()
  }

  private exited(live: Live, code: number | null): void {
    if (live.over) return
    live.over = true
    const reason = live.endReason ?? (code === 0 ? 'exited' : 'crashed')
    live.stream.log.event('session.exited', { exitCode: code, reason })
    live.stream.log.close()
    if (this.live === live) this.live = null
    // The token dies here; its digest is kept only to name the reason when it is tried again.
    this.endedTokens.unshift({ hash: live.tokenHash, sessionId: live.sessionId })
    this.endedTokens.length = Math.min(this.endedTokens.length, ENDED_TOKENS_KEPT)
    this.ended = { sessionId: live.sessionId, reason, exitCode: code, at: new Date().toISOString() }
    rmSync(this.recordFile, { force: true })
    live.stream.sendToViewers({ type: 'terminal.exit', polecatId: MAYOR_TERMINAL, sessionId: live.sessionId, exitCode: code, reason })
    try {
      this.d.ledger.append('core', 'mayor.ended', null, { session: live.sessionId, exitCode: code, reason })
    } catch {
      // the database closed first (quit): the session log has the end
    }
    this.d.announce(this.status())
  }

  /** Ends the mayor (its whole process group and whatever carries its GT_SESSION) and waits for its exit. */
  async stop(actor: string, reason = 'stopped'): Promise<MayorStatus> {
    const live = this.live
    if (!live) throw new CoreError('conflict', 'the mayor is not running')
    live.endReason = reason
    if (reason === 'stopped') this.d.ledger.append(actor, 'mayor.stopped', null, { session: live.sessionId })
    const exited = new Promise<void>((res) => (live.stream.running ? live.stream.onExit(() => setImmediate(res)) : res()))
    live.stream.kill('SIGTERM')
    await endRecordedAgents([{ sessionId: live.sessionId, pid: live.stream.pid, identity: live.identity }], STOP_GRACE_MS)
    await Promise.race([exited, new Promise((res) => setTimeout(res, 2000).unref())])
    if (this.live === live) this.exited(live, null)
    return this.status()
  }

  /** Start-up: a mayor a crashed run left running cannot be re-attached; it is ended, and its log says so. */
  async reconcile(): Promise<void> {
    if (!existsSync(this.recordFile)) return
    let record: Recorded
    try {
      record = JSON.parse(readFileSync(this.recordFile, 'utf8')) as Recorded
    } catch {
      rmSync(this.recordFile, { force: true })
      return
    }
    const ended = await endRecordedAgents([{ sessionId: record.sessionId, pid: record.pid, identity: record.identity }], STOP_GRACE_MS)
    appendSessionEvent(record.logPath, 'session.ended', { reason: 'app-restart' })
    this.d.ledger.append('core', 'mayor.ended', null, { session: record.sessionId, reason: 'app-restart', pids: ended[0]?.pids ?? [] })
    this.ended = { sessionId: record.sessionId, reason: 'app-restart', exitCode: null, at: new Date().toISOString() }
    rmSync(this.recordFile, { force: true })
  }

  // ---- its terminal: the same stream calls as a polecat's ----

  attach(client: ClientConnection): TerminalSnapshot {
    const l = this.live
    if (l) return { polecatId: MAYOR_TERMINAL, sessionId: l.sessionId, ...l.stream.attach(client), takenOver: true, running: l.stream.running }
    // None running: the tail of the last session's log, so the user sees how it ended.
    const last = this.lastLog()
    if (!last) return { polecatId: MAYOR_TERMINAL, sessionId: null, data: '', seq: 0, truncated: false, takenOver: false, running: false }
    const logged = readSessionOutput(last.path)
    const truncated = logged.data.length > FLOW.replayBytes
    return { polecatId: MAYOR_TERMINAL, sessionId: last.sessionId, data: truncated ? logged.data.slice(-FLOW.replayBytes) : logged.data, seq: logged.lastSeq, truncated, takenOver: false, running: false }
  }

  private lastLog(): { path: string; sessionId: string } | null {
    const dir = join(this.dir, 'sessions')
    if (!existsSync(dir)) return null
    // Session ids start with the time in base 36, so the greatest name is the latest session.
    const name = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().pop()
    return name ? { path: join(dir, name), sessionId: name.slice(0, -'.jsonl'.length) } : null
  }

  detach(clientId: string): void {
    this.live?.stream.detach(clientId)
  }

  ack(clientId: string, bytes: number): void {
    this.live?.stream.ack(clientId, bytes)
  }

  input(data: string): void {
    const l = this.live
    if (!l?.stream.running) throw new CoreError('conflict', 'the mayor is not running: start it first')
    l.stream.write(data)
    l.stream.log.input(data)
  }

  resize(cols: number, rows: number): void {
    if (this.live?.stream.running) this.live.stream.resize(cols, rows)
  }

  /** Quit: the mayor ends with the control room. */
  async close(): Promise<void> {
    if (this.live) await this.stop('core', 'app-quit').catch(() => {})
    this.budget.dispose()
  }
}
