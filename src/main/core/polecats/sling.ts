// Sling: hand a bead to a polecat and start its agent. Pick the polecat (the one already holding the bead's
// hook, an idle one of the rig, or a new name), hook the bead to it in one conditional update, prepare its
// worktree and branch, and start the agent CLI in its PTY.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Polecat } from '../../../shared/domain'
import { CoreError, type Params } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import type { Beads } from '../beads/beads'
import type { Rigs } from '../rigs/rigs'
import { polecatsDir } from '../rigs/rigs'
import type { Sessions } from '../sessions/sessions'
import { gitMessage, isDirty } from '../git/git'
import { processesInside } from '../processes/agent-processes'
import { nextName } from './names'
import type { PolecatInstructions } from './instructions'
import type { BranchKeeper } from './branch-keeper'
import { planLaunch, type LaunchPlan } from '../runtimes/launch-plan'
import { baseRef, ensureWorktree } from './worktrees'
import { agentGitEnv, type GitIdentity } from './agent-git'
import type { PolecatStore } from './polecat-store'
import type { AgentTerminals } from './agent-terminals'
import type { SessionLifecycle } from './session-lifecycle'
import type { RuntimePreset } from '../../../shared/domain'
import { hashToken } from './tokens'
import type { AdmissionRequest, AdmitOptions, Slot } from '../scheduler/scheduler'

export interface SlingDeps {
  db: Db
  ledger: Ledger
  beads: Beads
  rigs: Rigs
  sessions: Sessions
  store: PolecatStore
  terminals: AgentTerminals
  lifecycle: SessionLifecycle
  town: string
  runtimes: () => { list: RuntimePreset[]; defaultName: string }
  /** Environment every agent gets besides its GT_* identity (PATH with gt first). */
  agentEnv: () => Record<string, string>
  endpointUrl: () => string
  /** <town>/git-hooks, and the identity agents commit under where git has none. */
  gitHooksDir: string
  gitIdentity: () => GitIdentity
  /** Why dispatch is paused town-wide (a mass death), or null. */
  dispatchPaused: () => string | null
  /** The polecat instructions (first prompt, from the town's templates). */
  instructions: PolecatInstructions
  keeper: BranchKeeper
  /** <town>/bin/gt: what the runtime's hooks run. */
  gtPath: string
  claudeConfig: () => 'user' | 'town'
  changed: (...topics: ('beads' | 'polecats' | 'sessions' | 'ledger')[]) => void
  /** The scheduler's admission: every start waits here for a slot within the limits (scheduler/). */
  admit: (req: AdmissionRequest, opts: AdmitOptions) => Promise<Slot>
}

export interface SlingOptions extends AdmitOptions {
  resuming?: string
}

export class Sling {
  private queue = new Map<string, Promise<Polecat>>()

  constructor(private d: SlingDeps) {}

  /**
   * Slings into one rig run one at a time: allocating a name and creating its worktree are async, and two at
   * once would pick the same idle polecat. Across rigs, the hook itself is the claim (PolecatStore.claimHook).
   */
  async sling(p: Params<'sling'>, actor: string, opts: SlingOptions = {}): Promise<Polecat> {
    if (this.d.dispatchPaused()) throw new CoreError('conflict', `dispatch is paused: ${this.d.dispatchPaused()}. Resume it with \`gt town resume\` once the cause is fixed.`)
    // What can never start is refused now, not after a wait in the scheduler's queue.
    this.d.rigs.get(p.rig)
    const bead = this.d.beads.get(p.bead)
    if (bead.status === 'closed') throw new CoreError('conflict', `bead ${bead.id} is closed`)
    if (bead.type === 'merge-request') throw new CoreError('conflict', `${bead.id} is a merge request, not work to sling`)
    this.runtime(p)
    // A bead whose branch lives in its rig (hooked to an exited polecat) and a restart run where they are; new
    // work may start in a twin rig when its own is full, parked, stuck or failing (the scheduler's router).
    const holder = this.d.store.holderOf(bead.id)
    const movable = !opts.resuming && !holder
    // The slot is taken before the rig's line below: a start waiting for room must not hold up its rig.
    const slot = await this.d.admit(
      { beadId: bead.id, rig: p.rig, priority: bead.priority, beadCreatedAt: bead.createdAt, title: bead.title, kind: opts.resuming ? 'restart' : 'sling', movable },
      { progress: opts.progress, signal: opts.signal }
    )
    const where = { ...p, rig: slot.rig }
    const previous = this.queue.get(where.rig) ?? Promise.resolve()
    const run = previous.catch(() => {}).then(() => this.slingNow(where, actor, opts, slot))
    this.queue.set(where.rig, run)
    try {
      return await run
    } catch (err) {
      // A conflict over the bead (hooked elsewhere, closed meanwhile) says nothing about the rig; anything else
      // (its clone, the worktree, the runtime, the launch) counts toward the rig failing (the router avoids it).
      slot.release(err instanceof CoreError && err.code === 'conflict' ? undefined : (err as Error).message)
      throw err
    } finally {
      if (this.queue.get(where.rig) === run) this.queue.delete(where.rig)
    }
  }

