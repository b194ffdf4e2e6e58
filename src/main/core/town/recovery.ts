// Start-up recovery: whatever state the disk and the ledger are in, the town converges, and the work the
// control room itself interrupted (a quit, a crash of the app or the machine) resumes. Safe to run any number
// of times. For each rig with unfinished work its clone is fetched, or cloned again if it is gone; each polecat
// with an unfinished bead on its hook gets its worktree back — from its local branch, else from the branch the
// app pushed to origin, else from the base (and the ledger says so) — and after a short grace period (cold
// starts need one) it is slung again with its checkpoint. A bead that is closed, or merged into the base, is
// never dispatched again; a bead respawned too often within an hour goes to the inbox instead. A rig that
// cannot be recovered is reported with its reason and does not stop the others; nothing is retried in a loop.
import type { Polecat, RecoveryReport, Rig } from '../../../shared/domain'
import type { Ledger } from '../ledger/ledger'
import type { Sessions } from '../sessions/sessions'
import { baseRef, recreateWorktrees, type WorktreeSource } from '../polecats/worktrees'
import { gitMessage } from '../git/git'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export type { RecoveryReport }
type RecoveryStep = RecoveryReport['rigs'][number]

export interface RecoveryDeps {
  ledger: Ledger
  sessions: Sessions
  rigs: () => Rig[]
  polecats: () => Polecat[]
  restoreClone: (rig: string) => Promise<'cloned' | 'fetched'>
  /** Closed, or finished with gt done and merged into the base. */
  beadFinished: (beadId: string) => Promise<boolean>
  /** Slings the polecat's bead again, in its worktree, with a first prompt that says why; `waiting` hears why it waits for room. */
  resume: (polecat: Polecat, why: string, waiting: (why: string) => void) => Promise<unknown>
  isRunning: (polecatId: string) => boolean
  dispatchPaused: () => string | null
  /** Too many respawns, an unrecoverable rig: the inbox. */
  alarm: (p: { severity: 'P0' | 'P1'; rig: string; polecatId: string | null; beadId: string | null; title: string; body: string; key: string }) => void
  /** Each change of the report, for the views ("Recovering: 3 rigs, 7 polecats"). */
  progress: (report: RecoveryReport) => void
  graceMs: () => number
  /** Respawns of one bead allowed within an hour before it goes to the inbox. */
  maxRespawnsPerHour: () => number
}

/** Sessions the control room itself ended: the work was interrupted, not finished or given up. */
const INTERRUPTED = new Set(['app-quit', 'app-restart'])

export class TownRecovery {
  private report: RecoveryReport | null = null
  private graceTimer: NodeJS.Timeout | null = null
  private endGrace: (() => void) | null = null
  private closed = false

  constructor(private d: RecoveryDeps) {}

  current(): RecoveryReport | null {
    return this.report
  }

  /** The polecats to resume: an unfinished bead on the hook, the last session interrupted by the app. */
  private interrupted(): Polecat[] {
    return this.d.polecats().filter((pc) => {
      if (!pc.beadId || pc.state !== 'exited' || this.d.isRunning(pc.id)) return false
      const last = pc.sessionId ? this.d.sessions.find(pc.sessionId) : null
      return !!last && INTERRUPTED.has(last.endReason ?? '')
    })
  }

  private running: Promise<RecoveryReport> | null = null

  /** Gets every rig and worktree back, then (after the grace period) resumes the interrupted polecats. */
  run(): Promise<RecoveryReport> {
    this.running = this.runOnce().finally(() => (this.running = null))
    return this.running
  }

  /** Stops recovering (the control room is closing) and waits, a little, for the git work in flight. */
  async stop(): Promise<void> {
    this.dispose()
    const running = this.running
    if (running) await Promise.race([running.catch(() => {}), new Promise((res) => setTimeout(res, 10_000).unref())])
  }

  private async runOnce(): Promise<RecoveryReport> {
    const pcs = this.interrupted()
    const rigNames = [...new Set(pcs.map((p) => p.rig))]
    const report: RecoveryReport = {
      startedAt: new Date().toISOString(),
      finishedAt: null,
      rigs: rigNames.map((name) => ({ name, state: 'waiting', detail: null })),
      polecats: pcs.map((p) => ({ name: p.id, state: 'waiting', detail: null }))
    }
    this.report = report
    if (pcs.length === 0) {
      report.finishedAt = report.startedAt
      return report
    }
    this.d.progress(report)
    // Rigs side by side (a clone is mostly waiting on I/O); each rig's worktrees in one batch of git commands.
    const rigs = new Map(this.d.rigs().map((r) => [r.name, r]))
    const ready: Polecat[] = []
    await Promise.all(report.rigs.map((step) => this.recoverRig(step, rigs.get(step.name)!, pcs.filter((p) => p.rig === step.name), ready)))
    await new Promise<void>((res) => {
      this.endGrace = res
      this.graceTimer = setTimeout(res, this.d.graceMs())
      this.graceTimer.unref()
    })
    this.graceTimer = null
    if (this.closed) return report
    // All at once: the scheduler starts as many as the limits allow, in fair order, and queues the rest.
    await Promise.all(ready.map((pc) => this.dispatch(pc, report.polecats.find((s) => s.name === pc.id)!)))
    if (this.closed) return report
    report.finishedAt = new Date().toISOString()
    this.d.progress(report)
    this.d.ledger.append('core', 'town.recovered', null, report)
    return report
  }

