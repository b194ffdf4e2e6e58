// A row of the town's mail table, and the Mail clients see: one shape for every reader of the table
// (agents' mail, delivery into terminals, the mayor's mailbox).
import type { Mail } from '../../../shared/domain'

export interface MailRow {
  id: string
  sender: string
  recipient: string
  subject: string
  body: string
  created_at: string
  delivered_at: string | null
}

export const toMail = (r: MailRow): Mail => ({ id: r.id, from: r.sender, to: r.recipient, subject: r.subject, body: r.body, createdAt: r.created_at, deliveredAt: r.delivered_at })
