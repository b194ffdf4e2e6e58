// Whether the town slings and restarts agents at all. A mass death (several agents dying together) pauses
// dispatch town-wide until a human resumes it; the switch and its reason survive a restart of the app.
import type { Db } from '../store/db'
import { inTransaction } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'

const KEY = 'dispatch_paused'

export class DispatchSwitch {
  constructor(
    private db: Db,
    private ledger: Ledger
  ) {}

  /** Why dispatch is paused, or null when it runs. */
  paused(): string | null {
    const row = this.db.prepare('SELECT value FROM town_state WHERE key = ?').get(KEY) as { value: string } | undefined
    return row ? row.value : null
  }

  pause(why: string, actor: string): void {
    inTransaction(this.db, () => {
      this.db.prepare('INSERT INTO town_state (key, value, at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, at = excluded.at').run(KEY, why, now())
      this.ledger.append(actor, 'dispatch.paused', null, { why })
    })
  }

  resume(actor: string): boolean {
    return inTransaction(this.db, () => {
      const was = this.paused()
      if (was === null) return false
      this.db.prepare('DELETE FROM town_state WHERE key = ?').run(KEY)
      this.ledger.append(actor, 'dispatch.resumed', null, { was })
      return true
    })
  }
}
