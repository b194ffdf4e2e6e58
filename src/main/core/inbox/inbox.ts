// The Deacon's inbox: escalations from agents, most severe and newest first, until a human acknowledges them.
import type { Escalation, Severity } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'

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
