// One control room per town. Two hosts on one town each reconcile the other's live agents as orphans, so the
// first thing a core does, before it reads or writes anything else in the town, is take an exclusive lock
// that the operating system releases when the process dies, however it dies: SQLite's own exclusive lock on
// <town>/town.lock (a POSIX record lock; never inherited by agents, which are forked and exec'd). No pid is
// involved, so a stale endpoint.json whose pid now belongs to another program cannot block a start.
import Database from 'better-sqlite3'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { readEndpoint } from '../endpoint/endpoint-file'
import { TownStartError, describeSqliteError } from './startup-error'

export interface TownLock {
  readonly file: string
  release(): void
}

export const lockPath = (town: string): string => join(town, 'town.lock')

export function acquireTownLock(town: string): TownLock {
  const file = lockPath(town)
  let db: Database.Database | null = null
  try {
    // timeout 0: a held lock is an answer, not something to wait for.
    db = new Database(file, { timeout: 0 })
    chmodSync(file, 0o600)
    db.pragma('locking_mode = EXCLUSIVE')
    // The first write takes the exclusive lock; in EXCLUSIVE locking mode it is kept until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at TEXT)')
    db.prepare('DELETE FROM holder').run()
    db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString())
  } catch (err) {
    db?.close()
    const code = (err as { code?: string }).code
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      const running = readEndpoint(town)
      throw new TownStartError(
        `another control room is running on the town ${town}${running ? ` (pid ${running.pid}, ${running.url})` : ''}: it holds ${file}. Use that one, or stop it first.`
      )
    }
    throw new TownStartError(`could not lock the town (${file}): ${describeSqliteError(err, file)}`)
  }
  return {
    file,
    release: () => {
      if (db!.open) db!.close()
    }
  }
}
