// The refinery's merge queue as stored: each merge request's place and fate, each candidate tested, each
// landing (written before the target moves, settled after). Every state change of a request has its ledger
// event in the same transaction and is pushed to views as the entry itself.
import type { MergeFailure, MergeQueueEntry, MergeRun, MergeState } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'

interface EntryRow {
  id: string
  rig: string
  branch: string
  bead_id: string | null
  polecat_id: string | null
  priority: number
  state: MergeState
  queued_sha: string | null
  tested_sha: string | null
  approved_sha: string | null
  merged_sha: string | null
  failure: string | null
  enqueued_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
  title: string
}

interface RunRow {
  id: string
  rig: string
  target_branch: string
  target_sha: string
  requests: string
  candidate_sha: string | null
  tree: string | null
  status: MergeRun['status']
  detail: string | null
  checks: string | null
  started_at: string
  finished_at: string | null
}

export interface Landing {
  id: string
  rig: string
  targetBranch: string
  expectedSha: string
  newSha: string
  /** The requests it lands, each at the branch head that was tested. */
  requests: { id: string; headSha: string }[]
  runId: string | null
  state: 'awaiting_approval' | 'landing' | 'landed' | 'abandoned'
  inboxItem: string | null
  createdAt: string
}

const toEntry = (r: EntryRow): MergeQueueEntry => ({
  id: r.id,
  rig: r.rig,
  branch: r.branch,
  title: r.title,
  beadId: r.bead_id,
  polecatId: r.polecat_id,
  priority: r.priority,
  state: r.state,
  queuedSha: r.queued_sha,
  testedSha: r.tested_sha,
  mergedSha: r.merged_sha,
  failure: r.failure ? (JSON.parse(r.failure) as MergeFailure) : null,
  enqueuedAt: r.enqueued_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  updatedAt: r.updated_at
})

const toRun = (r: RunRow): MergeRun => ({
  id: r.id,
  rig: r.rig,
  targetBranch: r.target_branch,
  targetSha: r.target_sha,
  requests: JSON.parse(r.requests),
  candidateSha: r.candidate_sha,
  status: r.status,
  detail: r.detail,
  checks: r.checks ? JSON.parse(r.checks) : [],
  startedAt: r.started_at,
  finishedAt: r.finished_at
})

// The request's title is its merge-request bead's: read with the row, never copied.
const SELECT_ENTRY = `SELECT q.*, COALESCE(b.title, q.branch) AS title FROM merge_queue q LEFT JOIN beads b ON b.id = q.id`

/** Requests still to land, in the order the refinery takes them: priority, then age. */
export const QUEUE_ORDER = 'q.priority, q.enqueued_at, q.id'

/** States a request leaves only by a new `gt done`, `gt mq retry`, or an approval. */
const WAITING_ON_SOMEONE: MergeState[] = ['failed', 'changes_requested', 'rejected']

export interface EnqueueInput {
  id: string
  rig: string
  branch: string
  beadId: string | null
  polecatId: string | null
  priority: number
  sha: string | null
}

export class MergeQueue {
  constructor(
    private db: Db,
    private ledger: Ledger,
    private onEntry: (entry: MergeQueueEntry) => void = () => {},
    private onRun: (run: MergeRun) => void = () => {}
  ) {}

  find(id: string): MergeQueueEntry | null {
    const row = this.db.prepare(`${SELECT_ENTRY} WHERE q.id = ?`).get(id) as EntryRow | undefined
    return row ? toEntry(row) : null
  }

  get(id: string): MergeQueueEntry {
    const e = this.find(id)
    if (!e) throw new CoreError('not_found', `no merge request ${id} in any queue (gt mq list shows them)`)
    return e
  }

