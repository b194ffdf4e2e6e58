// The Deacon's inbox: one queue, across all rigs, of what needs a human — agents' permission requests, their
// escalations (gt escalate), and the app's own alarms. An item is open until a human decides or dismisses
// it, or it ends by itself (the agent answered in its own terminal, its session ended); every change is in
// the ledger, in the same transaction, and is pushed to views as the item itself.
import type { InboxItem, InboxKind, InboxStatus, Severity } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'

interface ItemRow {
  id: string
  kind: InboxKind
  severity: Severity
  status: InboxStatus
  title: string
  body: string
  rig: string | null
  polecat_id: string | null
  bead_id: string | null
  session_id: string | null
  tool_name: string | null
  tool_input: string | null
  tool_use_id: string | null
  screen: string | null
  diff_stat: string | null
  created_at: string
  updated_at: string
  snoozed_until: string | null
  closed_at: string | null
  closed_by: string | null
  resolution: string | null
  reason: string | null
  incident: string | null
  group_key: string | null
  excerpt: string | null
  attempts: number
  raised_levels: number
  count: number
  affected: string | null
  merge_batch: string | null
  convoy_wave?: string | null
}

const toItem = (r: ItemRow): InboxItem => ({
  id: r.id,
  kind: r.kind,
  severity: r.severity,
  status: r.status,
  title: r.title,
  body: r.body,
  rig: r.rig,
  polecatId: r.polecat_id,
  beadId: r.bead_id,
  sessionId: r.session_id,
  tool: r.tool_name ? { name: r.tool_name, input: r.tool_input ? JSON.parse(r.tool_input) : null, useId: r.tool_use_id } : null,
  screen: r.screen,
  diffStat: r.diff_stat,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  snoozedUntil: r.snoozed_until,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
  resolution: r.resolution,
  reason: r.reason,
  incident: r.incident,
  excerpt: r.excerpt,
  attempts: r.attempts,
  raisedLevels: r.raised_levels,
  count: r.count,
  affected: r.affected ? JSON.parse(r.affected) : r.polecat_id ? [r.polecat_id] : [],
  merge: r.merge_batch ? JSON.parse(r.merge_batch) : null,
  convoy: r.convoy_wave ? JSON.parse(r.convoy_wave) : null
})

export interface NewItem {
  kind: InboxKind
  severity: Severity
  title: string
  body?: string
  rig?: string | null
  polecatId?: string | null
  beadId?: string | null
  sessionId?: string | null
  tool?: { name: string; input: unknown; useId: string | null } | null
  screen?: string | null
  diffStat?: string | null
  merge?: InboxItem['merge']
  convoy?: InboxItem['convoy']
}

/** The order a human reads the inbox in: P0 pinned on top, then most severe, then newest. */
export const INBOX_ORDER = "CASE severity WHEN 'P0' THEN 0 WHEN 'P1' THEN 1 ELSE 2 END, created_at DESC, id DESC"

export class Inbox {
  constructor(
    private db: Db,
    private ledger: Ledger,
    /** Told of every item that is raised or changes, with the item as it now is. */
    private onChange: (item: InboxItem) => void = () => {}
  ) {}

  /** Open items (snoozed ones too: views show them apart); with `includeClosed`, everything, newest first. */
  list(p: { includeClosed?: boolean; limit?: number } = {}): InboxItem[] {
    const where = p.includeClosed ? '' : "WHERE status IN ('open', 'orphaned')"
    const rows = this.db.prepare(`SELECT * FROM inbox_items ${where} ORDER BY ${INBOX_ORDER} LIMIT ?`).all(p.limit ?? 500) as ItemRow[]
    return rows.map(toItem)
  }

  find(id: string): InboxItem | null {
    const row = this.db.prepare('SELECT * FROM inbox_items WHERE id = ?').get(id) as ItemRow | undefined
    return row ? toItem(row) : null
  }

  get(id: string): InboxItem {
    const item = this.find(id)
    if (!item) throw new CoreError('not_found', `no inbox item ${id}`)
    return item
  }

  /** Open permission requests of a session, oldest first. */
  openPermissions(sessionId: string): InboxItem[] {
    const rows = this.db.prepare("SELECT * FROM inbox_items WHERE session_id = ? AND kind = 'permission' AND status = 'open' ORDER BY created_at, id").all(sessionId) as ItemRow[]
    return rows.map(toItem)
  }

  /** Open items of sessions that are no longer running (after a restart). */
  openOfEndedSessions(): InboxItem[] {
    const rows = this.db
      .prepare("SELECT i.* FROM inbox_items i JOIN sessions s ON s.id = i.session_id WHERE i.status = 'open' AND i.kind = 'permission' AND s.ended_at IS NOT NULL")
      .all() as ItemRow[]
    return rows.map(toItem)
  }

