// The Deacon's inbox: escalations from agents, most severe and newest first, until a human acknowledges them.
import type { Escalation, Severity } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'

interface EscalationRow {
  id: string
  severity: Severity
  title: string
  body: string
  polecat_id: string | null
  bead_id: string | null
  created_at: string
  acknowledged_at: string | null
}
const toEscalation = (r: EscalationRow): Escalation => ({
  id: r.id,
  severity: r.severity,
  title: r.title,
  body: r.body,
  polecatId: r.polecat_id,
  beadId: r.bead_id,
  createdAt: r.created_at,
  acknowledgedAt: r.acknowledged_at
})

export class Inbox {
  constructor(
    private db: Db,
    private ledger: Ledger
  ) {}

  list(includeAcknowledged: boolean): Escalation[] {
    const rows = this.db
      .prepare(`SELECT * FROM escalations ${includeAcknowledged ? '' : 'WHERE acknowledged_at IS NULL'} ORDER BY severity, created_at DESC, id DESC`)
      .all() as EscalationRow[]
    return rows.map(toEscalation)
  }

  /** Puts a new escalation in the inbox, with its ledger event (`event`, by `actor`) in the same transaction. */
  raise(e: Pick<Escalation, 'severity' | 'title' | 'body' | 'polecatId' | 'beadId'>, actor: string, event: string): Escalation {
    const escalation: Escalation = { id: newId('esc'), ...e, createdAt: now(), acknowledgedAt: null }
    inTransaction(this.db, () => {
      this.db
        .prepare('INSERT INTO escalations (id, severity, title, body, polecat_id, bead_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(escalation.id, e.severity, e.title, e.body, e.polecatId, e.beadId, escalation.createdAt)
      this.ledger.append(actor, event, e.beadId, { id: escalation.id, severity: e.severity, title: e.title })
    })
    return escalation
  }

  ack(id: string, actor: string): Escalation {
    return inTransaction(this.db, () => {
      const row = this.db.prepare('SELECT * FROM escalations WHERE id = ?').get(id) as EscalationRow | undefined
      if (!row) throw new CoreError('not_found', `no escalation ${id}`)
      if (row.acknowledged_at) return toEscalation(row)
      const at = now()
      this.db.prepare('UPDATE escalations SET acknowledged_at = ? WHERE id = ?').run(at, id)
      this.ledger.append(actor, 'escalation.acknowledged', row.bead_id ?? id, { id })
      return toEscalation({ ...row, acknowledged_at: at })
    })
  }
}