  /** A rig's queue (or every rig's): what waits and is tested first, then the finished ones, newest first. */
  list(p: { rig?: string; states?: MergeState[]; limit?: number } = {}): MergeQueueEntry[] {
    const where: string[] = []
    const args: unknown[] = []
    if (p.rig) {
      where.push('q.rig = ?')
      args.push(p.rig)
    }
    if (p.states?.length) {
      where.push(`q.state IN (${p.states.map(() => '?').join(',')})`)
      args.push(...p.states)
    }
    const order = `CASE WHEN q.state IN ('pending','testing','awaiting_approval') THEN 0 ELSE 1 END,
      CASE WHEN q.state IN ('pending','testing','awaiting_approval') THEN q.priority END,
      CASE WHEN q.state IN ('pending','testing','awaiting_approval') THEN q.enqueued_at END,
      q.updated_at DESC, q.id`
    const rows = this.db.prepare(`${SELECT_ENTRY} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ?`).all(...args, p.limit ?? 500) as EntryRow[]
    return rows.map(toEntry)
  }

  /** The requests the refinery may take now, in order. */
  waiting(rig: string): MergeQueueEntry[] {
    const rows = this.db.prepare(`${SELECT_ENTRY} WHERE q.rig = ? AND q.state IN ('pending','testing') ORDER BY ${QUEUE_ORDER}`).all(rig) as EntryRow[]
    return rows.map(toEntry)
  }

  /** The rigs with requests waiting. */
  rigsWithWork(): string[] {
    return (this.db.prepare("SELECT DISTINCT rig FROM merge_queue WHERE state IN ('pending','testing') ORDER BY rig").all() as { rig: string }[]).map((r) => r.rig)
  }

  /** The branch head a human approved the request at (gated mode), or null. */
  approvedSha(id: string): string | null {
    return (this.db.prepare('SELECT approved_sha FROM merge_queue WHERE id = ?').get(id) as { approved_sha: string | null } | undefined)?.approved_sha ?? null
  }

  /**
   * Puts a request in its rig's queue — or back in it, for a request that came back (a new gt done after
   * FIX_NEEDED or a review): it keeps its place by age, its failure is cleared, its head is the new one.
   */
  enqueue(e: EnqueueInput, actor: string): MergeQueueEntry {
    inTransaction(this.db, () => {
      const at = now()
      const before = this.find(e.id)
      if (before?.state === 'merged') throw new CoreError('conflict', `${e.id} is merged already (${before.mergedSha?.slice(0, 10)})`)
      this.db
        .prepare(
          `INSERT INTO merge_queue (id, rig, branch, bead_id, polecat_id, priority, state, queued_sha, enqueued_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET state = 'pending', queued_sha = excluded.queued_sha, priority = excluded.priority,
             failure = NULL, approved_sha = NULL, started_at = NULL, finished_at = NULL, updated_at = excluded.updated_at`
        )
        .run(e.id, e.rig, e.branch, e.beadId, e.polecatId, e.priority, e.sha, at, at)
      this.ledger.append(actor, before ? 'mq.requeued' : 'mq.queued', e.id, { rig: e.rig, branch: e.branch, sha: e.sha, bead: e.beadId })
    })
    return this.changed(e.id)
  }

  /** A request is in a candidate being tested (its first test sets when it started). */
  testing(ids: string[], heads: Map<string, string>): void {
    const at = now()
    const stmt = this.db.prepare("UPDATE merge_queue SET state = 'testing', tested_sha = ?, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND state IN ('pending','testing')")
    inTransaction(this.db, () => {
      for (const id of ids) stmt.run(heads.get(id) ?? null, at, at, id)
    })
    for (const id of ids) this.changed(id)
  }

  /** Back to waiting (a restart, a target that moved, a branch that moved since it was tested). */
  requeue(ids: string[], why: string): void {
    if (!ids.length) return
    const stmt = this.db.prepare("UPDATE merge_queue SET state = 'pending', updated_at = ? WHERE id = ? AND state IN ('testing','awaiting_approval')")
    inTransaction(this.db, () => {
      for (const id of ids) if (stmt.run(now(), id).changes) this.ledger.append('refinery', 'mq.retest', id, { why })
    })
    for (const id of ids) this.changed(id)
  }

