// A bounded buffer of the newest output chunks with their sequence numbers, so a view that opens late
// (or reconnects) gets what it missed, then continues from the next sequence number without gaps.
// Chunks are the PTY's bytes, each whole UTF-8 characters (TerminalStream cuts them so): the buffer keeps
// references to large chunks, never copies them, and decodes only when a view asks for a snapshot.
//
// Small chunks are copied into blocks instead. An agent that prints a short line now and then sends one
// chunk of a few dozen bytes per line, and each chunk held costs some 150 bytes of heap of its own (its
// record and its Uint8Array) — five times the bytes it holds: 50 such terminals grew the core's heap by
// 0.5 MiB a minute, for the hours it would take their bytes to reach the bound (bench/fifty-polecats.ts).
export interface Chunk {
  seq: number
  data: Uint8Array
  /** bytes of `data` in use; a block (a chunk made to take copies of small ones) fills up to its length */
  used: number
  block: boolean
}

/** Chunks below this size are copied into blocks of it (at most a 64th of the bound, so tiny bounds stay exact). */
const BLOCK_BYTES = 4096

export class ReplayBuffer {
  private chunks: Chunk[] = []
  private head = 0 // index of the oldest live chunk in `chunks`
  private size = 0
  private dropped = false
  private blockBytes: number
  lastSeq = 0

  constructor(private maxBytes: number) {
    this.blockBytes = Math.min(BLOCK_BYTES, Math.floor(maxBytes / 64))
  }

  push(data: Uint8Array): number {
    const seq = ++this.lastSeq
    const last = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1] : null
    if (data.length < this.blockBytes) {
      if (last?.block && last.used + data.length <= last.data.length) {
        last.data.set(data, last.used)
        last.used += data.length
        last.seq = seq
      } else {
        const block = new Uint8Array(this.blockBytes)
        block.set(data)
        this.chunks.push({ seq, data: block, used: data.length, block: true })
      }
    } else this.chunks.push({ seq, data, used: data.length, block: false })
    this.size += data.length
    while (this.size > this.maxBytes && this.chunks.length - this.head > 1) {
      this.size -= this.chunks[this.head].used
      this.chunks[this.head] = undefined as unknown as Chunk // let the bytes go now, not at the next compaction
      this.head++
      this.dropped = true
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
    return seq
  }

  /** Chunks held (for tests: what the buffer costs besides its bytes). */
  get chunkCount(): number {
    return this.chunks.length - this.head
  }

  /** Everything still held, decoded; `truncated` when older output was dropped. */
  snapshot(): { data: string; seq: number; truncated: boolean } {
    const live = this.chunks.slice(this.head).map((c) => c.data.subarray(0, c.used))
    return { data: Buffer.concat(live, this.size).toString('utf8'), seq: this.lastSeq, truncated: this.dropped }
  }
}