  /** An idle polecat of the rig whose worktree is clean, else a new name from the pool. */
  private async allocate(rig: string): Promise<string> {
    const rows = this.d.store.rows('WHERE rig = ?', rig)
    for (const r of rows) {
      if (r.state !== 'idle' && r.state !== 'exited') continue
      if (r.bead_id) continue // an exited polecat still holding a hook keeps it for its bead
      if (this.d.terminals.isRunning(r.id)) continue
      if (existsSync(r.worktree) && (await isDirty(r.worktree).catch(() => true))) continue
      return r.name
    }
    return nextName(new Set(rows.map((r) => r.name)))
  }

  private runtime(p: Params<'sling'>): RuntimePreset {
    if (p.agent && p.agentCmd) throw new CoreError('invalid_params', 'give either --agent or --agent-cmd, not both')
    const { list, defaultName } = this.d.runtimes()
    const name = p.agentCmd ? 'custom' : (p.agent ?? defaultName)
    const runtime = list.find((r) => r.name === name)
    if (!runtime) throw new CoreError('invalid_params', `unknown agent runtime "${name}"; known: ${list.map((r) => r.name).join(', ')}`)
    if (runtime.name === 'custom' && !p.agentCmd) throw new CoreError('invalid_params', 'the custom runtime needs --agent-cmd')
    return runtime
  }

  /**
   * A new session for a polecat whose bead is still on its hook (the Dogs after a crash, the inbox's
   * Restart): same worktree, same branch, same runtime, and a first prompt that says why it resumes.
   */
  async restart(polecatId: string, why: string, actor: string, opts: AdmitOptions = {}): Promise<Polecat> {
    const pc = this.d.store.get(polecatId)
    if (!pc.beadId) throw new CoreError('conflict', `${polecatId} has nothing on its hook to restart`)
    const last = pc.sessionId ? this.d.sessions.find(pc.sessionId) : null
    if (!last) throw new CoreError('conflict', `${polecatId} has no earlier session to restart from`)
    const again = last.runtime === 'custom' ? { agentCmd: last.command } : { agent: last.runtime }
    return this.sling({ bead: pc.beadId, rig: pc.rig, ...again }, actor, { ...opts, resuming: why })
  }

