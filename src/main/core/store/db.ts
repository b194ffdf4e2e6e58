// The town's embedded ledger database: <town>/town.db (better-sqlite3).
// Durability first: WAL with synchronous=FULL on every connection, so an acknowledged change survives power loss.
import Database from 'better-sqlite3'
import { MIGRATIONS, type Migration } from './migrations'

export type Db = Database.Database

export function openDatabase(file: string, migrations: Migration[] = MIGRATIONS): Db {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // better-sqlite3 leaves WAL at NORMAL, which can lose the last commits on power loss.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db, migrations)
  return db
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

/** Applies every migration newer than the database's user_version; safe to run any number of times. */
export function migrate(db: Db, migrations: Migration[]): number {
  let version = schemaVersion(db)
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= version) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    })()
    version = m.version
  }
  return version
}

/** Runs fn in one transaction (nested calls join the outer one). */
export function inTransaction<T>(db: Db, fn: () => T): T {
  if (db.inTransaction) return fn()
  return db.transaction(fn)()
}