  /** Stops for a human: failed (checks, conflict), changes requested (a review), rejected. */
  setBack(id: string, state: 'failed' | 'changes_requested' | 'rejected', failure: MergeFailure, actor: string): MergeQueueEntry {
    inTransaction(this.db, () => {
      const at = now()
      const r = this.db.prepare("UPDATE merge_queue SET state = ?, failure = ?, approved_sha = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND state != 'merged'").run(state, JSON.stringify(failure), at, at, id)
      if (!r.changes) throw new CoreError('conflict', `${id} is merged already: nothing to send back`)
      this.ledger.append(actor, `mq.${state === 'changes_requested' ? 'changes-requested' : state}`, id, { kind: failure.kind, message: failure.message.slice(0, 2000), ...(failure.files ? { files: failure.files } : {}) })
    })
    return this.changed(id)
  }

  awaitingApproval(ids: string[]): void {
    const stmt = this.db.prepare("UPDATE merge_queue SET state = 'awaiting_approval', updated_at = ? WHERE id = ?")
    inTransaction(this.db, () => {
      for (const id of ids) stmt.run(now(), id)
    })
    for (const id of ids) this.changed(id)
  }

  approve(requests: { id: string; headSha: string }[], actor: string): void {
    const stmt = this.db.prepare("UPDATE merge_queue SET approved_sha = ?, state = CASE WHEN state = 'awaiting_approval' THEN 'pending' ELSE state END, updated_at = ? WHERE id = ?")
    inTransaction(this.db, () => {
      for (const r of requests) {
        stmt.run(r.headSha, now(), r.id)
        this.ledger.append(actor, 'mq.approved', r.id, { sha: r.headSha })
      }
    })
    for (const r of requests) this.changed(r.id)
  }

  /** Requests a human can act on now: waiting on someone, to be retried. */
  retryable(id: string): MergeQueueEntry {
    const e = this.get(id)
    if (!WAITING_ON_SOMEONE.includes(e.state)) throw new CoreError('conflict', `${id} is ${e.state.replace('_', ' ')}: only a failed, rejected or sent-back request can be retried`)
    return e
  }

  // ---- candidates ----

  startRun(r: { rig: string; targetBranch: string; targetSha: string; requests: string[] }): MergeRun {
    const id = newId('mqr')
    this.db
      .prepare("INSERT INTO merge_runs (id, rig, target_branch, target_sha, requests, status, started_at) VALUES (?, ?, ?, ?, ?, 'building', ?)")
      .run(id, r.rig, r.targetBranch, r.targetSha, JSON.stringify(r.requests), now())
    return this.runChanged(id)
  }

