// The town folder holds the ledger, transcripts, the human token and the `gt` launcher every agent runs.
// Whoever can write into it can replace bin/gt and run code as the town's owner (seen: a folder pre-created
// world-writable by another user), so the core refuses a folder it does not own or that others can write,
// and keeps the folder and every secret in it owner-only, even when they existed before.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { TownStartError, describeFsError } from './startup-error'

/** Files in the town that carry secrets or the record: owner-only. */
const SECRET_FILES = ['town.db', 'town.db-wal', 'town.db-shm', 'town.lock', 'endpoint.json', 'settings.json']

/** Creates the town folder (0700) or checks the one that exists; throws TownStartError with what to do. */
export function prepareTownFolder(town: string): void {
  if (!existsSync(town)) {
    try {
      mkdirSync(town, { recursive: true, mode: 0o700 })
    } catch (err) {
      throw new TownStartError(`could not create the town folder ${town}: ${describeFsError(err)}`)
    }
  }
  let st
  try {
    st = statSync(town)
  } catch (err) {
    throw new TownStartError(`could not read the town folder ${town}: ${describeFsError(err)}`)
  }
  if (!st.isDirectory()) throw new TownStartError(`the town ${town} is not a folder: pick another path with --town DIR`)
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid) {
    throw new TownStartError(
      `the town folder ${town} belongs to user ${st.uid}, not to you (${uid}): another user could change what your agents run. Use a town folder of your own (--town DIR), or have it handed to you (chown).`
    )
  }
  if (st.mode & 0o022) {
    throw new TownStartError(
      `the town folder ${town} can be written by ${st.mode & 0o002 ? 'every user' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}): anyone who can write there can replace the gt that agents run. Check nothing in it was changed, then run: chmod 700 ${town}`
    )
  }
  if (st.mode & 0o077) chmodOrExplain(town, 0o700)
  for (const name of SECRET_FILES) {
    const file = join(town, name)
    const fst = lstatOrNull(file)
    if (fst?.isFile() && fst.mode & 0o077) chmodOrExplain(file, 0o600)
  }
}

/** Makes a file or folder owner-only (session logs and their folders, as they are opened). */
export function ownerOnly(path: string, mode: 0o600 | 0o700): void {
  const st = lstatOrNull(path)
  if (st && !st.isSymbolicLink() && st.mode & 0o077) chmodOrExplain(path, mode)
}

/** Every regular file below `dir` (not following links) made owner-only: the session logs of older towns. */
export function ownerOnlyTree(dir: string, fileMode: 0o600 = 0o600): void {
  const st = lstatOrNull(dir)
  if (!st?.isDirectory()) return
  ownerOnly(dir, 0o700)
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) ownerOnlyTree(path, fileMode)
    else if (entry.isFile()) ownerOnly(path, fileMode)
  }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

function chmodOrExplain(path: string, mode: number): void {
  try {
    chmodSync(path, mode)
  } catch (err) {
    throw new TownStartError(`could not make ${path} owner-only (chmod ${mode.toString(8)}): ${describeFsError(err)}`)
  }
}
