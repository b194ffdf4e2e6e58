// Start-up failures are read by a person who has to fix them: each names the file and the real cause
// (read-only file system, permission denied, no space) instead of a library's error code.
import { accessSync, constants, statfsSync } from 'node:fs'
import { dirname } from 'node:path'

/** A control room that cannot start; the message says what happened and what to do. */
export class TownStartError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TownStartError'
  }
}

const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  ENOENT: 'it does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EIO: 'the disk reported an input/output error',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links'
}

/** A Node file-system error in plain words. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code && CAUSES[code]) return CAUSES[code]
  return err instanceof Error ? err.message : String(err)
}

/**
 * Why SQLite could not open or write `file`: its own codes (CANTOPEN, READONLY, FULL, IOERR) say little,
 * so ask the file system what is wrong with the file and its folder.
 */
export function describeSqliteError(err: unknown, file: string): string {
  const code = String((err as { code?: string })?.code ?? '')
  const message = err instanceof Error ? err.message : String(err)
  if (code === 'SQLITE_FULL' || /SQLITE_IOERR.*(WRITE|FSYNC)/.test(code)) {
    if (noSpaceLeft(file)) return CAUSES.ENOSPC
  }
  if (code === 'SQLITE_NOTADB') return 'it is not an SQLite database'
  if (code === 'SQLITE_CORRUPT') return `it is damaged (${message})`
  if (code === 'SQLITE_FULL') return CAUSES.ENOSPC
  for (const path of [file, dirname(file)]) {
    try {
      accessSync(path, constants.R_OK | constants.W_OK)
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code
      if (c === 'ENOENT' && path === file) continue
      if (c && CAUSES[c]) return `${CAUSES[c]} (${path})`
    }
  }
  if (noSpaceLeft(file)) return CAUSES.ENOSPC
  return message
}

function noSpaceLeft(file: string): boolean {
  try {
    const s = statfsSync(dirname(file))
    return s.bavail === 0
  } catch {
    return false
  }
}
