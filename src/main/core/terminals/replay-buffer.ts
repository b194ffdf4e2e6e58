// A bounded buffer of the newest output chunks with their sequence numbers, so a view that opens late
// (or reconnects) gets what it missed, then continues from the next sequence number without gaps.
export interface Chunk {
  seq: number
  data: string
}

export class ReplayBuffer {
  private chunks: Chunk[] = []
  private head = 0 // index of the oldest live chunk in `chunks`
  private size = 0
  private dropped = false
  lastSeq = 0

  constructor(private maxChars: number) {}

  push(data: string): number {
    const seq = ++this.lastSeq
    this.chunks.push({ seq, data })
    this.size += data.length
    while (this.size > this.maxChars && this.chunks.length - this.head > 1) {
      this.size -= this.chunks[this.head].data.length
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

  /** Everything still held, joined; `truncated` when older output was dropped. */
  snapshot(): { data: string; seq: number; truncated: boolean } {
    let data = ''
    for (let i = this.head; i < this.chunks.length; i++) data += this.chunks[i].data
    return { data, seq: this.lastSeq, truncated: this.dropped }
  }
}
