// The refinery: a Bors-style merge queue per rig. It takes the waiting requests in order, builds candidates
// (requests applied onto the current target in a scratch worktree of its own), runs the rig's checks once per
// candidate, and moves the target only to a candidate that passed, with a compare-and-swap — a target that
// moved meanwhile is fetched and the candidate rebuilt on it, never overwritten. A red candidate is bisected
// (probe-planner.ts) to its culprits; the good requests land, the culprits go back (merge-outcomes.ts). In
// gated mode a green batch waits in the inbox with its diff, and Approve lands it.
//
// One drain per rig at a time; requests arriving meanwhile start another pass when it ends. A landing is
// written down before the target moves and settled after, so a host that dies in between finishes it on
// restart (the target already has it) or redoes the batch (it does not) — never merges twice.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import type { InboxItem, MergeFailure, MergeQueueEntry, MergeRun, Rig } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { git, gitEnv, gitMessage } from '../git/git'
import type { Inbox } from '../inbox/inbox'
import type { RigSettings } from '../rigs/rig-settings'
import { CheckRunner, type CheckEvent } from '../witness/check-runner'
import { CHECK_NAMES, outputOf, type CheckCommands, type CheckRunResult } from '../witness/check-result'
import { buildCandidate, deriveCandidate, type BuildCandidateInput, type CandidateResult, type MergeStrategy } from './candidate'
import { afterProbes, dropConflict, nextProbes, rebase, type ProbeState } from './probe-planner'
import { remoteTargetSha, updateTarget } from './target-update'
import type { Landing, MergeQueue } from './merge-queue'
import type { MergeOutcomes } from './merge-outcomes'

export interface RefineryDeps {
  queue: MergeQueue
  outcomes: MergeOutcomes
  inbox: Inbox
  rig: (name: string) => Rig
  settings: (rig: string) => RigSettings
  identity: () => { name: string; email: string }
  /** A trouble of the rig's target (checked out dirty, a push refused): one open item per rig and cause. */
  alarm: (a: { rig: string; key: string; title: string; body: string }) => void
  /** A candidate's check output as it comes (for the Merge queue view's terminal). */
  output: (runId: string, data: string) => void
  diffStat: (repo: string, from: string, to: string) => Promise<string | null>
  /** The `[convoy]` of the molecule a bead belongs to (its mode and bundle_size override the rig's), or null. */
  moleculeConvoy?: (beadId: string) => { mode: 'mountain' | 'gated' | null; bundleSize: number | null } | null
}

/** How long a blocked target (checked out with changes, a refused push) waits before the refinery tries again. */
const BLOCKED_RETRY_MS = 60_000
/** What a view that opens a run late still gets of its output. */
const OUTPUT_KEPT_BYTES = 256 * 1024

const short = (sha: string) => sha.slice(0, 10)

async function revParse(repo: string, ref: string): Promise<string | null> {
  const out = await git(repo)
    .raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
    .catch(() => '')
  return out.trim() || null
}

function commandsOf(s: RigSettings): Partial<CheckCommands> {
  const out: Partial<CheckCommands> = {}
  for (const c of CHECK_NAMES) if (s[c].trim()) out[c] = s[c]
  return out
}

/** What makes two green runs comparable: the same commands. A tree green under them needs no second run. */
const checksKey = (s: RigSettings): string => createHash('sha256').update(JSON.stringify(commandsOf(s))).digest('hex').slice(0, 16)

/** The target a rig's requests land on. */
export const targetOf = (rig: Rig, s: RigSettings): string => s.target_branch || rig.defaultBranch

/** The failing command's output: what the culprit's polecat and the inbox are shown. */
function failingOutput(result: CheckRunResult | null): { summary: string; output: string } {
  const failed = result?.checks.find((c) => c.status !== 'ok' && c.status !== 'skipped')
  if (!failed) return { summary: 'the checks did not pass', output: '' }
  const how = failed.status === 'timed-out' ? 'timed out' : failed.exitCode !== null ? `exit code ${failed.exitCode}` : failed.status
  return { summary: `${failed.check} (${failed.command}) ${how}`, output: outputOf(failed, 8000) }
}