  /** What was decided or said about a bead's (or, without a bead, a polecat's) items: for the agent's prime. */
  decisionsFor(beadId: string | null, polecatId: string, limit = 30): { at: string; what: string; decision: string; by: string | null; reason: string | null }[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM inbox_items WHERE (bead_id = ? OR (bead_id IS NULL AND polecat_id = ?)) AND status NOT IN ('open')
         ORDER BY closed_at DESC, id DESC LIMIT ?`
      )
      .all(beadId, polecatId, limit) as ItemRow[]
    return rows.reverse().map((r) => ({
      at: r.closed_at ?? r.updated_at,
      what: r.tool_name ? `${r.tool_name}${r.tool_name === 'Bash' && r.tool_input ? ` ${String(JSON.parse(r.tool_input)?.command ?? '').slice(0, 200)}` : ''}` : r.title,
      decision: r.resolution ?? r.status,
      by: r.closed_by,
      reason: r.reason
    }))
  }

  /** Puts a new item in the inbox, with its ledger event (`event`, by `actor`) in the same transaction. */
  raise(e: NewItem, actor: string, event: string): InboxItem {
    const at = now()
    const id = newId(e.kind === 'permission' ? 'perm' : e.kind === 'alarm' ? 'alarm' : e.kind === 'merge' ? 'merge' : e.kind === 'convoy' ? 'wave' : 'esc')
    inTransaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO inbox_items (id, kind, severity, status, title, body, rig, polecat_id, bead_id, session_id, tool_name, tool_input, tool_use_id, screen, diff_stat, merge_batch, created_at, updated_at)
           VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          id, e.kind, e.severity, e.title, e.body ?? '', e.rig ?? null, e.polecatId ?? null, e.beadId ?? null, e.sessionId ?? null,
          e.tool?.name ?? null, e.tool ? JSON.stringify(e.tool.input ?? null) : null, e.tool?.useId ?? null, e.screen ?? null, e.diffStat ?? null, e.merge ? JSON.stringify(e.merge) : null, at, at
        )
      this.ledger.append(actor, event, e.beadId ?? e.polecatId ?? null, { id, kind: e.kind, severity: e.severity, title: e.title, ...(e.tool ? { tool: e.tool.name } : {}) })
      if (e.convoy) this.db.prepare('UPDATE inbox_items SET convoy_wave = ? WHERE id = ?').run(JSON.stringify(e.convoy), id)
    })
    return this.changed(id)
  }

  /**
   * Closes an open item: a decision (approved, denied), an ending (resolved, orphaned), or a dismissal
   * (acknowledged). Returns null when it was no longer open — two decisions never both count.
   */
  close(id: string, c: { status: Exclude<InboxStatus, 'open'>; by: string; resolution: string; reason?: string | null }): InboxItem | null {
    const done = inTransaction(this.db, () => {
      const row = this.db.prepare('SELECT * FROM inbox_items WHERE id = ?').get(id) as ItemRow | undefined
      if (!row) throw new CoreError('not_found', `no inbox item ${id}`)
      const closable = row.status === 'open' || (row.status === 'orphaned' && c.status === 'acknowledged')
      if (!closable) return false
      const at = now()
      this.db
        .prepare('UPDATE inbox_items SET status = ?, closed_at = ?, closed_by = ?, resolution = ?, reason = ?, updated_at = ? WHERE id = ?')
        .run(c.status, c.status === 'orphaned' ? null : at, c.status === 'orphaned' ? null : c.by, c.resolution, c.reason ?? null, at, id)
      this.ledger.append(c.by, `inbox.${c.status}`, row.bead_id ?? row.polecat_id ?? id, { id, kind: row.kind, resolution: c.resolution, ...(c.reason ? { reason: c.reason } : {}) })
      return true
    })
    return done ? this.changed(id) : null
  }

  /**
   * Permission requests of a session the core closed itself (its turn or session ended) within the last
   * `withinMs`: a report that comes late (an async hook) may still say what really happened to them.
   */
  recentlyClosedByCore(sessionId: string, withinMs: number): InboxItem[] {
    const since = new Date(Date.now() - withinMs).toISOString()
    const rows = this.db
      .prepare("SELECT * FROM inbox_items WHERE session_id = ? AND kind = 'permission' AND status = 'resolved' AND closed_by = 'core' AND closed_at >= ? ORDER BY closed_at DESC, id")
      .all(sessionId, since) as ItemRow[]
    return rows.map(toItem)
  }

  /** A resolved item's resolution corrected by a later, better report (who resolved it and how). */
  amendResolution(id: string, by: string, resolution: string): InboxItem | null {
    const done = inTransaction(this.db, () => {
      const row = this.db.prepare("SELECT * FROM inbox_items WHERE id = ? AND status = 'resolved'").get(id) as ItemRow | undefined
      if (!row) return false
      this.db.prepare('UPDATE inbox_items SET closed_by = ?, resolution = ?, updated_at = ? WHERE id = ?').run(by, resolution, now(), id)
      this.ledger.append(by, 'inbox.resolved', row.bead_id ?? row.polecat_id ?? id, { id, kind: row.kind, resolution, amends: row.resolution })
      return true
    })
    return done ? this.changed(id) : null
  }

  ack(id: string, actor: string): InboxItem {
    const item = this.get(id)
    if (item.status !== 'open' && item.status !== 'orphaned') return item
    if (item.kind === 'permission' && item.status === 'open') {
      throw new CoreError('conflict', `${id} is a permission request the agent is waiting on: approve or deny it (or take over its terminal)`)
    }
    return this.close(id, { status: 'acknowledged', by: actor, resolution: 'acknowledged' }) ?? this.get(id)
  }

  snooze(id: string, until: string, actor: string): InboxItem {
    inTransaction(this.db, () => {
      const item = this.get(id)
      if (item.status !== 'open') throw new CoreError('conflict', `${id} is ${item.status}: only an open item can be snoozed`)
      this.db.prepare('UPDATE inbox_items SET snoozed_until = ?, updated_at = ? WHERE id = ?').run(until, now(), id)
      this.ledger.append(actor, 'inbox.snoozed', item.beadId ?? item.polecatId ?? id, { id, until })
    })
    return this.changed(id)
  }

  /**
   * Raises what the witness found — or, when an open item already has the same group key (the same check
   * failing on the base branch for every polecat), adds this occurrence to it: one item, not twenty.
   */
  raiseIncident(e: NewItem & { incident: string; excerpt: string | null; groupKey: string | null; attempts: number }): InboxItem {
    const existing = e.groupKey ? (this.db.prepare("SELECT * FROM inbox_items WHERE group_key = ? AND status = 'open' ORDER BY created_at LIMIT 1").get(e.groupKey) as ItemRow | undefined) : undefined
    if (existing) {
      inTransaction(this.db, () => {
        const affected = new Set<string>(existing.affected ? JSON.parse(existing.affected) : existing.polecat_id ? [existing.polecat_id] : [])
        if (e.polecatId) affected.add(e.polecatId)
        this.db.prepare('UPDATE inbox_items SET count = count + 1, affected = ?, excerpt = COALESCE(?, excerpt), updated_at = ? WHERE id = ?').run(JSON.stringify([...affected]), e.excerpt, now(), existing.id)
        this.ledger.append('witness', 'inbox.merged', e.beadId ?? e.polecatId ?? existing.id, { id: existing.id, polecat: e.polecatId, incident: e.incident })
      })
      return this.changed(existing.id)
    }
    // An agent's own escalation keeps the name the ledger always gave it.
    const item = e.incident === 'escalated' ? this.raise(e, e.polecatId ?? 'witness', 'agent.escalate') : this.raise(e, 'witness', `inbox.${e.incident}`)
    this.db
      .prepare('UPDATE inbox_items SET incident = ?, group_key = ?, excerpt = ?, attempts = ?, affected = ? WHERE id = ?')
      .run(e.incident, e.groupKey, e.excerpt, e.attempts, JSON.stringify(e.polecatId ? [e.polecatId] : []), item.id)
    return this.changed(item.id)
  }

  /** Raises an open item one level (it waited unacknowledged too long); null if it was closed meanwhile. */
  raiseLevel(id: string, severity: Severity, why: string): InboxItem | null {
    const done = inTransaction(this.db, () => {
      const row = this.db.prepare("SELECT * FROM inbox_items WHERE id = ? AND status = 'open'").get(id) as ItemRow | undefined
      if (!row) return false
      this.db.prepare('UPDATE inbox_items SET severity = ?, raised_levels = raised_levels + 1, updated_at = ? WHERE id = ?').run(severity, now(), id)
      this.ledger.append('deacon', 'inbox.raised-level', row.bead_id ?? row.polecat_id ?? id, { id, from: row.severity, to: severity, why })
      return true
    })
    return done ? this.changed(id) : null
  }

  /** Fills in what was worked out after the item was raised (the branch's diff stat takes a git call). */
  annotate(id: string, fields: { diffStat?: string | null; screen?: string | null }): void {
    if (fields.diffStat !== undefined) this.db.prepare('UPDATE inbox_items SET diff_stat = ? WHERE id = ?').run(fields.diffStat, id)
    if (fields.screen !== undefined) this.db.prepare('UPDATE inbox_items SET screen = ? WHERE id = ?').run(fields.screen, id)
    this.changed(id)
  }

  private changed(id: string): InboxItem {
    const item = this.get(id)
    this.onChange(item)
    return item
  }
}