  private async slingNow(p: Params<'sling'>, actor: string, opts: { resuming?: string }, slot: Slot): Promise<Polecat> {
    const rig = this.d.rigs.get(p.rig)
    let bead = this.d.beads.get(p.bead)
    if (bead.status === 'closed') throw new CoreError('conflict', `bead ${bead.id} is closed`)
    if (bead.type === 'merge-request') throw new CoreError('conflict', `${bead.id} is a merge request, not work to sling`)
    const runtime = this.runtime(p)
    const holder = this.d.store.holderOf(bead.id)
    if (holder && this.d.terminals.isRunning(holder.id)) throw new CoreError('conflict', `bead ${bead.id} is already hooked to ${holder.id}, which is running`)
    if (holder && holder.rig !== rig.name) {
      throw new CoreError('conflict', `bead ${bead.id} is hooked to ${holder.id} (${holder.state}) in rig ${holder.rig}: sling it into ${holder.rig} to resume its work on ${holder.branch ?? 'its branch'}`)
    }

    // A bead whose exited polecat still holds its hook goes back to that polecat: same worktree, same branch.
    const name = holder ? holder.name : await this.allocate(rig.name)
    const id = `${rig.name}/${name}`
    const worktree = join(polecatsDir(this.d.town, rig.name), name)
    const branch = `polecat/${name}/${bead.id}`
    bead = this.d.beads.get(bead.id) // it may have changed while a name was found
    const before = { polecat: this.d.store.row(id), beadStatus: bead.status, beadAssignee: bead.assignee }
    const claim = this.d.store.claimHook({ id, rig: rig.name, name, beadId: bead.id, branch, worktree, runtime: runtime.name })
    if (!claim.ok) throw new CoreError('conflict', claim.holder && this.d.terminals.isRunning(claim.holder.id) ? `${claim.why}, which is running` : claim.why)

    // A bead worked on before is resumed, and the agent is told why the last session ended.
    const last = this.d.sessions.list({ bead: bead.id, limit: 1 })[0]
    const resuming = opts.resuming ?? (last ? `the earlier session ${last.id} on this bead ended (${last.endReason ?? 'it was interrupted'}).` : '')
    const prompt = this.d.instructions.firstPrompt(runtime.name, { polecat: id, rig: rig.name, bead: bead.id, title: bead.title, branch, resuming })
    let gitEnv: Record<string, string>
    let plan: LaunchPlan
    try {
      // A WIP save of the last session (it ended by itself just now) finishes before this one touches git here.
      await this.d.keeper.settled(id)
      try {
        // A clone lost with its disk is cloned again from the rig's source first.
        if (!existsSync(rig.path)) await this.d.rigs.restoreClone(rig.name)
        await ensureWorktree(rig.path, await baseRef(rig.path, rig.defaultBranch), worktree, branch)
      } catch (err) {
        throw new CoreError('failed', `could not prepare the worktree for ${id}: ${gitMessage(err)}`)
      }
      // Two agents in one worktree would overwrite each other's work: whatever still runs there must end first.
      const holders = processesInside(worktree)
      if (holders.length) {
        throw new CoreError(
          'conflict',
          `the worktree ${worktree} is still in use by ${holders.map((h) => `pid ${h.pid} (${h.command.slice(0, 80) || '?'})`).join(', ')}: end ${holders.length === 1 ? 'it' : 'them'} (kill ${holders.map((h) => h.pid).join(' ')}) and sling again`
        )
      }
      gitEnv = await agentGitEnv(worktree, this.d.gitHooksDir, this.d.gitIdentity(), this.d.agentEnv())
      try {
        plan = await planLaunch({ town: this.d.town, worktree, prompt, agentCmd: p.agentCmd, preset: runtime, agentEnv: this.d.agentEnv(), gt: this.d.gtPath, claudeConfig: this.d.claudeConfig() })
      } catch (err) {
        throw new CoreError('failed', `could not prepare ${runtime.label} for ${id}: ${(err as Error).message}`)
      }
    } catch (err) {
      this.d.store.undoClaim(id, bead.id, before)
      this.d.ledger.append(actor, 'polecat.sling-failed', bead.id, { polecat: id, error: (err as Error).message })
      this.d.changed('beads', 'polecats', 'ledger')
      throw err
    }

    // Routed to a twin: the bead now belongs to the rig it runs in (convoys, the merge request, lists follow it).
    if (slot.routedFrom && bead.rig === slot.routedFrom.rig) bead = this.d.beads.update({ id: bead.id, rig: rig.name }, 'mayor')
    const sessionId = `s-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    const token = randomBytes(32).toString('base64url')
    const logPath = join(worktree, '.gt', 'sessions', `${sessionId}.jsonl`)
    const argv = plan.argv
    const command = p.agentCmd ?? argv.join(' ')

    inTransaction(this.d.db, () => {
      this.d.store.set(id, { session_id: sessionId })
      this.d.sessions.insert({ id: sessionId, polecatId: id, rig: rig.name, beadId: bead.id, runtime: runtime.name, command, logPath, tokenHash: hashToken(token) })
      if (plan.runtimeSessionId) this.d.sessions.setRuntimeSessionId(sessionId, plan.runtimeSessionId)
      this.d.ledger.append(actor, 'polecat.slung', bead.id, { polecat: id, branch, runtime: runtime.name, session: sessionId, runtimeSession: plan.runtimeSessionId })
    })
    const env: Record<string, string> = {
      ...withoutKeys(this.d.agentEnv(), plan.unset),
      ...plan.env,
      ...gitEnv,
      GT_TOWN: this.d.town,
      GT_RIG: rig.name,
      GT_POLECAT: id,
      GT_BEAD: bead.id,
      GT_TOKEN: token,
      GT_ENDPOINT: this.d.endpointUrl(),
      GT_SESSION: sessionId,
      GT_PROMPT: prompt
    }
    const stream = this.d.lifecycle.start({ polecatId: id, sessionId, bead, branch, runtime: runtime.name, command, logPath, argv, cwd: worktree, env, hooks: plan.hooks, blockingScreen: plan.blockingScreen })
    slot.started(stream, id, sessionId)
    if (runtime.promptMode === 'type' && !runtime.adapter) {
      // Type the prompt once the CLI has drawn something, then submit it: a typed but unsubmitted prompt
      // is the classic "agent never started".
      void stream.whenFirstOutput(3000).then(() => {
        stream.write(prompt)
        setTimeout(() => stream.write('\r'), 150)
      })
    }
    this.d.changed('beads', 'polecats', 'sessions', 'ledger')
    return this.d.store.get(id)
  }
}

function withoutKeys(env: Record<string, string>, keys: string[]): Record<string, string> {
  const out = { ...env }
  for (const k of keys) delete out[k]
  return out
}
