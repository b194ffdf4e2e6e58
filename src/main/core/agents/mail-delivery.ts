// Mail from the human (an inbox Reply), the witness (a nudge) or the AI mayor reaches the agent at its prompt, never typed into a half-written line:
// at the end of a turn its Stop hook hands the mail over as the agent's next instruction; an agent already
// idle at its prompt gets it typed in, as a paste and one Enter — unless a human has taken its terminal
// over (then it waits for the hand-back). Runtimes without hooks read it with `gt mail check` / `gt prime`.
import type { Mail } from '../../../shared/domain'
import type { Db } from '../store/db'
import { inTransaction } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'
import type { MailRow } from './mail-row'

export interface MailDeliveryDeps {
  db: Db
  ledger: Ledger
  /** The agent is idle at its prompt, its runtime reports turns (hooks), and no human holds its terminal. */
  readyForTyping: (polecatId: string) => boolean
  /** Types text into the agent's terminal and submits it. */
  type: (polecatId: string, text: string) => void
}

export class MailDelivery {
  constructor(private d: MailDeliveryDeps) {}

  private pending(polecatId: string): MailRow[] {
    return this.d.db.prepare("SELECT * FROM mail WHERE recipient = ? AND delivered_at IS NULL AND sender IN ('human', 'witness', 'mayor') ORDER BY created_at, id").all(polecatId) as MailRow[]
  }

  private take(polecatId: string, via: string): string | null {
    return inTransaction(this.d.db, () => {
      const rows = this.pending(polecatId)
      if (rows.length === 0) return null
      const at = now()
      const mark = this.d.db.prepare('UPDATE mail SET delivered_at = ? WHERE id = ?')
      for (const r of rows) mark.run(at, r.id)
      this.d.ledger.append('core', 'mail.delivered', polecatId, { mail: rows.map((r) => r.id), via })
      return rows.map((r) => `Message from the ${r.sender} (${r.subject}):\n${r.body}`).join('\n\n')
    })
  }

  /** At the end of a turn (Stop hook): the mail to continue with, if any. */
  takeForTurnEnd(polecatId: string): string | null {
    return this.take(polecatId, 'turn-end')
  }

  /** The agent is at its prompt: type in what waits for it. */
  atPrompt(polecatId: string): void {
    if (!this.d.readyForTyping(polecatId)) return
    const text = this.take(polecatId, 'typed at the prompt')
    if (text) this.d.type(polecatId, text)
  }

  /** A reply was written: it goes now if the agent is at its prompt, else at its next turn's end. */
  replied(polecatId: string): void {
    this.atPrompt(polecatId)
  }

  /** Mail from the core itself (the witness's nudges): written, then delivered like a reply. */
  send(from: 'witness' | 'mayor', to: string, subject: string, body: string): Mail {
    const mail: Mail = { id: newId('mail'), from, to, subject, body, createdAt: now(), deliveredAt: null }
    inTransaction(this.d.db, () => {
      this.d.db.prepare('INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(mail.id, from, to, subject, body, mail.createdAt)
      this.d.ledger.append(from, 'mail.sent', to, { id: mail.id, subject })
    })
    this.atPrompt(to)
    return mail
  }

  /** For the views and prime: what still waits. */
  waiting(polecatId: string): Pick<Mail, 'id' | 'subject'>[] {
    return this.pending(polecatId).map((r) => ({ id: r.id, subject: r.subject }))
  }
}