interface Probe {
  length: number
  scratch: string
  candidate: CandidateResult
  run: MergeRun
  result: CheckRunResult | null
  green: boolean
}

export class Refinery {
  readonly runner: CheckRunner
  private drains = new Map<string, Promise<void>>()
  private again = new Set<string>()
  private retryTimers = new Map<string, NodeJS.Timeout>()
  private outputs = new Map<string, string>()
  private closed = false

  constructor(private d: RefineryDeps) {
    this.runner = new CheckRunner({ maxConcurrent: 16, onEvent: (e) => this.checkEvent(e) })
  }

  private runOfCheck = new Map<string, string>() // check run id → merge run id

  private checkEvent(e: CheckEvent): void {
    const runId = this.runOfCheck.get(e.runId)
    if (!runId) return
    let text: string | null = null
    if (e.type === 'command-started') text = `\r\n\x1b[1m$ ${e.command}\x1b[0m\r\n`
    else if (e.type === 'output') text = e.text.replace(/\r?\n/g, '\r\n')
    else if (e.type === 'command-finished') text = `\r\n\x1b[${e.result.status === 'ok' ? '32' : '31'}m${e.result.check}: ${e.result.status}${e.result.exitCode !== null ? ` (exit ${e.result.exitCode})` : ''} in ${(e.result.durationMs / 1000).toFixed(1)} s\x1b[0m\r\n`
    if (text === null) return
    const kept = (this.outputs.get(runId) ?? '') + text
    this.outputs.set(runId, kept.length > OUTPUT_KEPT_BYTES ? kept.slice(-OUTPUT_KEPT_BYTES) : kept)
    this.d.output(runId, text)
  }

  /** The output of a candidate's checks so far (a run still going), or its commands' output tails (a finished one). */
  output(runId: string): string {
    const live = this.outputs.get(runId)
    if (live !== undefined) return live
    const run = this.d.queue.getRun(runId)
    return run.checks.length ? `(the run finished: see each check's output in the run)` : ''
  }

  /**
   * After a restart: runs that never ended are marked so, requests that were being tested wait again, and
   * every rig with work (or a landing half done: its drain settles it first) starts its queue.
   */
  recover(): void {
    this.d.queue.cancelUnfinishedRuns()
    const testing = this.d.queue.list({ states: ['testing'] }).map((e) => e.id)
    this.d.queue.requeue(testing, 'the control room restarted while it was being tested')
    const rigs = new Set([...this.d.queue.rigsWithWork(), ...this.d.queue.openLandings().filter((l) => l.state === 'landing').map((l) => l.rig)])
    for (const rig of rigs) this.kick(rig)
  }

  /**
   * A landing written down but not settled — approved by a human, or interrupted by a host that stopped
   * between writing it and the bookkeeping after the push. The target says what happened: it has the
   * candidate (finish the bookkeeping), it is still where the candidate was built (push now, if no branch
   * moved since), or it moved elsewhere (the batch is tested again on it).
   */
  private async settle(rig: Rig, landing: Landing): Promise<'landed' | 'requeued' | 'stop'> {
    const actual = await remoteTargetSha(rig.path, 'origin', landing.targetBranch)
    if (actual !== null && (actual === landing.newSha || (await isAncestor(rig.path, landing.newSha, actual)))) {
      this.landed(landing)
      return 'landed'
    }
    const unchanged = actual === landing.expectedSha && (await this.headsUnchanged(rig.path, landing.requests))
    if (unchanged) {
      const r = await this.push(rig, landing)
      return r.kind === 'landed' ? 'landed' : r.kind === 'stop' ? 'stop' : 'requeued'
    }
    this.d.queue.setLanding(landing.id, 'abandoned')
    this.d.queue.requeue(landing.requests.map((r) => r.id), `${landing.targetBranch} or a branch moved before the approved batch landed: tested again`)
    return 'requeued'
  }