  private async recoverRig(step: RecoveryStep, rig: Rig, pcs: Polecat[], ready: Polecat[]): Promise<void> {
    const report = this.report!
    const stepOf = (pc: Polecat) => report.polecats.find((s) => s.name === pc.id)!
    if (this.closed) return
    // The same test restoreClone makes, so the views can say which of the two is under way.
    const hasClone = existsSync(join(rig.path, 'HEAD')) || existsSync(join(rig.path, '.git'))
    this.set(step, 'working', hasClone ? 'fetching' : 'cloning again from its source')
    try {
      this.set(step, 'done', (await this.d.restoreClone(step.name)) === 'cloned' ? 'cloned again from its source' : 'fetched')
    } catch (err) {
      const why = (err as Error).message
      this.set(step, 'failed', why)
      this.d.alarm({ severity: 'P1', rig: step.name, polecatId: null, beadId: null, title: `The rig ${step.name} could not be recovered`, body: `${why}. Its polecats stay on their hooks and are not resumed; fix the source (or its address) and restart the control room, or re-sling them by hand.`, key: `recovery:${step.name}` })
      for (const pc of pcs) this.set(stepOf(pc), 'skipped', `its rig ${pc.rig} could not be recovered`)
      return
    }
    const todo: Polecat[] = []
    for (const pc of pcs) {
      if (this.closed) return
      if (await this.d.beadFinished(pc.beadId!)) this.set(stepOf(pc), 'skipped', `bead ${pc.beadId} is finished (closed, or merged into the base): never dispatched again`)
      else {
        this.set(stepOf(pc), 'working', 'getting its worktree back')
        todo.push(pc)
      }
    }
    if (todo.length === 0) return
    // The clone was just fetched (or made): the base is what origin has, no second fetch.
    const base = await baseRef(rig.path, rig.defaultBranch, { fetch: false })
    const results = await recreateWorktrees(rig.path, base, todo.map((pc) => ({ worktree: pc.worktree, branch: pc.branch! })))
    const words: Record<WorktreeSource, string> = { present: 'its worktree was there', 'local-branch': 'worktree recreated from its local branch', 'remote-branch': 'worktree recreated from the branch on origin', base: 'its branch was found nowhere: started again from the base' }
    todo.forEach((pc, i) => {
      const r = results[i]
      if (r instanceof Error) return this.set(stepOf(pc), 'failed', `could not get its worktree back: ${gitMessage(r)}`)
      if (r === 'base') this.d.ledger.append('core', 'recovery.branch-lost', pc.beadId, { polecat: pc.id, branch: pc.branch, why: 'neither the clone nor origin had the branch: the worktree starts again from the base; the checkpoint and notes are all that is left of its work' })
      this.set(stepOf(pc), 'waiting', `${words[r]}; resumes after ${Math.round(this.d.graceMs() / 1000)} s`)
      ready.push(pc)
    })
  }

  private async dispatch(pc: Polecat, step: RecoveryStep): Promise<void> {
    if (this.closed) return
    const paused = this.d.dispatchPaused()
    if (paused) return this.set(step, 'skipped', `dispatch is paused (${paused}): resumes when dispatch does`)
    if (this.d.isRunning(pc.id)) return this.set(step, 'skipped', 'it was slung again meanwhile')
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString()
    const recent = this.d.sessions.list({ bead: pc.beadId!, limit: 100 }).filter((s) => s.startedAt >= hourAgo).length
    if (recent >= this.d.maxRespawnsPerHour()) {
      this.set(step, 'skipped', `bead ${pc.beadId} was started ${recent} times within the hour`)
      this.d.alarm({ severity: 'P0', rig: pc.rig, polecatId: pc.id, beadId: pc.beadId, title: `${pc.id} was respawned ${recent} times within an hour: not resumed`, body: 'Something ends it every time it starts (the app restarting, the machine). Look at its last sessions in Seance, then re-sling it by hand.', key: `respawns:${pc.beadId}` })
      return
    }
    this.set(step, 'working', 'resuming')
    try {
      await this.d.resume(pc, 'the control room restarted while it worked; its last session was interrupted', (why) => this.set(step, 'waiting', why))
      this.set(step, 'done', 'resumed with its checkpoint')
    } catch (err) {
      if (!this.closed) this.set(step, 'failed', (err as Error).message)
    }
  }

  /** After `gt town resume`: the polecats a paused dispatch held back now resume too. */
  async resumeHeld(): Promise<void> {
    if (!this.report?.finishedAt) return
    const held = this.report.polecats.filter((step) => step.state === 'skipped' && step.detail?.startsWith('dispatch is paused'))
    await Promise.all(
      held.map((step) => {
        const pc = this.d.polecats().find((p) => p.id === step.name)
        return pc ? this.dispatch(pc, step) : undefined
      })
    )
    this.d.progress(this.report)
  }

  dispose(): void {
    this.closed = true
    if (this.graceTimer) clearTimeout(this.graceTimer)
    this.endGrace?.()
  }

  private set(step: RecoveryStep, state: RecoveryStep['state'], detail: string | null): void {
    step.state = state
    step.detail = detail
    if (this.report && !this.closed) this.d.progress(this.report)
  }
}
