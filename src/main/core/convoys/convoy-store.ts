// The convoys' rows (migration 009): the convoy, its member beads and what the dispatcher decided about each.
// Every change appends its ledger event in the same transaction.
import type { Convoy, ConvoyMode } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'

interface ConvoyRow {
  id: string
  title: string
  mode: ConvoyMode
  molecule: string | null
  molecule_vars: string | null
  agent: string | null
  agent_cmd: string | null
  state: 'open' | 'landed'
  created_at: string
  created_by: string
  updated_at: string
  landed_at: string | null
  landed_by: string | null
  left_out: string | null
}

export interface MemberRow {
  convoy_id: string
  bead_id: string
  position: number
  added_at: string
  added_by: string
  approved_at: string | null
  approved_by: string | null
  dispatched_at: string | null
  polecat_id: string | null
  sling_error: string | null
  held_reason: string | null
  skipped_at: string | null
  skip_reason: string | null
  skip_item: string | null
}

const toConvoy = (r: ConvoyRow): Convoy => ({
  id: r.id,
  title: r.title,
  mode: r.mode,
  molecule: r.molecule,
  moleculeVars: r.molecule_vars ? JSON.parse(r.molecule_vars) : {},
  agent: r.agent,
  agentCmd: r.agent_cmd,
  state: r.state,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  landedAt: r.landed_at,
  landedBy: r.landed_by,
  leftOut: r.left_out ? JSON.parse(r.left_out) : []
})

export interface NewConvoy {
  title: string
  mode: ConvoyMode
  molecule: string | null
  moleculeVars: Record<string, string>
  agent: string | null
  agentCmd: string | null
}

export class ConvoyStore {
  constructor(
    private db: Db,
    private ledger: Ledger
  ) {}

  find(id: string): Convoy | null {
    const row = this.db.prepare('SELECT * FROM convoys WHERE id = ?').get(id) as ConvoyRow | undefined
    return row ? toConvoy(row) : null
  }

  get(id: string): Convoy {
    const c = this.find(id)
    if (!c) throw new CoreError('not_found', `no convoy ${id} (gt convoy list shows them)`)
    return c
  }

  /** Open convoys first, then landed ones; newest first within each. */
  list(p: { includeLanded?: boolean; limit?: number } = {}): Convoy[] {
    const where = p.includeLanded ? '' : "WHERE state = 'open'"
    const rows = this.db.prepare(`SELECT * FROM convoys ${where} ORDER BY state = 'landed', created_at DESC, id DESC LIMIT ?`).all(p.limit ?? 200) as ConvoyRow[]
    return rows.map(toConvoy)
  }

  members(convoyId: string): MemberRow[] {
    return this.db.prepare('SELECT * FROM convoy_beads WHERE convoy_id = ? ORDER BY position').all(convoyId) as MemberRow[]
  }

  /** The open convoy a bead belongs to, if any (a bead is in at most one open convoy). */
  openConvoyOf(beadId: string): string | null {
    const row = this.db.prepare("SELECT c.id FROM convoy_beads m JOIN convoys c ON c.id = m.convoy_id WHERE m.bead_id = ? AND c.state = 'open'").get(beadId) as { id: string } | undefined
    return row?.id ?? null
  }

  /** Every bead of every open convoy, with its convoy: what the dispatcher listens for. */
  openMembers(): { convoy_id: string; bead_id: string }[] {
    return this.db.prepare("SELECT m.convoy_id, m.bead_id FROM convoy_beads m JOIN convoys c ON c.id = m.convoy_id WHERE c.state = 'open'").all() as { convoy_id: string; bead_id: string }[]
  }

  create(c: NewConvoy, beads: string[], actor: string): Convoy {
    return inTransaction(this.db, () => {
      const id = newId('convoy')
      const at = now()
      this.db
        .prepare("INSERT INTO convoys (id, title, mode, molecule, molecule_vars, agent, agent_cmd, state, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)")
        .run(id, c.title, c.mode, c.molecule, c.molecule ? JSON.stringify(c.moleculeVars) : null, c.agent, c.agentCmd, at, actor, at)
      this.insertMembers(id, beads, actor, at)
      this.ledger.append(actor, 'convoy.created', id, { title: c.title, mode: c.mode, molecule: c.molecule, agent: c.agent, agentCmd: c.agentCmd ? true : undefined, beads })
      return this.get(id)
    })
  }