  /** The target has the landing: the requests are merged, and the batch's inbox item (an approved, or a restarted one) is closed. */
  private landed(landing: Landing): void {
    this.d.outcomes.merged(landing, landing.newSha)
    if (landing.inboxItem) this.d.inbox.close(landing.inboxItem, { status: 'resolved', by: 'refinery', resolution: `landed on ${landing.targetBranch} as ${short(landing.newSha)}` })
  }

  private async headsUnchanged(repo: string, requests: { id: string; headSha: string }[]): Promise<boolean> {
    for (const r of requests) if ((await revParse(repo, `refs/remotes/origin/${this.d.queue.get(r.id).branch}`)) !== r.headSha) return false
    return true
  }

  /** Something new for the rig's queue: a drain starts, or another pass follows the one running. */
  kick(rig: string): void {
    if (this.closed) return
    clearTimeout(this.retryTimers.get(rig))
    this.retryTimers.delete(rig)
    if (this.drains.has(rig)) {
      this.again.add(rig)
      return
    }
    const run = (async () => {
      do {
        this.again.delete(rig)
        try {
          await this.drain(rig)
        } catch (err) {
          if (this.closed) return
          this.d.alarm({ rig, key: `mq-error:${rig}`, title: `The refinery of ${rig} stopped on an error`, body: (err as Error).message })
          this.d.queue.requeue(this.d.queue.list({ rig, states: ['testing'] }).map((e) => e.id), `the refinery stopped on an error: ${(err as Error).message}`)
          return
        }
      } while (this.again.has(rig) && !this.closed)
    })().finally(() => this.drains.delete(rig))
    this.drains.set(rig, run)
  }

  /** Resolves when the rig's queue is idle (tests, gt mq run --wait). */
  async idle(rig: string): Promise<void> {
    while (this.drains.has(rig)) await this.drains.get(rig)
  }

  private retryLater(rig: string): void {
    if (this.closed || this.retryTimers.has(rig)) return
    const t = setTimeout(() => {
      this.retryTimers.delete(rig)
      this.kick(rig)
    }, BLOCKED_RETRY_MS)
    t.unref()
    this.retryTimers.set(rig, t)
  }

  private async drain(rigName: string): Promise<void> {
    try {
      await this.drainQueue(rigName)
    } finally {
      // Whatever stopped the pass, nothing stays "testing" that no run is testing.
      if (!this.closed) this.d.queue.requeue(this.d.queue.list({ rig: rigName, states: ['testing'] }).map((e) => e.id), 'the pass ended before it was tested')
    }
  }

