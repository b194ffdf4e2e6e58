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
//
// A disk that refuses writes (full, failing) must not take the control room down with it, nor the agents:
// a log never throws. What the file did not take is held in memory (up to HELD_MAX bytes, then the oldest
// part is dropped and a `session.log-gap` event marks where) and retried every RETRY_MS; the owner hears of
// the trouble once, and of the recovery.
const WRITE_MS = 50
const WRITE_BYTES = 256 * 1024
const SYNC_MS = 1000
const RETRY_MS = 1000
export const HELD_MAX = 64 * 1024 * 1024

export interface SessionLogEvents {
  /** Writing failed (once per episode), or bytes were lost: `message` says what, for people. */
  onTrouble?: (message: string) => void
  /** Writing works again; everything held was written. */
  onRecovered?: () => void
}

export class SessionLog {
  private fd: number | null
  private pending = '' // lines not yet turned into bytes
  private unwritten: Buffer | null = null // bytes the file has not taken yet
  private failing: string | null = null
  private dropped = 0
  private troubleTold = false // the owner hears of one episode of trouble once
  private writeTimer: NodeJS.Timeout | null = null
  private syncTimer: NodeJS.Timeout | null = null

  constructor(
    readonly path: string,
    private events: SessionLogEvents = {}
  ) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, 'a', 0o600)
  }

  /** Bytes waiting for the file: buffered, or held while writing fails. */
  get heldBytes(): number {
    return (this.unwritten?.length ?? 0) + Buffer.byteLength(this.pending)
  }

  private append(line: SessionLogLine, now: boolean): void {
    if (this.fd === null) return
    this.pending += JSON.stringify(line) + '\n'
    if ((now || this.pending.length >= WRITE_BYTES) && !this.failing) this.flush()
    else this.writeTimer ??= setTimeout(() => this.flush(), this.failing ? RETRY_MS : WRITE_MS)
  }

  private flush(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
    if (this.fd === null) return
    if (this.pending) {
      const bytes = Buffer.from(this.pending)
      this.pending = ''
      this.unwritten = this.unwritten ? Buffer.concat([this.unwritten, bytes]) : bytes
    }
    if (!this.unwritten) return
    let off = 0
    try {
      // A write can take part of the bytes (a disk filling up): carry on from where it stopped.
      while (off < this.unwritten.length) off += writeSync(this.fd, this.unwritten, off)
    } catch (err) {
      this.unwritten = this.unwritten.subarray(off)
      this.hold()
      if (!this.failing) {
        this.failing = (err as Error).message
        this.tell(`cannot write the session log ${this.path}: ${this.failing}; what it did not take is held in memory and retried every ${RETRY_MS / 1000} s`)
      }
      this.writeTimer = setTimeout(() => this.flush(), RETRY_MS)
      return
    }
    this.unwritten = null
    if (this.failing) {
      this.failing = null
      this.troubleTold = false
      this.events.onRecovered?.()
    }
    this.syncTimer ??= setTimeout(() => this.sync(), SYNC_MS).unref()
  }

  /** Keeps what is held under HELD_MAX: the oldest part goes, replaced by an event that says how much. */
  private hold(): void {
    const held = this.unwritten!
    if (held.length <= HELD_MAX) return
    const cut = held.indexOf(10, held.length - HELD_MAX / 2) + 1 // keep whole lines: cut after a newline
    if (cut <= 0) return
    const first = this.dropped === 0
    this.dropped += cut
    const gap = { t: new Date().toISOString(), kind: 'event', event: 'session.log-gap', data: { droppedBytes: this.dropped } }
    // The file may end in a line cut short by the failed write: end it before the gap event.
    this.unwritten = Buffer.concat([Buffer.from('\n' + JSON.stringify(gap) + '\n'), held.subarray(cut)])
    if (first) this.tell(`the session log ${this.path} is dropping its oldest unwritten output: the disk took nothing while ${HELD_MAX / 1024 / 1024} MiB were held`, true)
  }

  private sync(): void {
    this.syncTimer = null
    const fd = this.fd
    if (fd === null) return
    fsync(fd, (err) => {
      // After close() the fd is gone (close fsyncs itself); any other failure is the disk's.
      if (err && this.fd === fd) this.tell(`cannot flush the session log ${this.path} to disk: ${err.message}`)
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
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.syncTimer = this.writeTimer = null
    const lost = this.unwritten?.length ?? 0
    try {
      fsyncSync(this.fd)
    } catch (err) {
      this.tell(`cannot flush the session log ${this.path} to disk: ${(err as Error).message}`)
    }
    closeSync(this.fd)
    this.fd = null
    this.unwritten = null
    if (lost) this.tell(`the session log ${this.path} lost its last ${lost} bytes: the disk did not take them before the session ended`, true)
  }

  /** Reports trouble to the owner: once per episode, or `always` for a loss of data. */
  private tell(message: string, always = false): void {
    if (this.troubleTold && !always) return
    this.troubleTold = true
    this.events.onTrouble?.(message)
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
