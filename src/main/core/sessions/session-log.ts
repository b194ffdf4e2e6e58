// The session log: every byte a polecat's terminal printed, what a human typed, and the session's events,
// as JSONL in the hook's git-ignored .gt/sessions/ folder. It outlives the process and the app.
//
// On disk, a line is one of
//   {"t","kind":"output","seq","b64"}   the terminal's bytes, base64: whole characters, as TerminalStream cut
//                                       them. One line holds the chunks of one write period (WRITE_MS) that
//                                       came one after another; `seq` is the last one's, `t` the first one's
//                                       time. (Logs written before that have one line per chunk: they read
//                                       the same.)
//   {"t","kind":"input","by":"human","data"}
//   {"t","kind":"event","event","data"?}
// and logs written before base64 have output lines {"t","kind":"output","seq","data"} with the text as a JSON
// string. Output is the bulk of a log and escape-heavy: JSON.stringify escapes every ESC as \u001b, and it
// cost the core 13 ms of CPU per MiB of output, base64 of the PTY's bytes 2 (bench/run.ts). A line per chunk
// (a fresh buffer for each, and one more to join them) cost 4 ms per MiB more than a line per period built
// in a reused buffer, most of it the garbage collector's (bench/core-cpu.ts).
// readSessionLog is the one reader (History, `gt session show`, replay, reconciliation): it reads them all.
import { closeSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs'
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

/** Output not yet written: chunks of one run (no other line between them), written as one line. */
interface OutputRun {
  t: string
  seq: number // of the run's last chunk
  chunks: Uint8Array[]
  bytes: number
}

// One pair of scratch buffers for every log of the process: a flush builds its lines in them and hands them
// to the file, so writing output allocates nothing per chunk or per line (fresh buffers, tens of KiB each,
// every few ms, made the core's garbage collector run a full collection every couple of MiB of output).
// Logs are written on the one event-loop thread, one flush at a time, so they can share them.
let rawScratch: Buffer = Buffer.allocUnsafeSlow(64 * 1024)
let lineScratch: Buffer = Buffer.allocUnsafeSlow(128 * 1024)
/** base64 is made in slices of this many bytes (a multiple of 3, so the slices join): short-lived strings. */
const B64_SLICE = 3 * 16 * 1024
const SCRATCH_KEEP = 2 * 1024 * 1024

function room(buf: Buffer, used: number, more: number): Buffer {
  if (used + more <= buf.length) return buf
  let size = buf.length
  while (size < used + more) size *= 2
  const bigger = Buffer.allocUnsafeSlow(size)
  buf.copy(bigger, 0, 0, used)
  return bigger
}

export class SessionLog {
  private fd: number | null
  /** Lines not yet handed to the file, in order: output runs and ready lines (input, events). */
  private pending: (OutputRun | string)[] = []
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
    this.endTornLine()
  }

  /**
   * A log whose writer died mid-write (a crash, a power loss, a full disk) ends in a torn line: end it, so
   * the next line (reconciliation's event after a restart) is a line of its own, not glued to the torn one.
   */
  private endTornLine(): void {
    try {
      const st = fstatSync(this.fd!)
      if (!st.isFile() || st.size === 0) return
      const size = st.size
      const last = Buffer.alloc(1)
      const rfd = openSync(this.path, 'r')
      try {
        readSync(rfd, last, 0, 1, size - 1)
      } finally {
        closeSync(rfd)
      }
      if (last[0] !== 10) this.queue('\n', 1, true)
    } catch {
      // a log that cannot be read back (a device, a file made write-only) is written as it is
    }
  }

  /** Bytes waiting for the file: buffered, or held while writing fails. */
  get heldBytes(): number {
    return (this.unwritten?.length ?? 0) + this.pendingBytes
  }

  private append(line: SessionLogLine, now: boolean): void {
    if (this.fd === null) return
    const text = JSON.stringify(line) + '\n'
    this.queue(text, text.length, now)
  }

  private queue(item: OutputRun | string, bytes: number, now: boolean): void {
    if (typeof item === 'string' || this.pending[this.pending.length - 1] !== item) this.pending.push(item)
    this.pendingBytes += bytes
    if ((now || this.pendingBytes >= WRITE_BYTES) && !this.failing) this.flush()
    else this.writeTimer ??= setTimeout(() => this.flush(), this.failing ? RETRY_MS : WRITE_MS)
  }

  /** Builds lines from `pending[from…]` into lineScratch from `used`, up to about WRITE_BYTES; returns where it stopped. */
  private build(from: number, used: number): { next: number; used: number } {
    let i = from
    while (i < this.pending.length && used < WRITE_BYTES) {
      const item = this.pending[i++]
      if (typeof item === 'string') {
        lineScratch = room(lineScratch, used, Buffer.byteLength(item))
        used += lineScratch.write(item, used, 'utf8')
        continue
      }
      // An output line: base64 of the run's bytes, joined first, in one hand-made envelope (JSON.stringify
      // would scan all the base64 for characters to escape, and make a string of the whole line).
      rawScratch = room(rawScratch, 0, item.bytes)
      let n = 0
      for (const c of item.chunks) {
        rawScratch.set(c, n)
        n += c.length
      }
      const head = `{"t":"${item.t}","kind":"output","seq":${item.seq},"b64":"`
      lineScratch = room(lineScratch, used, head.length + Math.ceil(n / 3) * 4 + 3)
      used += lineScratch.write(head, used, 'latin1')
      for (let off = 0; off < n; off += B64_SLICE) used += lineScratch.write(rawScratch.toString('base64', off, Math.min(n, off + B64_SLICE)), used, 'latin1')
      used += lineScratch.write('"}\n', used, 'latin1')
    }
    return { next: i, used }
  }

  private flush(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.writeTimer = null
    if (this.fd === null) return
    if (this.unwritten && !this.writeHeld()) return this.failed()
    let i = 0
    while (i < this.pending.length) {
      const built = this.build(i, 0)
      i = built.next
      let off = 0
      try {
        // A write can take part of the bytes (a disk filling up): carry on from where it stopped.
        while (off < built.used) off += writeSync(this.fd, lineScratch, off, built.used - off)
      } catch (err) {
        // What the file did not take is held (a copy: the scratch is reused), and what is not built yet too.
        const held = [Buffer.from(lineScratch.subarray(off, built.used))]
        while (i < this.pending.length) {
          const more = this.build(i, 0)
          i = more.next
          held.push(Buffer.from(lineScratch.subarray(0, more.used)))
        }
        this.pending = []
        this.pendingBytes = 0
        this.unwritten = Buffer.concat(held)
        this.hold()
        return this.failed((err as Error).message)
      }
    }
    this.pending = []
    this.pendingBytes = 0
    // A huge line (a paste of megabytes, a chunk of a megabyte) grew a scratch buffer: do not keep it.
    if (lineScratch.length > SCRATCH_KEEP) lineScratch = Buffer.allocUnsafeSlow(128 * 1024)
    if (rawScratch.length > SCRATCH_KEEP) rawScratch = Buffer.allocUnsafeSlow(64 * 1024)
    if (this.failing) {
      this.failing = null
      this.troubleTold = false
      this.events.onRecovered?.()
    }
    this.syncTimer ??= setTimeout(() => this.sync(), SYNC_MS).unref()
  }

  /** Writes what is held from an earlier failure; false if the file still refuses it. */
  private writeHeld(): boolean {
    const held = this.unwritten!
    let off = 0
    try {
      while (off < held.length) off += writeSync(this.fd!, held, off)
    } catch (err) {
      this.unwritten = held.subarray(off)
      if (this.pendingBytes) {
        // Pending lines join what is held, in order, so the bound on memory covers them too.
        const more: Buffer[] = [this.unwritten]
        let i = 0
        while (i < this.pending.length) {
          const built = this.build(i, 0)
          i = built.next
          more.push(Buffer.from(lineScratch.subarray(0, built.used)))
        }
        this.pending = []
        this.pendingBytes = 0
        this.unwritten = Buffer.concat(more)
      }
      this.hold()
      this.failing ??= (err as Error).message
      return false
    }
    this.unwritten = null
    return true
  }

  private failed(message?: string): void {
    if (!this.failing && message) this.failing = message
    this.tell(`cannot write the session log ${this.path}: ${this.failing}; what it did not take is held in memory and retried every ${RETRY_MS / 1000} s`)
    this.writeTimer ??= setTimeout(() => this.flush(), RETRY_MS)
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

  /**
   * One chunk of the terminal's output: UTF-8 bytes, kept by reference until the next write (the caller
   * does not change them: TerminalStream's chunks are shared with its replay buffer and its viewers).
   * Chunks that come one after another are written as one line, `seq` the last one's.
   */
  output(seq: number, data: Uint8Array): void {
    if (this.fd === null) return
    const last = this.pending[this.pending.length - 1]
    const run = typeof last === 'object' && last.bytes < WRITE_BYTES ? last : { t: new Date().toISOString(), seq: 0, chunks: [], bytes: 0 }
    run.chunks.push(data)
    run.bytes += data.length
    run.seq = Math.trunc(seq)
    this.queue(run, data.length, false)
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