  private async drainQueue(rigName: string): Promise<void> {
    const rig = this.d.rig(rigName)
    await git(rig.path).fetch(['origin', '--prune'])
    for (const landing of this.d.queue.openLandings(rigName)) {
      if (landing.state === 'awaiting_approval') return // a gated batch waits for its human; the rest is built on what it lands
      if ((await this.settle(rig, landing)) === 'stop') return
    }
    const settings = this.d.settings(rigName)
    const target = targetOf(rig, settings)
    const repo = rig.path
    const found = await revParse(repo, `refs/remotes/origin/${target}`)
    if (!found) {
      this.d.alarm({ rig: rigName, key: `mq-target:${rigName}`, title: `${rigName}'s merge target ${target} does not exist on its remote`, body: `The refinery cannot merge into ${target}: origin has no such branch. Set target_branch (gt rig config ${rigName} target_branch BRANCH) or push the branch.` })
      return
    }
    let targetSha: string = found
    const entries = new Map<string, MergeQueueEntry>(this.d.queue.waiting(rigName).map((e) => [e.id, e]))
    if (!entries.size) return
    // The molecule of the request at the head of the queue sets the batch size (its [convoy] bundle_size).
    const head = entries.values().next().value as MergeQueueEntry
    const headBundle = head.beadId ? this.d.moleculeConvoy?.(head.beadId)?.bundleSize ?? null : null
    let state: ProbeState = { pending: [...entries.keys()], greenPrefix: 0, redPrefix: null, bundleSize: headBundle ?? settings.bundle_size, parallel: settings.merge_parallel }
    // The red run that ends with each request: the culprit's failing output when the planner names it.
    const redRunEndingWith = new Map<string, Probe>()
    const key = checksKey(settings)
    const commands = commandsOf(settings)
    const scratchRoot = join(dirname(repo), 'refinery')

    while (state.pending.length && !this.closed) {
      const lengths = nextProbes(state)
      if (!lengths.length) break
      // The longest probe first: every conflict among these requests shows in it, and is sent back before any check runs.
      const longest = lengths[lengths.length - 1]
      const built = new Map<number, CandidateResult>()
      const first = await this.build(repo, join(scratchRoot, 'probe-0'), target, targetSha, state.pending.slice(0, longest), entries, settings.merge_strategy)
      const dropped = [...first.conflicts.map((c) => ({ id: c.id, failure: { kind: 'conflict' as const, message: c.message || `applying ${entries.get(c.id)!.branch} onto ${target} (${short(targetSha)}) conflicts in ${c.files.join(', ') || 'files git did not name'}`, files: c.files } })), ...first.missing.map((m) => ({ id: m.id, failure: { kind: 'missing' as const, message: m.message } }))]
      if (dropped.length) {
        for (const x of dropped) {
          this.d.outcomes.sentBack(entries.get(x.id)!, 'failed', x.failure, 'refinery')
          state = dropConflict(state, x.id)
        }
        continue
      }
      built.set(longest, first)
      // The shorter probes are prefixes of the longest: their candidates come from its chain, side by side.
      const derived = await Promise.all(
        lengths.slice(0, -1).map((len, i) => this.build(repo, join(scratchRoot, `probe-${i + 1}`), target, targetSha, state.pending.slice(0, len), entries, settings.merge_strategy, first))
      )
      lengths.slice(0, -1).forEach((len, i) => built.set(len, derived[i]))
      const heads = new Map(first.applied.map((a) => [a.id, a.headSha]))
      this.d.queue.testing(state.pending.slice(0, longest), heads)

      const probes = await Promise.all(
        lengths.map((len, i) => this.test(rigName, target, targetSha, state.pending.slice(0, len), built.get(len)!, i === lengths.length - 1 ? join(scratchRoot, 'probe-0') : join(scratchRoot, `probe-${i + 1}`), len, commands, key, settings))
      )
      if (this.closed) return
      for (const p of probes) if (!p.green) redRunEndingWith.set(state.pending[p.length - 1], p)
      const results = new Map(probes.map((p) => [p.length, p.green ? ('green' as const) : ('red' as const)]))
      const step = afterProbes({ state, results })

      if (step.land > 0) {
        const landIds = state.pending.slice(0, step.land)
        const probe = probes.find((p) => p.length === step.land)!
        const outcome = await this.land(rig, settings, target, targetSha, landIds, probe, entries)
        if (outcome.kind === 'stop') return
        if (outcome.kind === 'retest') {
          targetSha = outcome.targetSha
          for (const id of outcome.refresh) entries.set(id, this.d.queue.get(id))
          state = rebase({ ...state })
          redRunEndingWith.clear()
          continue
        }
        targetSha = outcome.sha
      }
      if (step.culprit) {
        const red = redRunEndingWith.get(step.culprit)
        const out = failingOutput(red?.result ?? null)
        const entry = entries.get(step.culprit)!
        this.d.outcomes.sentBack(entry, 'failed', { kind: 'checks', message: `${out.summary} on the candidate with ${entry.branch} applied onto ${target}`, output: out.output, runId: red?.run.id }, 'refinery')
      }
      state = step.next
    }
  }

  /** A candidate of `ids` on the target; with `from`, a prefix of that built batch (nothing applied again). */
  private async build(repo: string, scratch: string, target: string, targetSha: string, ids: string[], entries: Map<string, MergeQueueEntry>, strategy: MergeStrategy, from?: CandidateResult): Promise<CandidateResult> {
    const input: BuildCandidateInput = {
      repo,
      scratch,
      targetBranch: target,
      targetSha,
      strategy,
      identity: this.d.identity(),
      requests: ids.map((id) => {
        const e = entries.get(id)!
        return { id, branch: e.branch, ref: `refs/remotes/origin/${e.branch}`, title: e.title }
      }),
      message: (applied) =>
        applied.length === 1
          ? `Merge ${entries.get(applied[0].id)!.branch} (${applied[0].id})\n\n${entries.get(applied[0].id)!.title}\n\nMerge-Request: ${applied[0].id}`
          : `Merge ${applied.length} requests into ${target}\n\n${applied.map((a) => `- ${entries.get(a.id)!.branch} (${a.id}): ${entries.get(a.id)!.title}`).join('\n')}\n\n${applied.map((a) => `Merge-Request: ${a.id}`).join('\n')}`
    }
    return from ? deriveCandidate(input, from) : buildCandidate(input)
  }

