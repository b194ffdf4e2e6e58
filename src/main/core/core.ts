// The core: opens a town (database, settings, endpoint), reconciles what a previous run left behind, and
// answers the contract. Hosts (Electron main, the headless web host, the gt endpoint) only carry calls here.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Server } from 'node:http'
import {
  ALL_METHODS,
  CoreError,
  type CoreEvent,
  type HumanMethod,
  MAYOR_TERMINAL,
  type Params,
  type Result,
  type Topic
} from '../../shared/contract'
import type { CallContext, Caller, ClientConnection, CoreApi } from './connection'
import { openDatabase, type Db } from './store/db'
import { checkTownDatabase, integrityCheck } from './store/db-check'
import { Ledger } from './ledger/ledger'
import { Beads } from './beads/beads'
import { Rigs } from './rigs/rigs'
import { Sessions } from './sessions/sessions'
import { Polecats } from './polecats/polecats'
import { AgentApi } from './agents/agent-api'
import { Inbox } from './inbox/inbox'
import { PermissionRules } from './inbox/permission-rules'
import { Deacon } from './inbox/deacon'
import { AgentHooks } from './agents/agent-hooks'
import { MailDelivery } from './agents/mail-delivery'
import { diffStatBetween, diffStatOf } from './git/diff-stat'
import { commitsAhead, refExists } from './git/git'
import { Witness } from './witness/witness'
import { IncidentRouting } from './witness/routing'
import type { Incident, IncidentKind } from './witness/incidents'
import { DispatchSwitch } from './town/dispatch-switch'
import { WorktreeChecks } from './witness/worktree-checks'
import { beadEscalation } from './witness/escalation-rules'
import { MoleculeLibrary } from './molecules/library'
import { Molecules } from './molecules/molecules'
import { MoleculeTimeouts } from './molecules/timeouts'
import { PolecatInstructions } from './polecats/instructions'
import { TownRecovery } from './town/recovery'
import { MergeQueue } from './refinery/merge-queue'
import { MergeOutcomes } from './refinery/merge-outcomes'
import { Refinery, targetOf } from './refinery/refinery'
import { addMergeRequests } from './refinery/user-branch'
import { removeStaleScratchWorktrees } from './witness/baseline'
import { DEFAULT_RIG_SETTINGS, type RigSettings } from './rigs/rig-settings'
import { loadSettings, type TownSettings } from './town/settings'
import { ownerOnly, ownerOnlyTree, prepareTownFolder } from './town/town-folder'
import { acquireTownLock, type TownLock } from './town/town-lock'
import { TownStartError, describeFsError, describeSqliteError } from './town/startup-error'
import { writeAgentGitHooks } from './polecats/agent-git'
import { removeStagingFolders } from './rigs/rigs'
import { startEndpointServer } from './endpoint/endpoint-server'
import { removeEndpoint, writeEndpoint } from './endpoint/endpoint-file'
import { BranchDiffs } from './review/branch-diff'
import { ReviewComments } from './review/review-comments'
import { LedgerSync } from './ledger-sync/ledger-sync'
import { Convoys } from './convoys/convoys'
import { Scheduler } from './scheduler/scheduler'
import { SchedulerSettings } from './scheduler/scheduler-settings'
import { MayorSession } from './mayor/mayor-session'
import { checkMayorMethod } from './mayor/mayor-methods'
import { checkMayorMail } from './mayor/mayor-mail'

export const VERSION = '0.1.0'
const HUMAN = 'human'

export interface CoreOptions {
  town: string
  /** The built gt command (out/main/gt.js); agents get a launcher for it on PATH. */
  gtScript?: string
}

/** Finds out/main/gt.js from the running file, whether it runs built (out/main) or from source (tests). */
function defaultGtScript(): string {
  let dir = __dirname
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'out', 'main', 'gt.js'))) return join(dir, 'out', 'main', 'gt.js')
    if (existsSync(join(dir, 'gt.js')) && dir.endsWith(join('out', 'main'))) return join(dir, 'gt.js')
    dir = dirname(dir)
  }
  return join(__dirname, 'gt.js')
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Writes <town>/bin/gt, the launcher agents find first on PATH. Inside the desktop app process.execPath is
 * Electron, which runs plain Node scripts with ELECTRON_RUN_AS_NODE=1; under Node the variable is ignored.
 */
function writeLauncher(town: string, gtScript: string): string {
  const binDir = join(town, 'bin')
  mkdirSync(binDir, { recursive: true })
  const launcher = join(binDir, 'gt')
  writeFileSync(launcher, `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec ${shellQuote(process.execPath)} ${shellQuote(gtScript)} "$@"\n`, { mode: 0o755 })
  chmodSync(launcher, 0o755)
  return binDir
}

type Handlers = { [M in HumanMethod]: (p: Params<M>, ctx: CallContext) => Result<M> | Promise<Result<M>> }

export class Core implements CoreApi {
  readonly db: Db
  readonly ledger: Ledger
  readonly beads: Beads
  readonly rigs: Rigs
  readonly sessions: Sessions
  readonly polecats: Polecats
  readonly agents: AgentApi
  readonly inbox: Inbox
  readonly rules: PermissionRules
  readonly deacon: Deacon
  readonly mail: MailDelivery
  readonly hooks: AgentHooks
  readonly witness: Witness
  readonly routing: IncidentRouting
  readonly dispatchSwitch: DispatchSwitch
  readonly checks: WorktreeChecks
  readonly instructions: PolecatInstructions
  readonly recovery: TownRecovery
  readonly mergeQueue: MergeQueue
  readonly refinery: Refinery
  readonly diffs: BranchDiffs
  readonly reviews: ReviewComments
  readonly moleculeLibrary: MoleculeLibrary
  readonly molecules: Molecules
  readonly moleculeTimeouts: MoleculeTimeouts
  readonly ledgerSync: LedgerSync
  readonly convoys: Convoys
  readonly scheduler: Scheduler
  readonly mayor: MayorSession
  private settings: TownSettings
  private reescalation: NodeJS.Timeout | null = null
  private clients = new Map<string, ClientConnection>()
  private pendingTopics = new Set<Topic>()
  private humanToken = randomBytes(32).toString('base64url')
  private endpoint: { server: Server; url: string } | null = null
  private binDir: string
  private gitHooksDir: string
  private closed = false