  /**
   * Adds beads (a landed convoy opens again). A bead already in it is offered again: what held it back (a
   * denied wave, a skip, a failed sling, an earlier sling that stopped) is forgotten.
   */
  add(convoyId: string, beads: string[], actor: string): { added: string[]; again: string[]; reopened: boolean } {
    return inTransaction(this.db, () => {
      const c = this.get(convoyId)
      const known = new Set(this.members(convoyId).map((m) => m.bead_id))
      const added = beads.filter((b) => !known.has(b))
      const again = beads.filter((b) => known.has(b))
      const at = now()
      this.insertMembers(convoyId, added, actor, at)
      const reset = this.db.prepare(
        'UPDATE convoy_beads SET added_at = ?, added_by = ?, approved_at = NULL, approved_by = NULL, dispatched_at = NULL, polecat_id = NULL, sling_error = NULL, held_reason = NULL, skipped_at = NULL, skip_reason = NULL, skip_item = NULL WHERE convoy_id = ? AND bead_id = ?'
      )
      for (const b of again) reset.run(at, actor, convoyId, b)
      const reopened = c.state === 'landed'
      if (reopened) this.db.prepare("UPDATE convoys SET state = 'open', landed_at = NULL, landed_by = NULL, left_out = NULL, updated_at = ? WHERE id = ?").run(at, convoyId)
      else this.db.prepare('UPDATE convoys SET updated_at = ? WHERE id = ?').run(at, convoyId)
      this.ledger.append(actor, 'convoy.added', convoyId, { added, again })
      if (reopened) this.ledger.append(actor, 'convoy.reopened', convoyId, { why: `${added.length + again.length} bead${added.length + again.length === 1 ? '' : 's'} added` })
      return { added, again, reopened }
    })
  }

  private insertMembers(convoyId: string, beads: string[], actor: string, at: string): void {
    const last = (this.db.prepare('SELECT max(position) AS p FROM convoy_beads WHERE convoy_id = ?').get(convoyId) as { p: number | null }).p ?? -1
    const ins = this.db.prepare('INSERT INTO convoy_beads (convoy_id, bead_id, position, added_at, added_by) VALUES (?, ?, ?, ?, ?)')
    beads.forEach((b, i) => ins.run(convoyId, b, last + 1 + i, at, actor))
  }

  land(convoyId: string, leftOut: string[], actor: string): boolean {
    return inTransaction(this.db, () => {
      const at = now()
      const r = this.db
        .prepare("UPDATE convoys SET state = 'landed', landed_at = ?, landed_by = ?, left_out = ?, updated_at = ? WHERE id = ? AND state = 'open'")
        .run(at, actor, leftOut.length ? JSON.stringify(leftOut) : null, at, convoyId)
      if (r.changes === 0) return false
      this.ledger.append(actor, 'convoy.landed', convoyId, leftOut.length ? { leftOut } : null)
      return true
    })
  }

  approved(convoyId: string, beads: string[], actor: string): void {
    const at = now()
    const set = this.db.prepare('UPDATE convoy_beads SET approved_at = ?, approved_by = ?, held_reason = NULL WHERE convoy_id = ? AND bead_id = ?')
    for (const b of beads) set.run(at, actor, convoyId, b)
  }

  held(convoyId: string, beads: string[], reason: string): void {
    const set = this.db.prepare('UPDATE convoy_beads SET held_reason = ? WHERE convoy_id = ? AND bead_id = ?')
    for (const b of beads) set.run(reason, convoyId, b)
  }

  slung(convoyId: string, beadId: string, polecatId: string, actor: string): void {
    inTransaction(this.db, () => {
      this.db.prepare('UPDATE convoy_beads SET dispatched_at = ?, polecat_id = ?, sling_error = NULL WHERE convoy_id = ? AND bead_id = ?').run(now(), polecatId, convoyId, beadId)
      this.ledger.append(actor, 'convoy.slung', convoyId, { bead: beadId, polecat: polecatId })
    })
  }

  /** A failed sling is written down once per distinct error (it is retried whenever something changes). */
  slingFailed(convoyId: string, beadId: string, error: string): void {
    inTransaction(this.db, () => {
      const r = this.db.prepare('UPDATE convoy_beads SET sling_error = ? WHERE convoy_id = ? AND bead_id = ? AND sling_error IS NOT ?').run(error, convoyId, beadId, error)
      if (r.changes) this.ledger.append('convoys', 'convoy.sling-failed', convoyId, { bead: beadId, error })
    })
  }

  skipped(convoyId: string, beadId: string, reason: string, item: string | null): boolean {
    return inTransaction(this.db, () => {
      const r = this.db
        .prepare('UPDATE convoy_beads SET skipped_at = ?, skip_reason = ?, skip_item = ? WHERE convoy_id = ? AND bead_id = ? AND skipped_at IS NULL')
        .run(now(), reason, item, convoyId, beadId)
      if (r.changes) this.ledger.append('convoys', 'convoy.bead-skipped', convoyId, { bead: beadId, reason, inboxItem: item })
      return r.changes > 0
    })
  }
}
