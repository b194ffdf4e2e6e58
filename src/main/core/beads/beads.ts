// Beads: the work items in the ledger. Every change here appends its ledger event in the same transaction.
import { randomBytes } from 'node:crypto'
import type { Bead, BeadDep, BeadStatus } from '../../../shared/domain'
import { CoreError, type Params } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'

interface BeadRow {
  id: string
  title: string
  description: string
  status: BeadStatus
  priority: number
  type: Bead['type']
  assignee: string | null
  rig: string | null
  created_at: string
  updated_at: string
  closed_at: string | null
  close_reason: string | null
}

// The dependency types that hold a bead back: a cycle of them means none of its beads is ever ready.
const BLOCKING: readonly BeadDep['type'][] = ['blocks', 'parent-child']

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'
function shortHash(len: number): string {
  const bytes = randomBytes(len)
  let s = ''
  for (const b of bytes) s += ALPHABET[b % 36]
  return s
}

export class Beads {
  private listeners: ((id: string) => void)[] = []

  constructor(
    private db: Db,
    private ledger: Ledger,
    private prefix = 'gt'
  ) {}

  /**
   * Told of each bead whose status or dependencies changed here (close, update), inside the change's
   * transaction: a listener that acts should do so after it (setImmediate), when the change is committed.
   */
  onChange(fn: (id: string) => void): void {
    this.listeners.push(fn)
  }

  private told(id: string): void {
    for (const fn of this.listeners) fn(id)
  }

  private newId(): string {
    for (let len = 5; ; len++) {
      const id = `${this.prefix}-${shortHash(len)}`
      if (!this.db.prepare('SELECT 1 FROM beads WHERE id = ?').get(id)) return id
    }
  }