  constructor(
    readonly town: string,
    gtScript: string,
    private lock: TownLock
  ) {
    try {
      this.settings = loadSettings(town)
    } catch (err) {
      throw new TownStartError(err instanceof Error && err.message.includes('settings.json') ? err.message : `could not read ${join(town, 'settings.json')}: ${describeFsError(err)}`)
    }
    const dbFile = join(town, 'town.db')
    try {
      this.db = openDatabase(dbFile)
    } catch (err) {
      throw new TownStartError(`could not open the ledger ${dbFile}: ${describeSqliteError(err, dbFile)}`)
    }
    for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) ownerOnly(f, 0o600)
    this.ledger = new Ledger(this.db)
    this.beads = new Beads(this.db, this.ledger, this.settings.beadPrefix)
    this.rigs = new Rigs(this.db, this.ledger, town, () => this.settings.rigCloneStallSeconds * 1000)
    this.sessions = new Sessions(this.db)
    this.inbox = new Inbox(this.db, this.ledger, (item) => {
      this.broadcast({ type: 'inbox.item', item })
      // A failure about a convoy's bead that reached the inbox may skip it; a wave decided moves the convoy.
      this.convoys?.dispatcher.beadChanged(item.beadId)
      if (item.convoy) this.convoys?.dispatcher.convoyChanged(item.convoy.convoy)
    })
    this.rules = new PermissionRules(this.db, this.ledger)
    this.dispatchSwitch = new DispatchSwitch(this.db, this.ledger)
    this.moleculeLibrary = new MoleculeLibrary(town)
    this.molecules = new Molecules({ db: this.db, ledger: this.ledger, beads: this.beads, library: this.moleculeLibrary })
    try {
      this.binDir = writeLauncher(town, gtScript)
      this.gitHooksDir = writeAgentGitHooks(town)
    } catch (err) {
      throw new TownStartError(`could not write the agents' gt launcher and git hooks in ${town}: ${describeFsError(err)}`)
    }
    this.instructions = new PolecatInstructions(join(town, 'prompts'))
    try {
      this.instructions.ensureTownCopies()
    } catch (err) {
      throw new TownStartError(`could not copy the polecat instructions into ${join(town, 'prompts')}: ${describeFsError(err)}`)
    }
    const changed = (...topics: Topic[]) => this.changed(...topics)
    this.scheduler = new Scheduler({
      settings: new SchedulerSettings(this.db, this.ledger),
      ledger: this.ledger,
      rigs: () => this.rigs.list().map((r) => r.name),
      dispatchPaused: () => this.dispatchSwitch.paused(),
      bead: (id) => this.beads.find(id),
      twins: () => this.rigs.twinsByRig(),
      // The witness is made below; the scheduler asks only once agents run.
      stuck: (polecatId) => this.witness.isStuck(polecatId),
      changed: (changes, status) => {
        this.broadcast({ type: 'scheduler', changes, status })
        this.changed('ledger')
      }
    })
    this.polecats = new Polecats({
      db: this.db,
      ledger: this.ledger,
      beads: this.beads,
      rigs: this.rigs,
      sessions: this.sessions,
      inbox: this.inbox,
      town,
      runtimes: () => ({ list: this.settings.runtimes, defaultName: this.settings.defaultRuntime }),
      agentEnv: () => this.agentEnv(),
      endpointUrl: () => this.endpoint?.url ?? '',
      gitHooksDir: this.gitHooksDir,
      gitIdentity: () => this.settings.gitIdentity,
      gtPath: join(this.binDir, 'gt'),
      claudeConfig: () => this.settings.claudeConfig,
      instructions: this.instructions,
      changed,
      polecatChanged: (polecat) => {
        this.broadcast({ type: 'polecat', polecat })
        this.convoys?.dispatcher.beadChanged(polecat.beadId)
      },
      handedBack: (id) => this.mail.atPrompt(id),
      dispatchPaused: () => this.dispatchSwitch.paused(),
      admit: (req, opts) => this.scheduler.admit(req, opts),
      branchTrouble: (pc, message) =>
        this.routing.branchUnsafe({ severity: 'P2', rig: pc.rig, polecatId: pc.id, beadId: pc.beadId, sessionId: pc.sessionId, title: `${pc.id}'s branch is not safe on its remote yet`, body: message, groupKey: `branch:${pc.id}` }),
      // The witness is made below; these run only once sessions start.
      signals: {
        sessionStarted: (p) => this.witness.started(p),
        output: (id) => this.witness.activity(id, 'output'),
        sessionEnded: (p) => this.witness.ended(p),
        takenOver: (id, on) => this.witness.setPaused(id, on),
        blockedScreen: (id, screen) => this.witness.blockedScreen(id, screen)
      }
    })
    this.mergeQueue = new MergeQueue(
      this.db,
      this.ledger,
      (entry) => {
        this.broadcast({ type: 'mq.entry', entry })
        this.convoys?.dispatcher.beadChanged(entry.beadId)
      },
      (run) => this.broadcast({ type: 'mq.run', run })
    )
    this.agents = new AgentApi({
      db: this.db,
      ledger: this.ledger,
      beads: this.beads,
      rigs: this.rigs,
      polecats: this.polecats,
      sessions: this.sessions,
      inbox: this.inbox,
      molecules: this.molecules,
      directives: () => this.instructions.directives(),
      mergeTarget: (rig) => targetOf(this.rigs.get(rig), this.rigSettings(rig)),
      queueMerge: (e) => {
        this.mergeQueue.enqueue(e, e.polecatId ?? HUMAN)
        setImmediate(() => this.refinery.kick(e.rig))
      },
      changed
    })
    // A bead's escalation rules: the rig's, overridden by the molecule it belongs to.
    const escalation = (rig: string, beadId: string | null) => beadEscalation(rig, this.rigSettings(rig), beadId ? this.molecules.escalationOf(beadId) : null)
    this.mail = new MailDelivery({ db: this.db, ledger: this.ledger, readyForTyping: (id) => this.polecats.readyForTyping(id), type: (id, text) => this.polecats.typeInto(id, text) })
    this.deacon = new Deacon({
      db: this.db,
      ledger: this.ledger,
      inbox: this.inbox,
      rules: this.rules,
      screenOf: async (id) => (await this.polecats.screenOf(id))?.tail ?? null,
      diffStatOf: (id) => {
        const pc = this.polecats.get(id)
        const rig = this.rigs.get(pc.rig)
        return diffStatOf(pc.worktree, rig.defaultBranch)
      },
      permissionTimeoutMs: () => (this.settings.permissionTimeoutMinutes ? this.settings.permissionTimeoutMinutes * 60_000 : null),
      replied: (id) => this.mail.replied(id)
    })
    this.routing = new IncidentRouting({
      db: this.db,
      ledger: this.ledger,
      inbox: this.inbox,
      settings: (rig) => this.rigSettings(rig),
      escalation,
      isRunning: (id) => this.polecats.isRunning(id),
      isTakenOver: (id) => this.polecats.find(id)?.takenOver ?? false,
      beadFinished: (beadId) => this.beadFinished(beadId),
      nudge: (id, text, subject) => this.mail.send('witness', id, subject, text),
      restart: async (id, why) => {
        await this.polecats.stopAndWait(id, 'dogs')
        await this.polecats.restart(id, why, 'dogs')
      },
      dispatchPaused: () => this.dispatchSwitch.paused() !== null,
      pauseDispatch: (why) => this.dispatchSwitch.pause(why, 'witness'),
      health: (id, change) => this.polecats.recordHealth(id, change),
      annotate: (itemId, polecatId) => this.deacon.annotate(itemId, polecatId)
    })
    this.witness = new Witness({
      settings: (rig) => this.rigSettings(rig),
      report: (i) => this.routing.report(i),
      persist: (id, activityAt, progressAt) => this.polecats.recordActivity(id, activityAt, progressAt),
      screenTail: async (id) => (await this.polecats.screenOf(id))?.tail ?? null
    })
    this.checks = new WorktreeChecks({
      db: this.db,
      ledger: this.ledger,
      settings: (rig) => this.rigSettings(rig),
      escalation,
      rig: (name) => this.rigs.get(name),
      polecat: (id) => this.polecats.get(id),
      report: (i) => this.routing.report(i),
      cleared: (pc) => this.routing.cleared(pc.beadId, pc.id, 'check_failed'),
      lastCheck: (id, check) => this.polecats.recordHealth(id, { lastCheck: check }),
      changed: () => this.changed('checks')
    })
    this.moleculeTimeouts = new MoleculeTimeouts({
      molecules: this.molecules,
      holder: (beadId) => {
        const pc = this.polecats.list().find((p) => p.beadId === beadId)
        return pc ? { polecatId: pc.id, sessionId: pc.sessionId } : null
      },
      report: (i) => this.routing.report(i)
    })
    this.recovery = new TownRecovery({
      ledger: this.ledger,
      sessions: this.sessions,
      rigs: () => this.rigs.list(),
      polecats: () => this.polecats.list(),
      restoreClone: (rig) => this.rigs.restoreClone(rig),
      beadFinished: (beadId) => this.beadFinished(beadId),
      resume: (pc, why, waiting) => this.polecats.restart(pc.id, why, 'core', { progress: (m) => waiting(m) }),
      isRunning: (id) => this.polecats.isRunning(id),
      dispatchPaused: () => this.dispatchSwitch.paused(),
      alarm: (a) => this.routing.branchUnsafe({ severity: a.severity, rig: a.rig, polecatId: a.polecatId, beadId: a.beadId, sessionId: null, title: a.title, body: a.body, groupKey: a.key }),
      progress: (report) => this.broadcast({ type: 'recovery', report }),
      graceMs: () => this.settings.recoveryGraceSeconds * 1000,
      maxRespawnsPerHour: () => this.settings.maxRespawnsPerHour
    })
    const outcomes = new MergeOutcomes({
      queue: this.mergeQueue,
      ledger: this.ledger,
      bead: (id) => this.beads.find(id),
      closeBead: (id, reason) => this.beads.close(id, reason, 'refinery'),
      polecat: (id) => this.polecats.find(id),
      rehook: (pc, bead) => this.polecats.rehook(pc, bead),
      mail: (to, subject, body) => this.mail.send('witness', to, subject, body),
      report: (i) => this.routing.report(i),
      cleared: (beadId, pc) => {
        this.routing.cleared(beadId, pc, 'merge_failed')
        this.routing.cleared(beadId, pc, 'merge_conflict')
      },
      changed: () => this.changed('beads', 'polecats', 'ledger')
    })
    this.refinery = new Refinery({
      queue: this.mergeQueue,
      outcomes,
      inbox: this.inbox,
      rig: (name) => this.rigs.get(name),
      settings: (rig) => this.rigSettings(rig),
      identity: () => this.settings.gitIdentity,
      alarm: (a) => this.routing.branchUnsafe({ severity: 'P1', rig: a.rig, polecatId: null, beadId: null, sessionId: null, title: a.title, body: a.body, groupKey: a.key }),
      output: (runId, data) => this.broadcast({ type: 'mq.output', runId, data }),
      diffStat: diffStatBetween,
      moleculeConvoy: (beadId) => this.molecules.forBead(beadId)?.convoy ?? null
    })
    this.diffs = new BranchDiffs({ rigs: this.rigs, polecats: this.polecats, beads: this.beads, landedAs: (id) => this.mergeQueue.landedAs(id) })
    this.reviews = new ReviewComments({
      db: this.db,
      ledger: this.ledger,
      diffs: this.diffs,
      deliver: (id) => this.mail.atPrompt(id),
      // The request leaves the queue until its next gt done; the comment itself is the polecat's mail.
      changesRequested: (mergeRequest, comment) => {
        this.ledger.append(HUMAN, 'review.changes-requested', mergeRequest, { comment })
        const queued = this.mergeQueue.find(mergeRequest)
        if (queued && queued.state !== 'merged' && queued.state !== 'rejected' && queued.state !== 'testing') {
          this.refinery.changesRequested(mergeRequest, `review comment ${comment}`, HUMAN, { mail: false })
        }
      },
      openMergeRequests: (rig, branch) => this.beads.list({ rig, type: 'merge-request' }).filter((b) => b.labels.includes(`branch:${branch}`)).map((b) => b.id),
      changed: () => this.changed('ledger')
    })
    // The ledger branch: every append moves the exporter's debounce; a failure is an inbox alarm (no Dogs: a human fixes it).
    this.ledgerSync = new LedgerSync({
      db: this.db,
      ledger: this.ledger,
      inbox: this.inbox,
      town,
      settings: this.settings.ledger,
      beadPrefix: () => this.settings.beadPrefix,
      alarm: (a) => this.routing.report({ kind: 'ledger_unwritten', severity: 'P1', rig: a.rig ?? '', polecatId: null, beadId: null, sessionId: null, title: a.title, body: a.body, excerpt: null, groupKey: a.key })
    })
    this.ledger.appended = () => this.ledgerSync.touched()
    this.convoys = new Convoys({
      db: this.db,
      ledger: this.ledger,
      beads: this.beads,
      inbox: this.inbox,
      rigExists: (rig) => void this.rigs.get(rig),
      runtimeNames: () => this.settings.runtimes.map((r) => r.name),
      polecats: () => this.polecats.list(),
      moleculeOf: (beadId) => this.molecules.forBead(beadId),
      pour: (name, bead, vars, actor) => this.molecules.pour({ name, bead, vars }, actor),
      sling: (p, actor) => this.polecats.sling(p, actor),
      announce: (convoy) => this.broadcast({ type: 'convoy', convoy })
    })
    // A bead of a convoy closing (or reopening, or gaining a dependency) is what moves the convoy on.
    this.beads.onChange((id) => this.convoys.dispatcher.beadChanged(id))
    this.hooks = new AgentHooks({ ledger: this.ledger, sessions: this.sessions, polecats: this.polecats, deacon: this.deacon, mail: this.mail, agents: this.agents, witness: this.witness })
    this.mayor = new MayorSession({
      town,
      ledger: this.ledger,
      runtimes: () => ({ list: this.settings.runtimes, defaultName: this.settings.defaultRuntime }),
      claudeConfig: () => this.settings.claudeConfig,
      agentEnv: () => this.agentEnv(),
      endpointUrl: () => this.endpoint?.url ?? '',
      template: () => this.instructions.read('mayor.md'),
      rigNames: () => this.rigs.list().map((r) => r.name),
      announce: (mayor) => {
        this.broadcast({ type: 'mayor', mayor })
        this.changed('ledger')
      }
    })
  }

  /** A rig's settings as they apply; for an item of no (or a removed) rig, the defaults. */
  private rigSettings(rig: string | null): RigSettings {
    if (!rig) return DEFAULT_RIG_SETTINGS
    try {
      return this.rigs.settings(rig)
    } catch {
      return DEFAULT_RIG_SETTINGS
    }
  }

  /** Closed, or finished with gt done and its branch merged into the base: never restarted. */
  private async beadFinished(beadId: string): Promise<boolean> {
    const bead = this.beads.find(beadId)
    if (!bead || bead.status === 'closed') return true
    const holder = this.polecats.list().find((p) => p.beadId === beadId)
    if (!holder?.branch || this.beads.mergeRequestsFor(beadId, true).length === 0) return false
    const rig = this.rigs.get(holder.rig)
    const base = (await refExists(rig.path, `origin/${rig.defaultBranch}`)) ? `origin/${rig.defaultBranch}` : rig.defaultBranch
    return (await commitsAhead(rig.path, base, holder.branch).catch(() => 1)) === 0
  }

  async start(): Promise<void> {
    this.secureSessionLogs()
    // Before anyone can sling: whatever a crashed run left running is ended, and its sessions recorded as such.
    await this.polecats.reconcile()
    await this.mayor.reconcile()
    this.deacon.orphanAfterRestart()
    // Scratch worktrees of base-branch checks a crash left behind.
    for (const rig of this.rigs.list()) await removeStaleScratchWorktrees(rig.path).catch(() => [])
    // Items waiting unacknowledged too long are raised a level, and molecules past their timeout escalated
    // (one that ran over while the app was closed, at once): cheap queries once a minute, no screens read.
    this.moleculeTimeouts.check()
    this.reescalation = setInterval(() => {
      if (!this.db.open) return
      this.routing.reescalateDue()
      this.moleculeTimeouts.check()
      // Slings that failed (dispatch paused, a rig's clone missing) are tried again.
      this.convoys.dispatcher.pumpAll()
    }, 60_000)
    this.reescalation.unref()
    this.endpoint = await startEndpointServer(this)
    try {
      writeEndpoint(this.town, { url: this.endpoint.url, token: this.humanToken, pid: process.pid, startedAt: new Date().toISOString() })
    } catch (err) {
      throw new TownStartError(`could not write ${join(this.town, 'endpoint.json')}: ${describeFsError(err)}`)
    }
    this.ledger.append('core', 'town.started', null, { pid: process.pid, version: VERSION })
    this.ledgerSync.start()
    // The merge queues pick up where they were: a landing half done is settled, the rest tested again.
    this.refinery.recover()
    // Convoys go on where they were: what became ready while the app was closed is slung (or offered).
    this.convoys.dispatcher.pumpAll()
    // Interrupted work resumes in the background (clones, worktrees, then after a grace period the agents).
    void this.recovery.run().catch((err: unknown) => !this.closed && console.error(`recovery failed: ${(err as Error).stack ?? err}`))
  }

  /** Session logs of towns from before they were created owner-only: made so at every start. */
  private secureSessionLogs(): void {
    const rigsRoot = join(this.town, 'rigs')
    for (const rig of existsSync(rigsRoot) ? readdirSync(rigsRoot) : []) {
      const polecats = join(rigsRoot, rig, 'polecats')
      for (const name of existsSync(polecats) ? readdirSync(polecats) : []) ownerOnlyTree(join(polecats, name, '.gt'))
    }
    ownerOnlyTree(join(this.town, 'archive'))
  }

  private agentEnv(): Record<string, string> {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || k.startsWith('GT_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS') continue
      env[k] = v
    }
    env.PATH = `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`
    env.TERM = 'xterm-256color'
    return env
  }

  get endpointUrl(): string {
    return this.endpoint?.url ?? ''
  }

  // ---- the contract ----

  authenticate(token: string | undefined | null): Caller | null {
    if (!token) return null
    const a = Buffer.from(token)
    const b = Buffer.from(this.humanToken)
    if (a.length === b.length && timingSafeEqual(a, b)) return { kind: 'human' }
    const session = this.polecats.sessionForToken(token)
    if (session) return { kind: 'agent', polecatId: session.polecatId, sessionId: session.id }
    return this.mayor.callerFor(token)
  }

  async dispatch(method: string, params: unknown, ctx: CallContext): Promise<unknown> {
    if (this.closed) throw new CoreError('failed', 'the control room is shutting down')
    const spec = Object.hasOwn(ALL_METHODS, method) ? ALL_METHODS[method] : undefined
    if (!spec) throw new CoreError('unknown_method', `unknown method ${method}`)
    // The mayor's token is checked before its params: outside its tools, nothing about the call matters.
    if (ctx.caller.kind === 'mayor') {
      if (!this.mayor.isLive(ctx.caller.sessionId)) throw new CoreError('unauthorized', `the mayor session ${ctx.caller.sessionId} has ended; its token is no longer valid (start the mayor again from the Convoys view)`)
      checkMayorMethod(method)
    }
    const parsed = spec.params.safeParse(params ?? {})
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
      throw new CoreError('invalid_params', `${method}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, issues)
    }
    const p = parsed.data as never
    if (ctx.caller.kind === 'mayor' && method === 'agent.mail.send') {
      const m = p as Params<'agent.mail.send'>
      return this.mail.send('mayor', m.to, m.subject, m.body)
    }
    if (ctx.caller.kind === 'mayor' && method === 'agent.mail.check') return checkMayorMail(this.db, this.ledger, ctx.caller.sessionId)
    if (method.startsWith('agent.')) {
      if (ctx.caller.kind !== 'agent') throw new CoreError('unauthorized', `${method} is for agents: run it from a polecat's terminal (it needs GT_TOKEN)`)
      const session = this.sessions.find(ctx.caller.sessionId)
      if (!session || session.endedAt) throw new CoreError('unauthorized', 'this session has ended; its token is no longer valid')
      // Every call of an agent is a sign of life; a checkpoint or a note is progress on its bead.
      this.witness.activity(session.polecatId, 'gt')
      if (method === 'agent.checkpoint' || method === 'agent.note' || method === 'agent.mol.advance') this.witness.progress(session.polecatId)
      try {
        const result = await this.agentCall(method, session, p, ctx)
        // A checkpoint (a step advanced is one) or gt done is when the witness runs the rig's checks (in the background).
        if (method === 'agent.checkpoint' || method === 'agent.mol.advance' || method === 'agent.done') this.checks.request(session.polecatId, method === 'agent.done' ? 'done' : 'checkpoint')
        return result
      } catch (err) {
        // Refusals are part of the record too: the next agent learns what did not work.
        this.ledger.append(session.polecatId, `${method}.refused`, session.beadId, { session: session.id, error: (err as Error).message })
        this.changed('ledger')
        throw err
      }
    }
    if (ctx.caller.kind === 'agent') throw new CoreError('unauthorized', `agents may only call agent commands, not ${method}`)
    const handler = this.handlers[method as HumanMethod] as (p: never, ctx: CallContext) => unknown
    return handler(p, ctx)
  }

  private async agentCall(method: string, session: NonNullable<ReturnType<Sessions['find']>>, p: never, ctx: CallContext): Promise<unknown> {
    switch (method) {
      case 'agent.hook':
        return this.hooks.handle(session, p, ctx.signal)
      case 'agent.event': {
        const e = p as Params<'agent.event'>
        this.ledger.append(session.polecatId, `agent.${e.kind}`, session.beadId, { session: session.id, sha: e.sha })
        this.witness.progress(session.polecatId)
        // A commit is pushed soon after: the remote holds the work even if this machine's disk goes.
        this.polecats.keeper.committed(session.polecatId)
        return { ok: true as const }
      }
      case 'agent.prime':
        return this.agents.prime(session)
      case 'agent.checkpoint':
        return this.agents.checkpoint(session, p)
      case 'agent.note':
        return this.agents.note(session, p)
      case 'agent.mail.send':
        return this.agents.mailSend(session, p)
      case 'agent.mail.check':
        return this.agents.mailCheck(session)
      case 'agent.escalate': {
        const e = p as Params<'agent.escalate'>
        const pc = this.polecats.get(session.polecatId)
        return this.routing.escalate({ kind: 'escalated', severity: e.severity, rig: pc.rig, polecatId: pc.id, beadId: pc.beadId ?? session.beadId, sessionId: session.id, title: e.title, body: e.body, excerpt: null })
      }
      case 'agent.done':
        return this.agents.done(session, p)
      case 'agent.mol.current':
        return this.agents.molCurrent(session)
      case 'agent.mol.advance':
        return this.agents.molAdvance(session, p)
    }
    throw new CoreError('unknown_method', `unknown method ${method}`)
  }

  /** Who the ledger says acted: the human, or the mayor on its token (its allowed calls share the handlers). */
  private actor(ctx: CallContext): string {
    return ctx.caller.kind === 'mayor' ? 'mayor' : HUMAN
  }

  private requireClient(ctx: CallContext): ClientConnection {
    if (!ctx.client) throw new CoreError('invalid_params', 'terminal calls need a connected client')
    return ctx.client
  }

  private handlers: Handlers = {
    'town.info': () => ({ town: this.town, version: VERSION, runtimes: this.settings.runtimes, defaultRuntime: this.settings.defaultRuntime }),
    'town.resume': () => {
      const resumed = this.dispatchSwitch.resume(HUMAN)
      if (resumed) void this.recovery.resumeHeld()
      // Starts queued while dispatch was paused may go now.
      if (resumed) this.scheduler.kick()
      return { resumed }
    },
    'town.recovery': () => this.recovery.current(),
    'town.drain': async () => {
      this.dispatchSwitch.pause('the town was drained: every agent stopped, its work committed and pushed', HUMAN)
      const running = this.polecats.list().filter((pc) => this.polecats.isRunning(pc.id))
      const results = await Promise.all(running.map(async (pc) => {
        const saved = await this.polecats.keeper.saveWork(pc.id, 'the town was drained')
        await this.polecats.stopAndWait(pc.id, HUMAN, 'the town was drained')
        return saved
      }))
      return { stopped: running.map((p) => p.id), committed: results.filter((r) => r.committed).map((r) => r.polecatId), unpushed: results.filter((r) => !r.pushed && r.note !== 'nothing to push').map((r) => r.polecatId) }
    },
    'town.status': () => ({ dispatchPaused: this.dispatchSwitch.paused() }),
    'town.check': () => {
      const started = performance.now()
      const problems = integrityCheck(this.db)
      return { file: join(this.town, 'town.db'), ok: problems.length === 0, problems, ms: Math.round(performance.now() - started) }
    },
    'rigs.list': () => this.rigs.list(),
    'rigs.add': async (p, ctx) => {
      const rig = await this.rigs.add(p.name, p.source, HUMAN, ctx.progress)
      this.changed('rigs', 'ledger')
      // A new twin of a full or parked rig can take what waits for it.
      this.scheduler.kick()
      return rig
    },
    'rigs.config': (p) => this.rigs.config(p.rig),
    'rigs.configure': (p) => {
      const c = this.rigs.configure(p.rig, p.key, p.value, HUMAN)
      this.changed('rigs', 'ledger')
      return c
    },
    'rigs.remove': async (p) => {
      this.rigs.get(p.name)
      const running = this.polecats.list().filter((pc) => pc.rig === p.name && this.polecats.isRunning(pc.id))
      const unmerged = await this.rigs.unmergedBranches(p.name)
      if (!p.force && (running.length || unmerged.length)) {
        const why = [
          running.length ? `running polecats: ${running.map((r) => r.id).join(', ')}` : '',
          unmerged.length ? `unmerged branches: ${unmerged.map((u) => `${u.branch} (${u.commits} commit${u.commits === 1 ? '' : 's'})`).join(', ')}` : ''
        ].filter(Boolean)
        throw new CoreError('conflict', `refusing to remove rig ${p.name}: ${why.join('; ')}. Use --force to remove it anyway.`)
      }
      for (const pc of running) await this.polecats.stop(pc.id, HUMAN)
      this.sessions.archiveRig(p.name, this.town)
      await this.rigs.remove(p.name, HUMAN)
      this.scheduler.forgetRig(p.name, HUMAN)
      this.changed('rigs', 'polecats', 'ledger', 'sessions')
      return { removed: p.name }
    },
    'beads.list': (p) => this.beads.list(p),
    'beads.ready': (p) => this.beads.ready(p.rig),
    'beads.show': (p) => ({
      bead: this.beads.get(p.id),
      events: this.ledger.list({ subject: p.id }),
      sessions: this.polecats.withLiveOutput(this.sessions.list({ bead: p.id })),
      mergeRequests: this.beads.mergeRequestsFor(p.id)
    }),
    'beads.create': (p, ctx) => {
      if (p.rig) this.rigs.get(p.rig)
      const bead = this.beads.create(p, this.actor(ctx))
      this.changed('beads', 'ledger')
      return bead
    },
    'beads.update': (p, ctx) => {
      const bead = this.beads.update(p, this.actor(ctx))
      this.changed('beads', 'ledger')
      return bead
    },
    'beads.close': (p) => {
      const bead = this.beads.close(p.id, p.reason, HUMAN)
      this.changed('beads', 'ledger')
      return bead
    },
    'beads.import': (p) => {
      const report = this.ledgerSync.importFiles(p.paths, p.dryRun, HUMAN)
      if (!p.dryRun) this.changed('beads', 'ledger')
      return report
    },
    'beads.export': (p) => ({ files: this.ledgerSync.exportFiles(p) }),
    sling: (p, ctx) => this.polecats.sling(p, this.actor(ctx), { progress: ctx.progress, signal: ctx.signal }),
    'polecats.list': () => this.polecats.list(),
    'polecats.stop': (p) => this.polecats.stop(p.polecat, HUMAN),
    // The mayor's terminal is keyed "mayor": the same calls, on its own stream (input needs no takeover).
    'terminal.attach': (p, ctx) => (p.polecat === MAYOR_TERMINAL ? this.mayor.attach(this.requireClient(ctx)) : this.polecats.attach(p.polecat, this.requireClient(ctx))),
    'terminal.detach': (p, ctx) => {
      if (p.polecat === MAYOR_TERMINAL) this.mayor.detach(this.requireClient(ctx).id)
      else this.polecats.detach(p.polecat, this.requireClient(ctx).id)
      return { ok: true as const }
    },
    'terminal.ack': (p, ctx) => {
      if (p.polecat === MAYOR_TERMINAL) this.mayor.ack(this.requireClient(ctx).id, p.bytes)
      else this.polecats.ack(p.polecat, this.requireClient(ctx).id, p.bytes)
      return { ok: true as const }
    },
    'terminal.input': (p) => {
      if (p.polecat === MAYOR_TERMINAL) this.mayor.input(p.data)
      else this.polecats.input(p.polecat, p.data)
      return { ok: true as const }
    },
    'terminal.resize': (p) => {
      if (p.polecat === MAYOR_TERMINAL) this.mayor.resize(p.cols, p.rows)
      else this.polecats.resize(p.polecat, p.cols, p.rows)
      return { ok: true as const }
    },
    'terminal.takeover': (p) => this.polecats.setTakenOver(p.polecat, true, HUMAN),
    'terminal.handback': (p) => this.polecats.setTakenOver(p.polecat, false, HUMAN),
    'inbox.list': (p) => this.inbox.list(p),
    'inbox.get': (p) => this.inbox.get(p.id),
    'inbox.approve': (p) => {
      const merge = this.inbox.get(p.id)
      if (merge.kind === 'convoy') {
        if (p.always) throw new CoreError('invalid_params', `${p.id} is a convoy wave: "always" is for permission requests`)
        this.convoys.approveWave(merge, HUMAN)
        return this.inbox.get(p.id)
      }
      if (merge.kind === 'merge') {
        if (p.always) throw new CoreError('invalid_params', `${p.id} is a merge batch: "always" is for permission requests`)
        this.refinery.approve(merge, HUMAN)
        return this.inbox.get(p.id)
      }
      const item = this.deacon.approve(p.id, p.always, HUMAN)
      if (p.always) this.changed('permissions')
      return item
    },
    'inbox.deny': (p) => {
      const item = this.inbox.get(p.id)
      if (item.kind === 'convoy') {
        this.convoys.denyWave(item, p.reason, HUMAN)
        return this.inbox.get(p.id)
      }
      if (item.kind !== 'merge') return this.deacon.deny(p.id, p.reason, HUMAN)
      this.refinery.deny(item, p.reason, HUMAN)
      return this.inbox.get(p.id)
    },
    'inbox.ack': (p) => {
      const item = this.inbox.get(p.id)
      if (item.kind === 'merge' && item.status === 'open') throw new CoreError('conflict', `${p.id} is a merge batch waiting for a decision: approve it (it lands) or deny it (its requests go back with your reason)`)
      if (item.kind === 'convoy' && item.status === 'open') throw new CoreError('conflict', `${p.id} is a convoy wave waiting for a decision: approve it (its beads are slung) or deny it (they are held)`)
      return this.inbox.ack(p.id, HUMAN)
    },
    'inbox.snooze': (p) => this.inbox.snooze(p.id, new Date(p.until).toISOString(), HUMAN),
    'inbox.reply': (p) => this.deacon.reply(p.id, p.text, HUMAN),
    'checks.run': (p) => this.checks.request(p.polecat, 'manual')!,
    'checks.list': (p) => this.checks.list(p),
    'checks.show': (p) => this.checks.get(p.id),
    'inbox.retry': async (p) => {
      const item = this.inbox.get(p.id)
      if (!item.incident || !item.polecatId) throw new CoreError('conflict', `${p.id} is not a failure the Dogs can retry: ${item.kind === 'permission' ? 'approve or deny it' : 'acknowledge it, reply, or take over'}`)
      const incident: Incident = {
        kind: item.incident as IncidentKind,
        severity: item.severity,
        rig: item.rig ?? '',
        polecatId: item.polecatId,
        beadId: item.beadId,
        sessionId: item.sessionId,
        title: item.title,
        body: item.body,
        excerpt: item.excerpt
      }
      await this.routing.retryNow(incident, HUMAN)
      return this.inbox.get(p.id)
    },
    'inbox.restart': async (p) => {
      const item = this.inbox.get(p.id)
      if (!item.polecatId) throw new CoreError('conflict', `${p.id} is about no polecat: nothing to restart`)
      await this.polecats.stopAndWait(item.polecatId, HUMAN)
      const pc = await this.polecats.restart(item.polecatId, `restarted by the human from the inbox: ${item.title}`, HUMAN)
      this.ledger.append(HUMAN, 'inbox.restarted', item.beadId ?? item.polecatId, { id: p.id, polecat: item.polecatId })
      return pc
    },
    'permissions.list': (p) => this.rules.list(p.rig),
    'permissions.set': (p) => {
      this.rigs.get(p.rig)
      const rule = this.rules.set(p, HUMAN)
      this.changed('permissions')
      return rule
    },
    'permissions.remove': (p) => {
      const rule = this.rules.remove(p.id, HUMAN)
      this.changed('permissions')
      return rule
    },
    'mq.list': (p) => this.mergeQueue.list(p),
    'mq.show': (p) => ({ entry: this.mergeQueue.get(p.id), runs: this.mergeQueue.runs({ limit: 500 }).filter((r) => r.requests.includes(p.id)), events: this.ledger.list({ subject: p.id }) }),
    'mq.runs': (p) => this.mergeQueue.runs(p),
    'mq.output': (p) => ({ text: this.refinery.output(p.run) }),
    'mq.add': async (p) => {
      const entries = await addMergeRequests({ rig: this.rigs.get(p.rig), branches: p.branches, title: p.title, priority: p.priority, beads: this.beads, queue: this.mergeQueue, db: this.db }, HUMAN)
      this.changed('beads', 'ledger')
      this.refinery.kick(p.rig)
      return entries
    },
    'mq.run': async (p) => {
      this.rigs.get(p.rig)
      this.refinery.kick(p.rig)
      if (p.wait) await this.refinery.idle(p.rig)
      return this.mergeQueue.list({ rig: p.rig })
    },
    'mq.retry': (p) => this.refinery.retry(p.id, HUMAN),
    'mq.reject': (p) => {
      const e = this.refinery.reject(p.id, p.reason, HUMAN)
      this.changed('beads', 'ledger')
      return e
    },
    'sessions.list': (p) => this.polecats.withLiveOutput(this.sessions.list(p)),
    'sessions.show': (p) => this.sessions.transcript(p.id),
    'ledger.list': (p) => this.ledger.list(p),
    'diff.get': (p) => this.diffs.get(p),
    'diff.file': (p) => this.diffs.file(p),
    'review.comment': (p) => this.reviews.comment(p, HUMAN),
    'review.list': (p) => this.reviews.list(p),
    'molecules.list': (p) => {
      if (p.rig) this.rigs.get(p.rig)
      return this.moleculeLibrary.list(p.rig ?? null, this.rigs.list().map((r) => r.name))
    },
    'molecules.show': (p) => {
      if (p.rig) this.rigs.get(p.rig)
      return this.moleculeLibrary.resolve(p.name, p.rig ?? null)
    },
    'scheduler.status': () => this.scheduler.status(),
    'scheduler.limit': (p) => {
      if (p.rig) this.rigs.get(p.rig)
      return this.scheduler.setLimit(p.rig ?? null, p.limit, HUMAN)
    },
    'scheduler.pause': (p) => this.scheduler.pause(p.reason ?? 'paused by the human', HUMAN),
    'scheduler.resume': () => this.scheduler.resume(HUMAN),
    'scheduler.park': (p) => {
      this.rigs.get(p.rig)
      const r = this.scheduler.park(p.rig, p.reason ?? 'parked by the human', HUMAN)
      this.changed('rigs', 'ledger')
      return r
    },
    'scheduler.unpark': (p) => {
      const r = this.scheduler.unpark(p.rig, HUMAN)
      this.changed('rigs', 'ledger')
      return r
    },
    'molecules.pour': (p) => {
      const m = this.molecules.pour(p, HUMAN)
      this.changed('beads', 'ledger')
      return m
    },
    'convoys.create': (p, ctx) => {
      const c = this.convoys.create(p, this.actor(ctx))
      this.changed('beads', 'ledger')
      return c
    },
    'convoys.add': (p, ctx) => {
      const c = this.convoys.add(p, this.actor(ctx))
      this.changed('beads', 'ledger')
      return c
    },
    'convoys.status': (p) => this.convoys.status(p.id),
    'convoys.land': (p, ctx) => {
      const c = this.convoys.land(p, this.actor(ctx))
      this.changed('ledger')
      return c
    },
    'convoys.list': (p) => this.convoys.list(p),
    'mayor.start': (p) => this.mayor.start(p, HUMAN),
    'mayor.stop': () => this.mayor.stop(HUMAN),
    'mayor.status': () => this.mayor.status()
  }

  // ---- events ----

  connect(client: ClientConnection): () => void {
    this.clients.set(client.id, client)
    return () => {
      this.clients.delete(client.id)
      this.polecats.detachAll(client.id)
      this.mayor.detach(client.id)
    }
  }

  private broadcast(event: CoreEvent): void {
    for (const c of this.clients.values()) c.send(event)
  }

  /** Coalesces change notices within one turn of the event loop into one event per client. */
  private changed(...topics: Topic[]): void {
    const first = this.pendingTopics.size === 0
    for (const t of topics) this.pendingTopics.add(t)
    if (!first) return
    setImmediate(() => {
      const event: CoreEvent = { type: 'changed', topics: [...this.pendingTopics] }
      this.pendingTopics.clear()
      for (const c of this.clients.values()) c.send(event)
    })
  }

  /** Quits: the agents' work is saved (with progress, bounded in time), their sessions ended, the ledger closed. */
  async close(opts: { progress?: (done: number, total: number, polecatId: string | null) => void } = {}): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.reescalation) clearInterval(this.reescalation)
    // Queued starts are refused first: nothing new begins while the agents are being stopped.
    this.scheduler.close()
    await this.recovery.stop()
    this.routing.dispose()
    this.witness.dispose()
    await this.checks.close()
    await this.refinery.close()
    await this.convoys.dispatcher.close()
    this.deacon.gate.releaseAll()
    await this.mayor.close()
    await this.polecats.shutdown((done, total, polecatId) => {
      this.broadcast({ type: 'quitting', done, total, polecatId })
      opts.progress?.(done, total, polecatId)
    })
    if (this.endpoint) await new Promise<void>((r) => this.endpoint!.server.close(() => r()))
    this.endpoint?.server.closeAllConnections?.()
    removeEndpoint(this.town, process.pid)
    // The last ledger commit reads the database now and pushes after it closed, bounded in time.
    let ledgerFlush: Promise<unknown> = Promise.resolve()
    try {
      this.ledger.append('core', 'town.stopped', null, { pid: process.pid })
      ledgerFlush = this.ledgerSync.close()
    } finally {
      this.db.close()
      await ledgerFlush.catch(() => {})
      this.lock.release()
    }
  }
}

/**
 * Opens the town and starts its endpoint. In this order, because each step protects the next: the folder is
 * checked (owner, permissions), the town lock taken (one control room per town), what an interrupted run left
 * half-done removed, the ledger checked read-only — and only then is anything written.
 */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const town = resolve(opts.town)
  prepareTownFolder(town)
  const lock = acquireTownLock(town)
  let core: Core
  try {
    removeStagingFolders(town)
    checkTownDatabase(join(town, 'town.db'), join(town, 'rigs'))
    core = new Core(town, opts.gtScript ?? defaultGtScript(), lock)
  } catch (err) {
    lock.release()
    throw err
  }
  try {
    await core.start()
  } catch (err) {
    await core.close().catch(() => {})
    throw err
  }
  return core
}
