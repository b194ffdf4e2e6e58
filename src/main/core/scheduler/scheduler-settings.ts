// The scheduler's settings, kept in the town's ledger database (town_state, key `scheduler`): the limits set
// with gt scheduler limit, whether it is paused, and the rigs parked with gt rig park. Each change and its ledger event are one transaction,
// so the ledger says who changed a limit and from what; they survive a restart of the app.
import { z } from 'zod'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'

const KEY = 'scheduler'

const stored = z
  .object({
    town: z.number().int().min(1).nullable().default(null),
    rigs: z.record(z.string(), z.number().int().min(1)).default({}),
    paused: z.string().nullable().default(null),
    /** Rigs parked with gt rig park: nothing new starts in them. */
    parked: z.record(z.string(), z.object({ why: z.string(), by: z.string(), at: z.string() }).strict()).default({})
  })
  .strict()

export type StoredSchedulerSettings = z.output<typeof stored>

export class SchedulerSettings {
  private cache: StoredSchedulerSettings | null = null

  constructor(
    private db: Db,
    private ledger: Ledger
  ) {}

  read(): StoredSchedulerSettings {
    if (this.cache) return this.cache
    const row = this.db.prepare('SELECT value FROM town_state WHERE key = ?').get(KEY) as { value: string } | undefined
    let value: StoredSchedulerSettings = stored.parse({})
    if (row) {
      let raw: unknown
      try {
        raw = JSON.parse(row.value)
      } catch (err) {
        throw new Error(`the scheduler's settings in town.db (town_state "${KEY}") are not JSON (${(err as Error).message}): set the limits again with gt scheduler limit`)
      }
      const parsed = stored.safeParse(raw)
      if (!parsed.success) throw new Error(`the scheduler's settings in town.db (town_state "${KEY}"): ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`)
      value = parsed.data
    }
    this.cache = value
    return value
  }

  /** Applies a change and appends its ledger event, in one transaction. */
  change(actor: string, kind: string, data: unknown, edit: (s: StoredSchedulerSettings) => StoredSchedulerSettings): StoredSchedulerSettings {
    const next = stored.parse(edit(structuredClone(this.read())))
    inTransaction(this.db, () => {
      this.db
        .prepare('INSERT INTO town_state (key, value, at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, at = excluded.at')
        .run(KEY, JSON.stringify(next), now())
      this.ledger.append(actor, kind, null, data)
    })
    this.cache = next
    return next
  }
}