  private hydrate(rows: BeadRow[]): Bead[] {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const marks = ids.map(() => '?').join(',')
    const labels = this.db.prepare(`SELECT bead_id, label FROM bead_labels WHERE bead_id IN (${marks}) ORDER BY label`).all(...ids) as { bead_id: string; label: string }[]
    const deps = this.db.prepare(`SELECT bead_id, type, target FROM bead_deps WHERE bead_id IN (${marks}) ORDER BY type, target`).all(...ids) as {
      bead_id: string
      type: BeadDep['type']
      target: string
    }[]
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      status: r.status,
      priority: r.priority,
      type: r.type,
      assignee: r.assignee,
      rig: r.rig,
      labels: labels.filter((l) => l.bead_id === r.id).map((l) => l.label),
      deps: deps.filter((d) => d.bead_id === r.id).map((d) => ({ type: d.type, target: d.target })),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      closedAt: r.closed_at,
      closeReason: r.close_reason
    }))
  }

  get(id: string): Bead {
    const row = this.db.prepare('SELECT * FROM beads WHERE id = ?').get(id) as BeadRow | undefined
    if (!row) throw new CoreError('not_found', `no bead ${id}`)
    return this.hydrate([row])[0]
  }

  find(id: string): Bead | null {
    const row = this.db.prepare('SELECT * FROM beads WHERE id = ?').get(id) as BeadRow | undefined
    return row ? this.hydrate([row])[0] : null
  }

  /** The beads of these ids that exist, in a few queries however many there are (a convoy's status). */
  findMany(ids: string[]): Bead[] {
    const out: Bead[] = []
    // SQLite's limit on bound parameters is 32766 since 3.32, 999 before: chunks of 500 are safe on both.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      out.push(...this.hydrate(this.db.prepare(`SELECT * FROM beads WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as BeadRow[]))
    }
    return out
  }

  list(p: Partial<Params<'beads.list'>> = {}): Bead[] {
    const where: string[] = []
    const args: unknown[] = []
    if (p.status?.length) {
      where.push(`status IN (${p.status.map(() => '?').join(',')})`)
      args.push(...p.status)
    } else if (!p.includeClosed) where.push("status != 'closed'")
    if (p.rig) {
      where.push('rig = ?')
      args.push(p.rig)
    }
    if (p.type) {
      where.push('type = ?')
      args.push(p.type)
    }
    if (p.text) {
      where.push("(id LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')")
      const like = `%${p.text.replace(/[\\%_]/g, (c) => '\\' + c)}%`
      args.push(like, like, like)
    }
    const sql = `SELECT * FROM beads ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY priority, created_at, id`
    return this.hydrate(this.db.prepare(sql).all(...args) as BeadRow[])
  }

  /** Open beads with no open blocker, highest priority first (what `bd ready` means). */
  ready(rig?: string): Bead[] {
    const rows = this.db
      .prepare(
        `SELECT b.* FROM beads b
         WHERE b.status = 'open' AND b.type NOT IN ('merge-request', 'escalation', 'convoy', 'molecule', 'agent')
           AND (? IS NULL OR b.rig = ? OR b.rig IS NULL)
           AND NOT EXISTS (
             SELECT 1 FROM bead_deps d JOIN beads t ON t.id = d.target
             WHERE d.bead_id = b.id AND d.type = 'blocks' AND t.status != 'closed')
         ORDER BY b.priority, b.created_at, b.id`
      )
      .all(rig ?? null, rig ?? null) as BeadRow[]
    return this.hydrate(rows)
  }

  private checkDeps(id: string, deps: BeadDep[]): void {
    for (const d of deps) {
      if (d.target === id) throw new CoreError('invalid_params', `a bead cannot depend on itself (${id})`)
      if (!this.find(d.target)) throw new CoreError('not_found', `dependency target ${d.target} does not exist`)
    }
  }

  /**
   * The shortest cycle of blocking dependencies through `id` ([id, …, id]), or null. A walk over bead_deps
   * rather than one recursive query: SQLite's recursive CTEs have no visited set, and a cycle made before
   * this check existed would keep such a query going.
   */
  private cycleThrough(id: string): string[] | null {
    const next = this.db.prepare(
      `SELECT DISTINCT target FROM bead_deps WHERE bead_id = ? AND type IN (${BLOCKING.map(() => '?').join(',')}) ORDER BY target`
    )
    const cameFrom = new Map<string, string>()
    const queue = [id]
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i]
      for (const { target } of next.all(node, ...BLOCKING) as { target: string }[]) {
        if (target === id) {
          const chain = [node]
          while (chain[0] !== id) chain.unshift(cameFrom.get(chain[0])!)
          return [...chain, id]
        }
        if (!cameFrom.has(target)) {
          cameFrom.set(target, node)
          queue.push(target)
        }
      }
    }
    return null
  }

  create(p: Params<'beads.create'>, actor: string): Bead {
    return inTransaction(this.db, () => {
      const id = this.newId()
      const at = now()
      this.checkDeps(id, p.deps)
      this.db
        .prepare(
          `INSERT INTO beads (id, title, description, status, priority, type, assignee, rig, created_at, updated_at)
           VALUES (?, ?, ?, 'open', ?, ?, NULL, ?, ?, ?)`
        )
        .run(id, p.title, p.description, p.priority, p.type, p.rig ?? null, at, at)
      const addLabel = this.db.prepare('INSERT OR IGNORE INTO bead_labels (bead_id, label) VALUES (?, ?)')
      for (const l of p.labels) addLabel.run(id, l)
      const addDep = this.db.prepare('INSERT OR IGNORE INTO bead_deps (bead_id, type, target) VALUES (?, ?, ?)')
      for (const d of p.deps) addDep.run(id, d.type, d.target)
      const bead = this.get(id)
      this.ledger.append(actor, 'bead.created', id, { title: bead.title, priority: bead.priority, type: bead.type, rig: bead.rig })
      return bead
    })
  }

  update(p: Params<'beads.update'>, actor: string): Bead {
    return inTransaction(this.db, () => {
      const before = this.get(p.id)
      const fields: Record<string, unknown> = {}
      if (p.title !== undefined) fields.title = p.title
      if (p.description !== undefined) fields.description = p.description
      if (p.status !== undefined) fields.status = p.status
      if (p.priority !== undefined) fields.priority = p.priority
      if (p.type !== undefined) fields.type = p.type
      if (p.assignee !== undefined) fields.assignee = p.assignee
      if (p.rig !== undefined) fields.rig = p.rig
      if (p.status !== undefined && p.status !== 'closed' && before.status === 'closed') {
        fields.closed_at = null
        fields.close_reason = null
      }
      const at = now()
      const cols = Object.keys(fields)
      this.db.prepare(`UPDATE beads SET ${[...cols.map((c) => `${c} = ?`), 'updated_at = ?'].join(', ')} WHERE id = ?`).run(...cols.map((c) => fields[c]), at, p.id)
      for (const l of p.addLabels ?? []) this.db.prepare('INSERT OR IGNORE INTO bead_labels (bead_id, label) VALUES (?, ?)').run(p.id, l)
      for (const l of p.removeLabels ?? []) this.db.prepare('DELETE FROM bead_labels WHERE bead_id = ? AND label = ?').run(p.id, l)
      if (p.addDeps) this.checkDeps(p.id, p.addDeps)
      for (const d of p.addDeps ?? []) this.db.prepare('INSERT OR IGNORE INTO bead_deps (bead_id, type, target) VALUES (?, ?, ?)').run(p.id, d.type, d.target)
      for (const d of p.removeDeps ?? []) this.db.prepare('DELETE FROM bead_deps WHERE bead_id = ? AND type = ? AND target = ?').run(p.id, d.type, d.target)
      // Checked on the graph as it would be, inside the transaction: throwing rolls the whole update back.
      // Only an added dependency can close a cycle, and every one added here starts at p.id.
      const cycle = p.addDeps?.some((d) => BLOCKING.includes(d.type)) ? this.cycleThrough(p.id) : null
      if (cycle) {
        throw new CoreError(
          'conflict',
          `${p.id} cannot wait on ${cycle[1]}: that closes the dependency cycle ${cycle.join(' → ')} (each waits on the next), ` +
            `so none of them would ever be ready. Leave this dependency out, or first remove one of the others (gt bead update ID --remove-dep TYPE:ID).`
        )
      }
      const { id: _id, ...change } = p
      this.ledger.append(actor, 'bead.updated', p.id, change)
      if ((p.status !== undefined && p.status !== before.status) || p.addDeps?.length || p.removeDeps?.length) this.told(p.id)
      return this.get(p.id)
    })
  }

  close(id: string, reason: string, actor: string): Bead {
    return inTransaction(this.db, () => {
      const before = this.get(id)
      if (before.status === 'closed') throw new CoreError('conflict', `bead ${id} is already closed`)
      const at = now()
      this.db.prepare("UPDATE beads SET status = 'closed', closed_at = ?, close_reason = ?, updated_at = ? WHERE id = ?").run(at, reason, at, id)
      this.ledger.append(actor, 'bead.closed', id, { reason })
      this.told(id)
      return this.get(id)
    })
  }

  /** Sets status/assignee as part of a larger operation (sling, done); the caller writes the ledger event. */
  setWork(id: string, status: BeadStatus, assignee: string | null): void {
    this.db.prepare('UPDATE beads SET status = ?, assignee = ?, updated_at = ? WHERE id = ?').run(status, assignee, now(), id)
  }

  /** Merge-request beads that track `id`: open ones, or with `includeClosed` every one ever opened. */
  mergeRequestsFor(id: string, includeClosed = false): Bead[] {
    const rows = this.db
      .prepare(
        `SELECT b.* FROM beads b JOIN bead_deps d ON d.bead_id = b.id
         WHERE d.type = 'tracks' AND d.target = ? AND b.type = 'merge-request' AND (? OR b.status != 'closed')
         ORDER BY b.created_at`
      )
      .all(id, includeClosed ? 1 : 0) as BeadRow[]
    return this.hydrate(rows)
  }
}
