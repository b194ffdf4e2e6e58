// Reading the files `gt bead import` names, and the ledger of a town no control room runs on: under the
// town lock (so never beside a control room), after the same checks a control room makes before it opens it.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { openDatabase, type Db } from '../store/db'
import { checkTownDatabase } from '../store/db-check'
import { Ledger } from '../ledger/ledger'
import { acquireTownLock } from '../town/town-lock'
import { prepareTownFolder } from '../town/town-folder'
import { exportBeads, importBeads, type ExportedFile, type ImportFile, type ImportReport } from './import-beads'

/** A Beads file bigger than this is refused rather than read into memory (a real town's backup is a few MiB). */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024

/** Beads' backup folder: these files of a folder are read (config.jsonl too, to say it is left alone). */
const BACKUP_NAMES = ['issues.jsonl', 'dependencies.jsonl', 'labels.jsonl', 'comments.jsonl', 'events.jsonl', 'config.jsonl']

/** The files to import: each path a JSONL file, or a Beads backup folder (its Beads files). */
export function readImportFiles(paths: string[]): ImportFile[] {
  if (!paths.length) throw new Error('name the Beads files to import (FILE.jsonl, or a backup folder such as .beads/backup)')
  const out: ImportFile[] = []
  for (const given of paths) {
    const path = resolve(given)
    let st
    try {
      st = statSync(path)
    } catch {
      throw new Error(`${given}: no such file or folder`)
    }
    const files = st.isDirectory() ? BACKUP_NAMES.map((n) => join(path, n)).filter((f) => existsSync(f)) : [path]
    if (st.isDirectory() && !files.length) throw new Error(`${given} is a folder without Beads files (${BACKUP_NAMES.slice(0, 5).join(', ')}): name the files`)
    for (const f of files) {
      const size = statSync(f).size
      if (size > MAX_IMPORT_BYTES) throw new Error(`${f} is ${Math.round(size / 1024 / 1024)} MiB, more than the ${MAX_IMPORT_BYTES / 1024 / 1024} MiB an import reads`)
      out.push({ name: f, text: readFileSync(f, 'utf8') })
    }
  }
  return out
}

/** Runs `fn` on the town's ledger with no control room running; refuses a folder that holds no town. */
export function withTownLedger<T>(town: string, fn: (db: Db, ledger: Ledger) => T): T {
  const file = join(town, 'town.db')
  if (!existsSync(file)) throw new Error(`no town at ${town} (it has no town.db): start the control room there once (gt serve --town ${town}), or bring a town back with gt town restore --from REMOTE`)
  prepareTownFolder(town)
  const lock = acquireTownLock(town)
  try {
    checkTownDatabase(file, join(town, 'rigs'))
    const db = openDatabase(file)
    try {
      return fn(db, new Ledger(db))
    } finally {
      db.close()
    }
  } finally {
    lock.release()
  }
}

export const importOffline = (town: string, files: ImportFile[], dryRun: boolean): ImportReport => withTownLedger(town, (db, ledger) => importBeads(db, ledger, files, { dryRun }))

export const exportOffline = (town: string, opts: { rig?: string; layout: 'file' | 'backup' }): ExportedFile[] => withTownLedger(town, (db) => exportBeads(db, opts))
