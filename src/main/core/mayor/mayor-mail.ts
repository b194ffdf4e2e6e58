// The mayor's mailbox: what polecats (or anyone) sent to "mayor", handed over once by `gt mail check`.
import type { Mail } from '../../../shared/domain'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { toMail, type MailRow } from '../agents/mail-row'

export const MAYOR_MAILBOX = 'mayor'

/** Undelivered mail to the mayor, oldest first, marked delivered in the same transaction as its ledger event. */
export function checkMayorMail(db: Db, ledger: Ledger, sessionId: string): Mail[] {
  return inTransaction(db, () => {
    const rows = db.prepare('SELECT * FROM mail WHERE recipient = ? AND delivered_at IS NULL ORDER BY created_at, id').all(MAYOR_MAILBOX) as MailRow[]
    const at = now()
    const mark = db.prepare('UPDATE mail SET delivered_at = ? WHERE id = ?')
    for (const r of rows) mark.run(at, r.id)
    ledger.append(MAYOR_MAILBOX, 'mayor.mail.check', MAYOR_MAILBOX, { session: sessionId, delivered: rows.map((r) => r.id) })
    return rows.map((r) => ({ ...toMail(r), deliveredAt: at }))
  })
}