  updateRun(id: string, f: { status?: MergeRun['status']; candidateSha?: string; tree?: string; detail?: string | null; checks?: MergeRun['checks']; requests?: string[] }): MergeRun {
    const sets: string[] = []
    const args: unknown[] = []
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`)
      args.push(value)
    }
    if (f.status) set('status', f.status)
    if (f.candidateSha) set('candidate_sha', f.candidateSha)
    if (f.tree) set('tree', f.tree)
    if (f.detail !== undefined) set('detail', f.detail)
    if (f.checks) set('checks', JSON.stringify(f.checks))
    if (f.requests) set('requests', JSON.stringify(f.requests))
    if (f.status && f.status !== 'building' && f.status !== 'testing') set('finished_at', now())
    if (sets.length) this.db.prepare(`UPDATE merge_runs SET ${sets.join(', ')} WHERE id = ?`).run(...args, id)
    return this.runChanged(id)
  }

  getRun(id: string): MergeRun {
    const row = this.db.prepare('SELECT * FROM merge_runs WHERE id = ?').get(id) as RunRow | undefined
    if (!row) throw new CoreError('not_found', `no merge run ${id}`)
    return toRun(row)
  }

  runs(p: { rig?: string; limit?: number } = {}): MergeRun[] {
    const rows = this.db.prepare(`SELECT * FROM merge_runs ${p.rig ? 'WHERE rig = ?' : ''} ORDER BY started_at DESC, id DESC LIMIT ?`).all(...(p.rig ? [p.rig] : []), p.limit ?? 50) as RunRow[]
    return rows.map(toRun)
  }

  /** A tree that already passed this rig's checks (the same commands): a rebuilt candidate with it needs no new run. */
  greenTree(rig: string, tree: string, checksKey: string): boolean {
    return !!this.db.prepare("SELECT 1 FROM merge_runs WHERE rig = ? AND tree = ? AND status = 'green' AND detail = ?").get(rig, tree, checksKey)
  }

  /** Runs a stopped host left building or testing: never finished, so marked cancelled. */
  cancelUnfinishedRuns(): number {
    return this.db.prepare("UPDATE merge_runs SET status = 'cancelled', detail = COALESCE(detail, 'the control room stopped during the run'), finished_at = ? WHERE status IN ('building','testing')").run(now()).changes
  }

  // ---- landings ----

  createLanding(l: Omit<Landing, 'id' | 'createdAt' | 'inboxItem'>): Landing {
    const id = newId('land')
    this.db
      .prepare('INSERT INTO merge_landings (id, rig, target_branch, expected_sha, new_sha, requests, run_id, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, l.rig, l.targetBranch, l.expectedSha, l.newSha, JSON.stringify(l.requests), l.runId, l.state, now())
    return this.landing(id)!
  }

  landing(id: string): Landing | null {
    const r = this.db.prepare('SELECT * FROM merge_landings WHERE id = ?').get(id) as Record<string, string | null> | undefined
    if (!r) return null
    return {
      id: r.id!,
      rig: r.rig!,
      targetBranch: r.target_branch!,
      expectedSha: r.expected_sha!,
      newSha: r.new_sha!,
      requests: JSON.parse(r.requests!),
      runId: r.run_id,
      state: r.state as Landing['state'],
      inboxItem: r.inbox_item,
      createdAt: r.created_at!
    }
  }

  setLanding(id: string, state: Landing['state'], inboxItem?: string): void {
    this.db.prepare('UPDATE merge_landings SET state = ?, inbox_item = COALESCE(?, inbox_item), finished_at = CASE WHEN ? IN (\'landed\',\'abandoned\') THEN ? ELSE finished_at END WHERE id = ?').run(state, inboxItem ?? null, state, now(), id)
  }

  /** Where a merged request landed: the target before that landing, and the branch head that went in. */
  landedAs(id: string): { expectedSha: string; newSha: string; headSha: string } | null {
    const r = this.db
      .prepare(
        `SELECT l.expected_sha AS expectedSha, l.new_sha AS newSha, json_extract(j.value, '$.headSha') AS headSha
         FROM merge_landings l, json_each(l.requests) j
         WHERE l.state = 'landed' AND json_extract(j.value, '$.id') = ? ORDER BY l.created_at DESC LIMIT 1`
      )
      .get(id) as { expectedSha: string; newSha: string; headSha: string | null } | undefined
    return r && r.headSha ? { expectedSha: r.expectedSha, newSha: r.newSha, headSha: r.headSha } : null
  }

  /** Landings not settled: being pushed when the host stopped, or waiting for a human. */
  openLandings(rig?: string): Landing[] {
    const rows = this.db.prepare(`SELECT id FROM merge_landings WHERE state IN ('landing','awaiting_approval') ${rig ? 'AND rig = ?' : ''} ORDER BY created_at`).all(...(rig ? [rig] : [])) as { id: string }[]
    return rows.map((r) => this.landing(r.id)!)
  }

  /**
   * The landing happened: every request merged at `sha`, in one transaction with its ledger events. Returns
   * the entries as they now are (the caller closes their beads and mails their polecats).
   */
  markMerged(landing: Landing, sha: string): MergeQueueEntry[] {
    inTransaction(this.db, () => {
      const at = now()
      for (const r of landing.requests) {
        this.db.prepare("UPDATE merge_queue SET state = 'merged', merged_sha = ?, tested_sha = ?, failure = NULL, finished_at = ?, updated_at = ? WHERE id = ?").run(sha, r.headSha, at, at, r.id)
        this.ledger.append('refinery', 'mq.merged', r.id, { sha, head: r.headSha, target: landing.targetBranch, landing: landing.id })
      }
      this.setLanding(landing.id, 'landed')
    })
    return landing.requests.map((r) => this.changed(r.id))
  }

  private changed(id: string): MergeQueueEntry {
    const e = this.get(id)
    this.onEntry(e)
    return e
  }

  private runChanged(id: string): MergeRun {
    const r = this.getRun(id)
    this.onRun(r)
    return r
  }
}
