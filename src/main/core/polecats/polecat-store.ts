// The polecats table: a polecat's persistent identity (rig/name), its state, and the bead on its hook.
// The hook itself — which polecat a bead belongs to — is changed only by `claimHook` and `releaseHook`,
// each one statement or one transaction, so two slings can never hook one bead twice.
import type { AgentActivity, Polecat, PolecatState } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now } from '../ledger/ledger'

export interface PolecatRow {
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
  activity: AgentActivity
  activity_since: string
  activity_detail: string | null
  activity_source: 'hooks' | 'process'
  last_activity_at: string | null
  last_progress_at: string | null
  health: string | null
}

export const toPolecat = (r: PolecatRow): Polecat => ({
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
  updatedAt: r.updated_at,
  activity: r.activity,
  activitySince: r.activity_since || r.updated_at,
  activityDetail: r.activity_detail,
  activitySource: r.activity_source,
  lastActivityAt: r.last_activity_at,
  lastProgressAt: r.last_progress_at,
  health: r.health ? JSON.parse(r.health) : { retries: 0, lastIncident: null, lastCheck: null }
})

export type HookClaim = { ok: true } | { ok: false; holder: PolecatRow | null; why: string }

export class PolecatStore {
  private touched = new Set<string>()

  /** `onChange` hears each polecat that changed, as it now is, once per turn of the event loop. */
  constructor(
    private db: Db,
    private onChange: (p: Polecat) => void = () => {}
  ) {}

  private touch(id: string): void {
    if (this.touched.size === 0) {
      setImmediate(() => {
        const ids = [...this.touched]
        this.touched.clear()
        if (!this.db.open) return
        for (const i of ids) {
          const row = this.row(i)
          if (row) this.onChange(toPolecat(row))
        }
      })
    }
    this.touched.add(id)
  }

  list(): Polecat[] {
    return this.rows().map(toPolecat)
  }

  rows(where = '', ...args: unknown[]): PolecatRow[] {
    return this.db.prepare(`SELECT * FROM polecats ${where} ORDER BY rig, name`).all(...args) as PolecatRow[]
  }

  row(id: string): PolecatRow | undefined {
    return this.db.prepare('SELECT * FROM polecats WHERE id = ?').get(id) as PolecatRow | undefined
  }

  get(id: string): Polecat {
    const row = this.row(id)
    if (!row) throw new CoreError('not_found', `no polecat ${id}`)
    return toPolecat(row)
  }

  /** The polecat holding the bead's hook, if any. */
  holderOf(beadId: string): PolecatRow | undefined {
    return this.db.prepare('SELECT * FROM polecats WHERE bead_id = ?').get(beadId) as PolecatRow | undefined
  }

  set(id: string, fields: Partial<Record<keyof PolecatRow, unknown>>): void {
    const cols = Object.keys(fields)
    this.db
      .prepare(`UPDATE polecats SET ${[...cols.map((c) => `${c} = ?`), 'updated_at = ?'].join(', ')} WHERE id = ?`)
      .run(...cols.map((c) => (fields as Record<string, unknown>)[c]), now(), id)
    this.touch(id)
  }

  /** What the agent is doing now; the time it started doing it moves only when the activity changes. */
  setActivity(id: string, activity: AgentActivity, source: 'hooks' | 'process', detail: string | null = null): void {
    const row = this.row(id)
    if (!row) return
    if (row.activity === activity && row.activity_detail === detail && row.activity_source === source) return
    const fields: Partial<Record<keyof PolecatRow, unknown>> = { activity, activity_detail: detail, activity_source: source }
    if (row.activity !== activity) fields.activity_since = now()
    this.set(id, fields)
  }

  /**
   * Puts a bead back on the hook of the polecat that finished it (gt done empties the hook) when its merge
   * request comes back: same worktree, same branch, the agent running or not. Refused (false) when the
   * polecat holds something else meanwhile or another polecat holds the bead.
   */
  rehook(id: string, beadId: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE polecats SET bead_id = ?, updated_at = ? WHERE id = ? AND bead_id IS NULL
             AND NOT EXISTS (SELECT 1 FROM polecats WHERE bead_id = ?)`
        )
        .run(beadId, now(), id, beadId).changes === 1
    )
  }

  /**
   * Hooks the bead to the polecat — one conditional update of the bead, town-wide — and records the polecat as
   * starting on it. Refused when the bead is closed or another polecat holds its hook; the unique index on
   * polecats.bead_id backs this up should anything else ever try.
   */
  claimHook(p: { id: string; rig: string; name: string; beadId: string; branch: string; worktree: string; runtime: string }): HookClaim {
    return inTransaction(this.db, () => {
      const at = now()
      const claimed = this.db
        .prepare(
          `UPDATE beads SET status = 'hooked', assignee = @id, updated_at = @at
           WHERE id = @beadId AND status != 'closed' AND type != 'merge-request'
             AND NOT EXISTS (SELECT 1 FROM polecats WHERE bead_id = @beadId AND id != @id)`
        )
        .run({ id: p.id, beadId: p.beadId, at }).changes
      if (claimed !== 1) {
        const holder = this.holderOf(p.beadId) ?? null
        const bead = this.db.prepare('SELECT status, type FROM beads WHERE id = ?').get(p.beadId) as { status: string; type: string } | undefined
        const why = !bead ? `no bead ${p.beadId}` : bead.status === 'closed' ? `bead ${p.beadId} is closed` : bead.type === 'merge-request' ? `${p.beadId} is a merge request, not work to sling` : `bead ${p.beadId} is already hooked to ${holder?.id}`
        return { ok: false, holder, why }
      }
      this.db
        .prepare(
          `INSERT INTO polecats (id, rig, name, state, bead_id, branch, worktree, session_id, runtime, taken_over, pid, updated_at, activity, activity_since, activity_detail, activity_source)
           VALUES (@id, @rig, @name, 'starting', @beadId, @branch, @worktree, NULL, @runtime, 0, NULL, @at, 'starting', @at, NULL, 'process')
           ON CONFLICT(id) DO UPDATE SET state = 'starting', bead_id = excluded.bead_id, branch = excluded.branch,
             runtime = excluded.runtime, taken_over = 0, pid = NULL, updated_at = excluded.updated_at,
             activity = 'starting', activity_since = excluded.updated_at, activity_detail = NULL`
        )
        .run({ ...p, at })
      this.touch(p.id)
      return { ok: true }
    })
  }

  /**
   * Undoes a claim whose sling failed before its agent started: the polecat row and the bead's status and
   * assignee go back to what they were (an exited polecat keeps the hook it had; a new claim lets go).
   */
  undoClaim(id: string, beadId: string, before: { polecat: PolecatRow | undefined; beadStatus: string; beadAssignee: string | null }): void {
    inTransaction(this.db, () => {
      this.db.prepare('UPDATE beads SET status = ?, assignee = ?, updated_at = ? WHERE id = ? AND assignee = ?').run(before.beadStatus, before.beadAssignee, now(), beadId, id)
      const p = before.polecat
      if (!p) this.db.prepare('DELETE FROM polecats WHERE id = ?').run(id)
      else this.set(id, { bead_id: p.bead_id, state: p.state, branch: p.branch, runtime: p.runtime, activity: p.activity, activity_since: p.activity_since, activity_detail: p.activity_detail })
    })
  }
}
