// A damaged ledger is never used silently. Seen: a zero-byte town.db beside existing rigs started as a new,
// empty town, and 8 KB of garbage in the middle of town.db went unnoticed while the host kept writing into
// it. Before the core opens the database for writing it is checked read-only (PRAGMA quick_check), and a
// database that fails, or an empty one beside existing rigs, is refused with what to do. Nothing is written
// into a refused database.
import Database from 'better-sqlite3'
import { readdirSync, statSync } from 'node:fs'
import { TownStartError, describeSqliteError } from '../town/startup-error'

/** Rig folders a town has on disk (staging folders of an interrupted add start with a dot). */
function rigFolders(rigsDir: string): string[] {
  try {
    return readdirSync(rigsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
  } catch {
    return []
  }
}

const whatToDo = (file: string) => `Restore ${file} from a backup, or move it aside (mv ${file} ${file}.damaged) to start an empty town; gt town check lists every problem.`

export function checkTownDatabase(file: string, rigsDir: string): void {
  let size: number | null = null
  try {
    size = statSync(file).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new TownStartError(`could not read ${file}: ${describeSqliteError(err, file)}`)
  }
  const rigs = rigFolders(rigsDir)
  const lost = (what: string) =>
    new TownStartError(
      `${file} ${what}, but ${rigsDir} holds ${rigs.length} rig${rigs.length === 1 ? '' : 's'} (${rigs.slice(0, 5).join(', ')}${rigs.length > 5 ? ', …' : ''}): the ledger was lost or truncated, and starting would make a new, empty town beside them. Restore ${file} from a backup, or move ${rigsDir} aside to start an empty town.`
    )
  if (size === null || size === 0) {
    if (rigs.length) throw lost(size === null ? 'is missing' : 'is empty (0 bytes)')
    return
  }
  let db: Database.Database | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const rows = db.pragma('quick_check') as { quick_check: string }[]
    const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok')
    if (problems.length) {
      throw new TownStartError(`${file} is damaged (quick_check: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}). The control room will not use it. ${whatToDo(file)}`)
    }
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n
    if (tables === 0 && rigs.length) throw lost('holds no tables')
  } catch (err) {
    if (err instanceof TownStartError) throw err
    const code = (err as { code?: string }).code
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new TownStartError(`${file} ${code === 'SQLITE_NOTADB' ? 'is not an SQLite database' : 'is damaged'} (${(err as Error).message}). The control room will not use it. ${whatToDo(file)}`)
    }
    throw new TownStartError(`could not open ${file}: ${describeSqliteError(err, file)}`)
  } finally {
    db?.close()
  }
}

/** `gt town check`: the full integrity check of an open database (slower than quick_check; reads every page). */
export function integrityCheck(db: Database.Database): string[] {
  return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).filter((m) => m !== 'ok')
}

/** The same check on a file no control room has open: read-only, it changes nothing and takes no lock. */
export function checkDatabaseFile(file: string): { file: string; ok: boolean; problems: string[]; ms: number } {
  const started = performance.now()
  let db: Database.Database | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const problems = integrityCheck(db)
    return { file, ok: problems.length === 0, problems, ms: Math.round(performance.now() - started) }
  } catch (err) {
    const code = (err as { code?: string }).code
    const problem = code === 'SQLITE_NOTADB' ? 'it is not an SQLite database' : code === 'SQLITE_CANTOPEN' ? `it cannot be opened: ${describeSqliteError(err, file)}` : (err as Error).message
    return { file, ok: false, problems: [problem], ms: Math.round(performance.now() - started) }
  } finally {
    db?.close()
  }
}