  /** One candidate's checks (or none, when its tree already passed them). */
  private async test(rig: string, target: string, targetSha: string, ids: string[], candidate: CandidateResult, scratch: string, length: number, commands: Partial<CheckCommands>, key: string, s: RigSettings): Promise<Probe> {
    let run = this.d.queue.startRun({ rig, targetBranch: target, targetSha, requests: ids })
    run = this.d.queue.updateRun(run.id, { status: 'testing', candidateSha: candidate.sha, tree: candidate.tree })
    if (this.d.queue.greenTree(rig, candidate.tree, key)) {
      run = this.d.queue.updateRun(run.id, { status: 'green', detail: key })
      this.d.output(run.id, 'This tree passed the same checks before: not run again.\r\n')
      return { length, scratch, candidate, run, result: null, green: true }
    }
    const timeoutMs = s.check_timeout_s * 1000
    const ticket = this.runner.request({ worktree: scratch, commands, reason: 'merge candidate', timeouts: { build: timeoutMs, test: timeoutMs, coverage: timeoutMs } })
    this.runOfCheck.set(ticket.runId, run.id)
    const outcome = await ticket.outcome
    this.runOfCheck.delete(ticket.runId)
    this.outputs.delete(run.id)
    const result = outcome.status === 'superseded' ? null : outcome.result
    const checks = (result?.checks ?? []).map((c) => ({ check: c.check, command: c.command, status: c.status, exitCode: c.exitCode, durationMs: c.durationMs, output: outputOf(c, 16_000) }))
    const green = outcome.status === 'completed' && result!.overall === 'ok'
    run = this.d.queue.updateRun(run.id, { status: outcome.status !== 'completed' ? 'cancelled' : green ? 'green' : 'red', detail: green ? key : failingOutput(result).summary, checks })
    return { length, scratch, candidate, run, result, green }
  }

