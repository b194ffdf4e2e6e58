// The session log: every byte a polecat's terminal printed, what a human typed, and the session's events,
// as JSONL in the hook's git-ignored .gt/sessions/ folder. It outlives the process and the app.
import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { SessionLogLine } from '../../../shared/domain'

// Output is the bulk of a log: it is buffered and written every WRITE_MS (or per WRITE_BYTES), and the file
// is fsynced at most every SYNC_MS. Events and human input are written at once (after what came before).
// So a crash of the app loses nothing that reached the log; a power loss at most the last second of it.
// The periodic fsync runs in libuv's thread pool: on a real disk one can take tens of ms, and twenty agents'
// logs must not stall the core's event loop (keystrokes, acks) that long. Closing a log fsyncs at once.
const WRITE_MS = 50
const WRITE_BYTES = 256 * 1024
const SYNC_MS = 1000

export class SessionLog {
  private fd: number | null
  private pending = ''
  private writeTimer: NodeJS.Timeout | null = null
  private syncTimer: NodeJS.Timeout | null = null

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, 'a', 0o600)
  }

  private append(line: SessionLogLine, now: boolean): void {
    if (this.fd === null) return
    this.pending += JSON.stringify(line) + '\n'
    if (now || this.pending.length >= WRITE_BYTES) this.flush()
    else this.writeTimer ??= setTimeout(() => this.flush(), WRITE_MS)
  }

  private flush(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
    if (this.fd === null || !this.pending) return
    writeSync(this.fd, this.pending)
    this.pending = ''
    this.syncTimer ??= setTimeout(() => this.sync(), SYNC_MS).unref()
  }

  private sync(): void {
    this.syncTimer = null
    const fd = this.fd
    if (fd === null) return
    fsync(fd, (err) => {
      // After close() the fd is gone (close fsyncs itself); any other failure is worth a line.
      if (err && this.fd === fd) console.error(`session log ${this.path}: fsync failed: ${err.message}`)
    })
  }

  output(seq: number, data: string): void {
    this.append({ t: new Date().toISOString(), kind: 'output', seq, data }, false)
  }

  input(data: string): void {
    this.append({ t: new Date().toISOString(), kind: 'input', by: 'human', data }, true)
  }

  event(event: string, data?: unknown): void {
    this.append({ t: new Date().toISOString(), kind: 'event', event, ...(data === undefined ? {} : { data }) }, true)
  }

  close(): void {
    if (this.fd === null) return
    this.flush()
    if (this.syncTimer) clearTimeout(this.syncTimer)
    this.syncTimer = null
    fsyncSync(this.fd)
    closeSync(this.fd)
    this.fd = null
  }
}

/** Reads a session log; a torn last line (the app died mid-write) is skipped, not fatal. */
export function readSessionLog(path: string): SessionLogLine[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  const lines: SessionLogLine[] = []
  for (const raw of text.split('\n')) {
    if (!raw) continue
    try {
      lines.push(JSON.parse(raw) as SessionLogLine)
    } catch {
      // torn write at the end of a crashed session
    }
  }
  return lines
}

/** Everything a session printed, in order, and the sequence number of its last chunk. */
export function readSessionOutput(path: string): { data: string; lastSeq: number } {
  let data = ''
  let lastSeq = 0
  for (const l of readSessionLog(path)) {
    if (l.kind !== 'output') continue
    data += l.data
    lastSeq = l.seq
  }
  return { data, lastSeq }
}

/** Appends one event line to a log whose writer is gone (reconciliation after a restart). */
export function appendSessionEvent(path: string, event: string, data?: unknown): void {
  try {
    const log = new SessionLog(path)
    log.event(event, data)
    log.close()
  } catch {
    // the hook may be gone (rig removed); the ledger still has the event
  }
}
