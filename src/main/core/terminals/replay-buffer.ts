// A bounded buffer of the newest output chunks with their sequence numbers, so a view that opens late
// (or reconnects) gets what it missed, then continues from the next sequence number without gaps.
// Chunks are the PTY's bytes, each whole UTF-8 characters (TerminalStream cuts them so): the buffer keeps
// references, never copies, and decodes only when a view asks for a snapshot.
export interface Chunk {
  seq: number
  data: Uint8Array
}

export class ReplayBuffer {
  private chunks: Chunk[] = []
  private head = 0 // index of the oldest live chunk in `chunks`
  private size = 0
  private dropped = false
  lastSeq = 0

  constructor(private maxBytes: number) {}

  push(data: Uint8Array): number {
    const seq = ++this.lastSeq
    this.chunks.push({ seq, data })
    this.size += data.length
    while (this.size > this.maxBytes && this.chunks.length - this.head > 1) {
      this.size -= this.chunks[this.head].data.length
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

  /** Everything still held, decoded; `truncated` when older output was dropped. */
  snapshot(): { data: string; seq: number; truncated: boolean } {
    const live = this.chunks.slice(this.head).map((c) => c.data)
    return { data: Buffer.concat(live, this.size).toString('utf8'), seq: this.lastSeq, truncated: this.dropped }
  }
}
