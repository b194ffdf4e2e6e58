// A terminal's output not yet sent: one buffer the PTY reads land in (pty-reader.ts) or reads are copied
// into, taken out as whole UTF-8 characters when the batch is sent. Sent batches are copies of exactly their
// size: the replay buffer, the log's queue and IPC's structured clone keep only their own bytes alive, never
// this buffer (nor a 64 KiB one of Node's per read, as the stream's chunks did).
import { completeUtf8Length } from './utf8'
import { READ_BYTES } from './pty-reader'

export class OutputBatch {
  private buf: Buffer
  private start = 0 // pending bytes are buf[start, end)
  private end = 0

  /** `maxBytes`: the batch is taken once it holds this many (TerminalStream does), so reads always fit after it. */
  constructor(maxBytes: number) {
    this.buf = Buffer.allocUnsafeSlow(maxBytes + 2 * READ_BYTES)
  }

  get bytes(): number {
    return this.end - this.start
  }

  /**
   * Where the next read goes: READ_BYTES free at the end of what is pending. Taking a batch never moves the
   * end, so a read already given this place still lands where `landed` expects it.
   */
  readTarget(): Buffer {
    // Nothing pending (each read of a quiet agent is sent at once): start again at the front, so a terminal
    // that prints a line now and then keeps to the buffer's first page instead of walking through it all.
    if (this.start === this.end) this.start = this.end = 0
    this.makeRoom(READ_BYTES)
    return this.buf.subarray(this.end, this.end + READ_BYTES)
  }

  /** A read of `n` bytes landed in the last readTarget(). */
  landed(n: number): void {
    this.end += n
  }

  /** Copies `data` in (a read that came as a chunk of its own). */
  append(data: Uint8Array): void {
    this.makeRoom(data.length)
    this.buf.set(data, this.end)
    this.end += data.length
  }

  /**
   * The pending bytes up to the last whole character (all of them if `whole`), as a buffer of their own;
   * the start of a character cut short stays for the next read. Null when there is nothing whole to send.
   */
  take(whole: boolean): Buffer | null {
    const pending = this.buf.subarray(this.start, this.end)
    const cut = whole ? pending.length : completeUtf8Length(pending)
    if (cut === 0) return null
    const out = Buffer.allocUnsafeSlow(cut)
    pending.copy(out, 0, 0, cut)
    this.start += cut
    return out
  }

  private makeRoom(n: number): void {
    if (this.buf.length - this.end >= n) return
    const pending = this.end - this.start
    if (this.buf.length - pending < n) {
      // Only a chunk bigger than a batch (the stream's path) gets here: grow to hold it.
      const bigger = Buffer.allocUnsafeSlow(pending + n + READ_BYTES)
      this.buf.copy(bigger, 0, this.start, this.end)
      this.buf = bigger
    } else this.buf.copyWithin(0, this.start, this.end)
    this.start = 0
    this.end = pending
  }
}