  /**
   * Moves the target to a green candidate — after checking nothing moved since it was built (a branch pushed
   * again is re-tested, never merged stale), and in gated mode only with a human's approval of these heads.
   */
  private async land(
    rig: Rig,
    s: RigSettings,
    target: string,
    targetSha: string,
    ids: string[],
    probe: Probe,
    entries: Map<string, MergeQueueEntry>
  ): Promise<{ kind: 'landed'; sha: string } | { kind: 'retest'; targetSha: string; refresh: string[] } | { kind: 'stop' }> {
    const repo = rig.path
    await git(repo).fetch(['origin', '--prune'])
    const requests = probe.candidate.applied.filter((a) => ids.includes(a.id))
    const moved: string[] = []
    for (const r of requests) if ((await revParse(repo, `refs/remotes/origin/${entries.get(r.id)!.branch}`)) !== r.headSha) moved.push(r.id)
    const nowTarget = await revParse(repo, `refs/remotes/origin/${target}`)
    if (moved.length || nowTarget !== targetSha) {
      this.d.queue.requeue(ids, moved.length ? `the branch of ${moved.join(', ')} moved since it was tested` : `${target} moved (${short(targetSha)} → ${short(nowTarget ?? '')}) while the candidate was tested`)
      return { kind: 'retest', targetSha: nowTarget ?? targetSha, refresh: ids }
    }
    const approved = requests.every((r) => this.d.queue.approvedSha(r.id) === r.headSha)
    // Each request's mode is its molecule's, else the rig's: one gated request makes the batch wait for a human.
    const modeOf = (id: string) => {
      const bead = entries.get(id)!.beadId
      return (bead ? this.d.moleculeConvoy?.(bead)?.mode : null) ?? s.merge_mode
    }
    if (requests.some((r) => modeOf(r.id) === 'gated') && !approved) {
      const landing = this.d.queue.createLanding({ rig: rig.name, targetBranch: target, expectedSha: targetSha, newSha: probe.candidate.sha, requests, runId: probe.run.id, state: 'awaiting_approval' })
      const diffStat = await this.d.diffStat(repo, targetSha, probe.candidate.sha).catch(() => null)
      const item = this.d.inbox.raise(
        {
          kind: 'merge',
          severity: 'P2',
          title: `Merge ${requests.length === 1 ? entries.get(requests[0].id)!.branch : `${requests.length} requests`} into ${rig.name}/${target}: the checks passed`,
          body: requests.map((r) => `${r.id}  ${entries.get(r.id)!.branch}  ${entries.get(r.id)!.title}`).join('\n'),
          rig: rig.name,
          polecatId: requests.length === 1 ? entries.get(requests[0].id)!.polecatId : null,
          beadId: requests.length === 1 ? requests[0].id : null,
          diffStat,
          merge: { landing: landing.id, requests: requests.map((r) => r.id), target, candidate: probe.candidate.sha }
        },
        'refinery',
        'mq.awaiting-approval'
      )
      this.d.queue.setLanding(landing.id, 'awaiting_approval', item.id)
      this.d.queue.awaitingApproval(requests.map((r) => r.id))
      return { kind: 'stop' }
    }
    const landing = this.d.queue.createLanding({ rig: rig.name, targetBranch: target, expectedSha: targetSha, newSha: probe.candidate.sha, requests, runId: probe.run.id, state: 'landing' })
    return this.push(rig, landing)
  }

  /** The compare-and-swap itself, and what each answer means. */
  private async push(rig: Rig, landing: Landing): Promise<{ kind: 'landed'; sha: string } | { kind: 'retest'; targetSha: string; refresh: string[] } | { kind: 'stop' }> {
    const ids = landing.requests.map((r) => r.id)
    let res: Awaited<ReturnType<typeof updateTarget>>
    try {
      res = await updateTarget({ repo: rig.path, remote: 'origin', targetBranch: landing.targetBranch, expectedSha: landing.expectedSha, newSha: landing.newSha })
    } catch (err) {
      res = { status: 'failed', reason: gitMessage(err) }
    }
    if (res.status === 'updated') {
      this.landed(landing)
      return { kind: 'landed', sha: landing.newSha }
    }
    this.d.queue.setLanding(landing.id, 'abandoned')
    if (res.status === 'moved') {
      // Someone else pushed: theirs is kept, ours is rebuilt on it.
      await git(rig.path).fetch(['origin', '--prune']).catch(() => {})
      this.d.queue.requeue(ids, `${landing.targetBranch} moved to ${short(res.actualSha)} while the candidate was tested: rebuilt on it`)
      return { kind: 'retest', targetSha: res.actualSha, refresh: ids }
    }
    this.d.queue.requeue(ids, res.reason)
    this.d.alarm({
      rig: rig.name,
      key: `mq-blocked:${rig.name}`,
      title: res.status === 'blocked' ? `${rig.name}: the refinery cannot move ${landing.targetBranch} yet` : `${rig.name}: moving ${landing.targetBranch} failed`,
      body: `${res.reason}${res.status === 'blocked' && res.path ? ` (${res.path})` : ''}. The candidate passed the checks; the refinery tries again every minute, or now with gt mq run ${rig.name}.`
    })
    this.retryLater(rig.name)
    return { kind: 'stop' }
  }

  // ---- what humans do ----

