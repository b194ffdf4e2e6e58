// The rig's checks (build, test, coverage) run in a polecat's worktree when it checkpoints, when it calls
// gt done, and on demand (gt check POLECAT) — in the background, never holding the agent or the UI, one
// run per worktree (a newer request supersedes a queued one), each command with the rig's time limit.
// The result is stored, classified by the rig's escalation rules against the base branch (coverage drop, a
// failure the base branch has too), and a failure becomes the witness's check_failed incident.
import type { Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import type { CheckRun, Polecat, Rig } from '../../../shared/domain'
import type { RigSettings } from '../rigs/rig-settings'
import { CoreError } from '../../../shared/contract'
import { refExists } from '../git/git'
import { CheckRunner } from './check-runner'
import { BaselineChecks, baseFailureKey, type Baseline } from './baseline'
import { CHECK_NAMES, didNotPass, outputOf, type CheckCommands, type CheckName, type CheckRunResult } from './check-result'
import { classify, type Classification, type EscalationRules } from './escalation-rules'
import type { Incident } from './incidents'

export type CheckTrigger = 'checkpoint' | 'done' | 'manual'

export type CheckRunRecord = CheckRun

interface RunRow {
  id: string
  rig: string
  polecat_id: string | null
  bead_id: string | null
  trigger: string
  head: string | null
  status: CheckRun['status']
  severity: CheckRun['severity']
  reasons: string
  results: string | null
  started_at: string
  finished_at: string | null
}
const toRecord = (r: RunRow): CheckRun => {
  const results = r.results ? (JSON.parse(r.results) as CheckRunResult) : null
  return {
    id: r.id,
    rig: r.rig,
    polecatId: r.polecat_id,
    beadId: r.bead_id,
    trigger: r.trigger,
    head: r.head,
    status: r.status,
    severity: r.severity,
    reasons: JSON.parse(r.reasons),
    checks: (results?.checks ?? []).map((c) => ({ check: c.check, command: c.command, status: c.status, exitCode: c.exitCode, durationMs: c.durationMs, outputTail: outputOf(c) })),
    coverage: results?.coverage?.percent ?? null,
    startedAt: r.started_at,
    finishedAt: r.finished_at
  }
}

export interface WorktreeChecksDeps {
  db: Db
  ledger: Ledger
  settings: (rig: string) => RigSettings
  /** The escalation rules for a bead of a rig: the rig's, overridden by its molecule's. */
  escalation: (rig: string, beadId: string | null) => EscalationRules
  rig: (name: string) => Rig
  polecat: (id: string) => Polecat
  report: (incident: Incident) => void
  /** The failure of this polecat's checks is over (they pass now): the Dogs' count starts afresh. */
  cleared: (polecat: Polecat) => void
  /** The polecat's health changed (its last check): views hear of it. */
  lastCheck: (polecatId: string, check: { runId: string; status: string; severity: 'P0' | 'P1' | 'P2' | null; at: string; reasons: string[] }) => void
  changed: () => void
}

/** The check commands of a rig, and whether it has any at all. */
function commandsOf(s: RigSettings): Partial<CheckCommands> {
  const out: Partial<CheckCommands> = {}
  for (const c of CHECK_NAMES) if (s[c].trim()) out[c] = s[c]
  return out
}

export class WorktreeChecks {
  readonly runner = new CheckRunner()
  private baselines = new BaselineChecks({ runner: this.runner })

  constructor(private d: WorktreeChecksDeps) {}

  /** Queues the checks of a polecat's worktree; null when its rig has no check commands (nothing to run). */
  request(polecatId: string, trigger: CheckTrigger): CheckRunRecord | null {
    const pc = this.d.polecat(polecatId)
    const s = this.d.settings(pc.rig)
    const commands = commandsOf(s)
    if (Object.keys(commands).length === 0) {
      if (trigger === 'manual') throw new CoreError('conflict', `the rig ${pc.rig} has no check commands: set them with gt rig config ${pc.rig} build|test|coverage COMMAND`)
      return null
    }
    const timeout = s.check_timeout_s * 1000
    const timeouts = { build: timeout, test: timeout, coverage: timeout }
    const ticket = this.runner.request({ worktree: pc.worktree, commands, timeouts, reason: trigger })
    const id = ticket.runId
    this.d.db
      .prepare("INSERT INTO check_runs (id, rig, polecat_id, bead_id, worktree, trigger, status, started_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)")
      .run(id, pc.rig, pc.id, pc.beadId, pc.worktree, trigger, now())
    this.d.ledger.append('witness', 'check.requested', pc.beadId ?? pc.id, { run: id, polecat: pc.id, trigger })
    void ticket.outcome.then(
      (o) => this.finish(pc, id, o.status === 'completed' ? o.result : null, o.status, commands, timeouts),
      (err: unknown) => this.fail(id, err)
    )
    return this.get(id)
  }

  get(id: string): CheckRunRecord {
    const row = this.d.db.prepare('SELECT * FROM check_runs WHERE id = ?').get(id) as RunRow | undefined
    if (!row) throw new CoreError('not_found', `no check run ${id}`)
    return toRecord(row)
  }

  list(p: { rig?: string; polecat?: string; limit?: number }): CheckRunRecord[] {
    const rows = this.d.db
      .prepare('SELECT * FROM check_runs WHERE (? IS NULL OR rig = ?) AND (? IS NULL OR polecat_id = ?) ORDER BY started_at DESC, id DESC LIMIT ?')
      .all(p.rig ?? null, p.rig ?? null, p.polecat ?? null, p.polecat ?? null, p.limit ?? 50) as RunRow[]
    return rows.map(toRecord)
  }

  async close(): Promise<void> {
    await this.runner.close()
  }

  private async finish(pc: Polecat, id: string, result: CheckRunResult | null, status: string, commands: Partial<CheckCommands>, timeouts: Partial<Record<CheckName, number>>): Promise<void> {
    if (!this.d.db.open) return
    if (!result) {
      this.d.db.prepare('UPDATE check_runs SET status = ?, finished_at = ? WHERE id = ?').run(status === 'superseded' ? 'superseded' : 'cancelled', now(), id)
      return
    }
    const rules = this.d.escalation(pc.rig, pc.beadId)
    // The base branch's result tells a coverage drop and a failure the base has too (one item for all).
    const needsBase = result.overall === 'failed' || !!commands.coverage
    const baseline = needsBase ? await this.baseline(pc.rig, commands, timeouts).catch(() => null) : null
    if (!this.d.db.open) return
    const c: Classification = classify(result, rules, baseline?.result ?? null)
    const reasons = c.reasons.map((r) => r.text)
    const verdict = result.overall === 'ok' && !c.severity ? 'passed' : 'failed'
    this.d.db
      .prepare('UPDATE check_runs SET status = ?, severity = ?, reasons = ?, results = ?, head = ?, finished_at = ? WHERE id = ?')
      .run(verdict, c.severity, JSON.stringify(reasons), JSON.stringify(result), result.head, now(), id)
    this.d.ledger.append('witness', 'check.finished', pc.beadId ?? pc.id, { run: id, polecat: pc.id, status: verdict, severity: c.severity, reasons })
    this.d.lastCheck(pc.id, { runId: id, status: verdict, severity: c.severity, at: now(), reasons })
    this.d.changed()
    if (!c.severity) {
      this.d.cleared(pc)
      return
    }
    const failing = result.checks.find(didNotPass)
    const excerpt = failing ? `$ ${failing.command}\n${outputOf(failing)}`.slice(-6000) : reasons.join('\n')
    const onBase = c.failingOnBase[0]
    this.d.report({
      kind: 'check_failed',
      severity: c.severity,
      rig: pc.rig,
      polecatId: pc.id,
      beadId: pc.beadId,
      sessionId: pc.sessionId,
      title: onBase ? `the base branch of ${pc.rig} fails its ${onBase} check too: ${c.summary}` : `${pc.id}'s checks: ${c.summary}`,
      body: reasons.join('\n'),
      excerpt,
      groupKey: onBase && baseline ? baseFailureKey(baseline, onBase) : undefined,
      checkRunId: id
    })
  }

  private async baseline(rigName: string, commands: Partial<CheckCommands>, timeouts: Partial<Record<CheckName, number>>): Promise<Baseline> {
    const rig = this.d.rig(rigName)
    const baseRef = (await refExists(rig.path, `origin/${rig.defaultBranch}`)) ? `origin/${rig.defaultBranch}` : rig.defaultBranch
    return this.baselines.get({ repo: rig.path, baseRef, commands, timeouts })
  }

  private fail(id: string, err: unknown): void {
    if (!this.d.db.open) return
    this.d.db.prepare("UPDATE check_runs SET status = 'error', reasons = ?, finished_at = ? WHERE id = ?").run(JSON.stringify([(err as Error).message]), now(), id)
    this.d.ledger.append('witness', 'check.error', id, { error: (err as Error).message })
  }
}

