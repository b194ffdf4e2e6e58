// Edits a JSON config file that other programs own and may be writing at the same moment (the user's
// .claude.json, a worktree's .claude/settings.local.json): read, change only the keys we mean, write a temp
// file beside it, fsync, rename over it. Every other key stays as it was (JSON-equivalent), the file keeps
// its mode and owner, a symlinked file stays a symlink (we write to its target), and a file that is not JSON
// is never overwritten. After writing we read it back; if another writer replaced it meanwhile without
// our change we do it again, a few times.
import { randomBytes } from 'node:crypto'
import { chown, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { withConfigLock, type LockOptions } from './config-lock'

export type JsonObject = Record<string, unknown>

export interface JsonEditOptions {
  /** Hold Claude Code's `<file>.lock` while reading and writing (use for .claude.json). */
  lock?: boolean | LockOptions
  /** True when the document read back has our change; by default the edit is checked by applying it again. */
  verify?: (doc: JsonObject) => boolean
  /** Mode for a file that does not exist yet (default 0600: it may hold account data). */
  createMode?: number
  /** How many read-modify-write rounds before giving up (default 5). */
  attempts?: number
}

export interface JsonEditResult {
  file: string
  /** False when the file already had everything (nothing was written). */
  changed: boolean
  attempts: number
}

export class JsonFileError extends Error {}

/**
 * Applies `edit` (which changes `doc` in place and returns whether it changed anything) to the JSON object
 * in `file`, atomically. A missing file is created; an empty one is read as `{}`.
 */
export async function editJsonFile(file: string, edit: (doc: JsonObject) => boolean, opts: JsonEditOptions = {}): Promise<JsonEditResult> {
  const attempts = opts.attempts ?? 5
  const verify = opts.verify ?? ((doc: JsonObject) => !edit(structuredClone(doc)))
  let changed = false
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const round = async (): Promise<void> => {
      const current = await readJsonObject(file)
      const doc = current?.doc ?? {}
      if (edit(doc)) {
        await writeAtomically(file, serialize(doc, current?.text), opts.createMode ?? 0o600)
        changed = true
      }
    }
    if (opts.lock) await withConfigLock(file, round, typeof opts.lock === 'object' ? opts.lock : {})
    else await round()
    const after = await readJsonObject(file)
    if (after && verify(after.doc)) return { file, changed, attempts: attempt }
  }
  throw new JsonFileError(`${file}: another program kept replacing it while we added our settings (${attempts} tries). Try again, or close the programs writing it.`)
}

/** Reads a JSON object file: undefined when it does not exist; an error naming the file when it is not an object. */
export async function readJsonObject(file: string): Promise<{ doc: JsonObject; text: string } | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (!text.trim()) return { doc: {}, text }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new JsonFileError(`${file} is not valid JSON (${(err as Error).message}); it was left as it is. Fix or move it, then try again.`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new JsonFileError(`${file} holds JSON that is not an object; it was left as it is. Fix or move it, then try again.`)
  }
  return { doc: doc as JsonObject, text }
}

// Two-space indentation, as Claude Code writes its own files; the trailing newline as the file had it.
function serialize(doc: JsonObject, previous: string | undefined): string {
  const body = JSON.stringify(doc, null, 2)
  return previous === undefined || previous.endsWith('\n') ? body + '\n' : body
}

async function writeAtomically(file: string, text: string, createMode: number): Promise<void> {
  // A symlinked config (dotfile managers do this) is written through to its target, so the link survives.
  const target = await realpath(file).catch(() => file)
  const dir = dirname(target)
  await mkdir(dir, { recursive: true })
  const before = await stat(target).catch(() => undefined)
  const tmp = join(dir, `.${basename(target)}.gt-${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', before ? before.mode & 0o7777 : createMode)
  try {
    await fh.writeFile(text, 'utf8')
    // open()'s mode is cut by the umask; set the one the file had exactly.
    await fh.chmod(before ? before.mode & 0o7777 : createMode)
    if (before && typeof process.getuid === 'function' && (before.uid !== process.getuid() || before.gid !== process.getgid?.())) {
      await chown(tmp, before.uid, before.gid).catch(() => {}) // only root may give a file away; otherwise it stays ours
    }
    await fh.sync()
  } catch (err) {
    await fh.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fh.close()
  try {
    await rename(tmp, target)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  // The rename is durable once the directory is on disk too.
  const dh = await open(dir, 'r').catch(() => undefined)
  if (dh) await dh.sync().catch(() => {}).finally(() => dh.close())
}