  /** Approve on a gated batch: it lands now if nothing moved, else it is rebuilt and lands when green, without asking again. */
  approve(item: InboxItem, actor: string): void {
    const landing = item.merge ? this.d.queue.landing(item.merge.landing) : null
    if (!landing || landing.state !== 'awaiting_approval') throw new CoreError('conflict', `${item.id} is not a batch waiting for approval`)
    if (!this.d.inbox.close(item.id, { status: 'approved', by: actor, resolution: `approved: ${landing.requests.length} request${landing.requests.length === 1 ? '' : 's'} land on ${landing.targetBranch}` })) {
      throw new CoreError('conflict', `${item.id} was decided meanwhile`)
    }
    this.d.queue.approve(landing.requests, actor)
    // The rig's drain lands it (or tests it again if anything moved): one place moves the target.
    this.d.queue.setLanding(landing.id, 'landing')
    this.kick(landing.rig)
  }

  /** Deny on a gated batch: its requests go back to their polecats with the reason, and wait for a new gt done. */
  deny(item: InboxItem, reason: string | undefined, actor: string): void {
    const landing = item.merge ? this.d.queue.landing(item.merge.landing) : null
    if (!landing || landing.state !== 'awaiting_approval') throw new CoreError('conflict', `${item.id} is not a batch waiting for approval`)
    if (!this.d.inbox.close(item.id, { status: 'denied', by: actor, resolution: 'denied: the requests wait for changes', reason: reason ?? null })) throw new CoreError('conflict', `${item.id} was decided meanwhile`)
    this.d.queue.setLanding(landing.id, 'abandoned')
    const failure: MergeFailure = { kind: 'review', message: reason?.trim() || 'The batch was not approved.', by: actor }
    for (const r of landing.requests) this.d.outcomes.sentBack(this.d.queue.get(r.id), 'changes_requested', failure, actor)
    this.kick(landing.rig)
  }

  /** A review comment (or anything else) asks for changes: the request leaves the queue until its next gt done. */
  changesRequested(id: string, message: string, actor: string, opts: { mail?: boolean } = {}): MergeQueueEntry {
    const e = this.d.queue.get(id)
    if (e.state === 'merged') throw new CoreError('conflict', `${id} is merged already`)
    this.abandonAwaiting(id, actor)
    return this.d.outcomes.sentBack(e, 'changes_requested', { kind: 'review', message, by: actor }, actor, opts)
  }

  reject(id: string, reason: string | undefined, actor: string): MergeQueueEntry {
    const e = this.d.queue.get(id)
    if (e.state === 'merged') throw new CoreError('conflict', `${id} is merged already`)
    if (e.state === 'testing') throw new CoreError('conflict', `${id} is being tested right now: reject it when the run ends (gt mq list shows it)`)
    this.abandonAwaiting(id, actor)
    return this.d.outcomes.sentBack(e, 'rejected', { kind: 'rejected', message: reason?.trim() || 'rejected by a human', by: actor }, actor)
  }

  retry(id: string, actor: string): MergeQueueEntry {
    const e = this.d.queue.retryable(id)
    const again = this.d.queue.enqueue({ id: e.id, rig: e.rig, branch: e.branch, beadId: e.beadId, polecatId: e.polecatId, priority: e.priority, sha: e.testedSha ?? e.queuedSha }, actor)
    this.kick(e.rig)
    return again
  }

  /** A request leaving a batch that waits for approval: the batch's item is closed, the rest of it goes back to the queue. */
  private abandonAwaiting(id: string, actor: string): void {
    for (const l of this.d.queue.openLandings()) {
      if (l.state !== 'awaiting_approval' || !l.requests.some((r) => r.id === id)) continue
      this.d.queue.setLanding(l.id, 'abandoned')
      if (l.inboxItem) this.d.inbox.close(l.inboxItem, { status: 'resolved', by: actor, resolution: `${id} left the batch: the rest is tested again` })
      this.d.queue.requeue(l.requests.map((r) => r.id).filter((r) => r !== id), `${id} left the batch`)
      this.kick(l.rig)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const t of this.retryTimers.values()) clearTimeout(t)
    await this.runner.close()
    await Promise.all([...this.drains.values()].map((p) => p.catch(() => {})))
  }
}

/** simple-git resolves a git that fails without a word, so the exit code is read from git itself. */
function isAncestor(repo: string, ancestor: string, of: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('git', ['-C', repo, 'merge-base', '--is-ancestor', ancestor, of], { env: gitEnv() }, (err) => resolve(!err))
  })
}
