// The ledger: an append-only record of every state change, decision and failure.
// Callers append inside the same transaction as the change they record.
import type { LedgerEvent } from '../../../shared/domain'
import type { Db } from '../store/db'

export const now = (): string => new Date().toISOString()

interface EventRow {
  id: number
  at: string
  actor: string
  kind: string
  subject: string | null
  data: string
}

const toEvent = (r: EventRow): LedgerEvent => ({ ...r, data: JSON.parse(r.data) })

export class Ledger {
  private insert
  /** Told after every append (the core's ledger-branch exporter): must be cheap and must not throw. */
  appended: (() => void) | null = null
  constructor(private db: Db) {
    this.insert = db.prepare('INSERT INTO events (at, actor, kind, subject, data) VALUES (?, ?, ?, ?, ?)')
  }

  append(actor: string, kind: string, subject: string | null, data: unknown = null): LedgerEvent {
    const at = now()
    const json = JSON.stringify(data ?? null)
    const id = Number(this.insert.run(at, actor, kind, subject, json).lastInsertRowid)
    this.appended?.()
    return { id, at, actor, kind, subject, data: data ?? null }
  }

  list(opts: { subject?: string; afterId?: number; limit?: number; kinds?: string[] } = {}): LedgerEvent[] {
    const where: string[] = []
    const args: unknown[] = []
    if (opts.subject !== undefined) {
      where.push('subject = ?')
      args.push(opts.subject)
    }
    if (opts.afterId !== undefined) {
      where.push('id > ?')
      args.push(opts.afterId)
    }
    if (opts.kinds?.length) {
      where.push(`kind IN (${opts.kinds.map(() => '?').join(',')})`)
      args.push(...opts.kinds)
    }
    const sql = `SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`
    const rows = this.db.prepare(sql).all(...args, opts.limit ?? 500) as EventRow[]
    return rows.reverse().map(toEvent)
  }
}
