// The lock Claude Code itself takes around every write of .claude.json: a directory `<file>.lock` made with
// mkdir (proper-lockfile's protocol, with realpath off). Seen with strace on Claude Code 2.1.332: each save
// is mkdir(lock) → read the file → write `<file>.tmp.<pid>.<hex>` → rename over the file → rmdir(lock), and
// its update applies to what it just read. Taking the same lock makes our edits and those of every running
// Claude Code one queue, so neither can write over what the other just wrote.
import { mkdir, rmdir, stat } from 'node:fs/promises'

export interface LockOptions {
  /** A lock directory older than this is left over by a dead process and is broken (proper-lockfile's rule). */
  staleMs?: number
  /** How long to wait for a live lock before giving up. Must be longer than staleMs to outwait a dead one. */
  timeoutMs?: number
}

const DEFAULT_STALE_MS = 30_000
const DEFAULT_TIMEOUT_MS = 45_000

export class ConfigLockTimeoutError extends Error {}

/** Runs `fn` while holding `<file>.lock`, the lock Claude Code uses for the same file. */
export async function withConfigLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lockDir = `${file}.lock`
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  let delay = 5
  for (;;) {
    try {
      await mkdir(lockDir)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const since = await lockAge(lockDir)
    if (since !== undefined && since > staleMs) {
      // Another breaker may have removed it first: either way, try mkdir again at once.
      await rmdir(lockDir).catch(() => {})
      continue
    }
    if (Date.now() > deadline) {
      throw new ConfigLockTimeoutError(
        `${file} stayed locked by another process (${lockDir}) for longer than ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms. ` +
          `If no Claude Code is running, remove ${lockDir} and try again.`
      )
    }
    await new Promise((r) => setTimeout(r, delay))
    delay = Math.min(delay * 2, 100)
  }
  try {
    return await fn()
  } finally {
    await rmdir(lockDir).catch(() => {})
  }
}

async function lockAge(lockDir: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs
  } catch {
    return undefined // released meanwhile
  }
}
