// The session log: every byte a polecat's terminal printed, what a human typed, and the session's events,
// as JSONL in the hook's git-ignored .gt/sessions/ folder. It outlives the process and the app.
//
// On disk, a line is one of
//   {"t","kind":"output","seq","b64"}   the terminal's bytes, base64: whole characters, as TerminalStream cut them
//   {"t","kind":"input","by":"human","data"}
//   {"t","kind":"event","event","data"?}
// and logs written before base64 have output lines {"t","kind":"output","seq","data"} with the text as a JSON
// string. Output is the bulk of a log and escape-heavy: JSON.stringify escapes every ESC as \u001b, and it
// cost the core 13 ms of CPU per MiB of output, base64 of the PTY's bytes 2 (bench/run.ts).
// readSessionLog is the one reader (History, `gt session show`, replay, reconciliation): it reads both.
import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
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
  private pending: Buffer[] = [] // lines not yet handed to the file
  private pendingBytes = 0
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
    return (this.unwritten?.length ?? 0) + this.pendingBytes
  }

  private append(line: SessionLogLine, now: boolean): void {
    if (this.fd === null) return
    this.queue(Buffer.from(JSON.stringify(line) + '\n'), now)
  }

  private queue(bytes: Buffer, now: boolean): void {
    this.pending.push(bytes)
    this.pendingBytes += bytes.length
    if ((now || this.pendingBytes >= WRITE_BYTES) && !this.failing) this.flush()
    else this.writeTimer ??= setTimeout(() => this.flush(), this.failing ? RETRY_MS : WRITE_MS)
  }

  private flush(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
    if (this.fd === null) return
    if (this.pendingBytes) {
      this.unwritten = Buffer.concat(this.unwritten ? [this.unwritten, ...this.pending] : this.pending)
      this.pending = []
      this.pendingBytes = 0
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

  /** One chunk of the terminal's output: UTF-8 bytes. */
  output(seq: number, data: Uint8Array): void {
    if (this.fd === null) return
    // Built by hand into one buffer, not with JSON.stringify: nothing in the line needs escaping (stringify
    // would scan all the base64 for it), and no string of the whole line is ever made.
    const b64 = Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64')
    const head = `{"t":"${new Date().toISOString()}","kind":"output","seq":${Math.trunc(seq)},"b64":"`
    const line = Buffer.allocUnsafe(head.length + b64.length + 3)
    line.write(head, 0, 'latin1')
    line.write(b64, head.length, 'latin1')
    line.write('"}\n', head.length + b64.length, 'latin1')
    this.queue(line, false)
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

/** An output line as it is on disk: base64 bytes, or (logs from before base64) the text itself. */
type StoredOutput = { t: string; kind: 'output'; seq: number; b64?: string; data?: string }

/** The start of an output line cut short (`t`, `seq` and as much base64 as was written): salvaged after a crash. */
const TORN_OUTPUT = /^\{"t":"([^"]*)","kind":"output","seq":(\d+),"b64":"([A-Za-z0-9+/]*)/

/**
 * Reads a session log, old lines and new, with output decoded to text. A torn last line (the app or the
 * machine died mid-write) is skipped, not fatal; a torn output line keeps the bytes that reached the disk.
 * A character split across two output lines is decoded whole, on the later line.
 */
export function readSessionLog(path: string): SessionLogLine[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  const lines: SessionLogLine[] = []
  const utf8 = new StringDecoder('utf8')
  let lastOutput: { data: string } | null = null
  const endText = () => {
    // A character cut short by the end of the output (or by text lines in between) shows as U+FFFD.
    const rest = utf8.end()
    if (rest && lastOutput) lastOutput.data += rest
  }
  const output = (t: string, seq: number, bytes: Buffer) => {
    const line = { t, kind: 'output' as const, seq, data: utf8.write(bytes) }
    lines.push(line)
    lastOutput = line
  }
  for (const raw of text.split('\n')) {
    if (!raw) continue
    let l: SessionLogLine | StoredOutput
    try {
      l = JSON.parse(raw) as SessionLogLine | StoredOutput
    } catch {
      const torn = TORN_OUTPUT.exec(raw)
      if (torn) output(torn[1], Number(torn[2]), Buffer.from(torn[3].slice(0, torn[3].length - (torn[3].length % 4)), 'base64'))
      continue // otherwise: a torn write at the end of a crashed session, nothing to keep
    }
    if (l.kind !== 'output') {
      lines.push(l)
      continue
    }
    const stored = l as StoredOutput
    if (typeof stored.b64 === 'string') {
      output(stored.t, stored.seq, Buffer.from(stored.b64, 'base64'))
    } else {
      endText()
      lines.push({ t: stored.t, kind: 'output', seq: stored.seq, data: typeof stored.data === 'string' ? stored.data : '' })
      lastOutput = null
    }
  }
  endText()
  return lines
}

/** Everything a session printed, in order, and the sequence number of its last chunk. */
export function readSessionOutput(path: string): { data: string; lastSeq: number } {
  const parts: string[] = []
  let lastSeq = 0
  for (const l of readSessionLog(path)) {
    if (l.kind !== 'output') continue
    parts.push(l.data)
    lastSeq = l.seq
  }
  return { data: parts.join(''), lastSeq }
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
