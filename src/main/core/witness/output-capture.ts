// A command's output kept within bounds: its first `headBytes` and its last `tailBytes`, whatever it prints.
// The start usually says what ran and the end why it failed; the middle of a 2 GB log is dropped as it
// streams, so memory stays bounded by the two limits.

export interface CapturedOutput {
  head: string
  /** '' when nothing past the head was printed. */
  tail: string
  totalBytes: number
  /** Bytes between head and tail were dropped. */
  truncated: boolean
}

export class OutputCapture {
  private head: Buffer[] = []
  private headLength = 0
  private tail: Buffer[] = []
  private tailLength = 0
  totalBytes = 0

  constructor(
    private readonly headBytes: number,
    private readonly tailBytes: number
  ) {
    if (!(headBytes >= 0 && tailBytes >= 0)) throw new Error(`output limits must be ≥ 0 (got head ${headBytes}, tail ${tailBytes})`)
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length
    let rest = chunk
    if (this.headLength < this.headBytes) {
      const take = Math.min(this.headBytes - this.headLength, rest.length)
      this.head.push(rest.subarray(0, take))
      this.headLength += take
      rest = rest.subarray(take)
    }
    if (rest.length === 0 || this.tailBytes === 0) return
    if (rest.length >= this.tailBytes) {
      // Copy: a subarray would keep the whole (possibly large) chunk alive.
      this.tail = [Buffer.from(rest.subarray(rest.length - this.tailBytes))]
      this.tailLength = this.tailBytes
      return
    }
    this.tail.push(rest)
    this.tailLength += rest.length
    while (this.tailLength - (this.tail[0]?.length ?? 0) >= this.tailBytes) this.tailLength -= this.tail.shift()!.length
    if (this.tailLength > this.tailBytes) {
      const first = this.tail[0]!
      const cut = this.tailLength - this.tailBytes
      this.tail[0] = Buffer.from(first.subarray(cut))
      this.tailLength -= cut
    }
  }

  result(): CapturedOutput {
    const head = Buffer.concat(this.head)
    const tail = Buffer.concat(this.tail)
    const truncated = this.totalBytes > head.length + tail.length
    return { head: decodeHead(head), tail: decodeTail(tail), totalBytes: this.totalBytes, truncated }
  }
}

/** UTF-8 text of a prefix: a character cut at the end is dropped rather than shown as U+FFFD. */
function decodeHead(buf: Buffer): string {
  let end = buf.length
  // Walk back over at most 3 continuation bytes to the lead byte of the last character.
  let i = end - 1
  while (i >= 0 && i >= end - 4 && (buf[i]! & 0xc0) === 0x80) i--
  if (i >= 0) {
    const lead = buf[i]!
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
    if (end - i < need) end = i
  }
  return buf.subarray(0, end).toString('utf8')
}

/** UTF-8 text of a suffix: continuation bytes of a character cut at the start are dropped. */
function decodeTail(buf: Buffer): string {
  let start = 0
  while (start < buf.length && start < 3 && (buf[start]! & 0xc0) === 0x80) start++
  return buf.subarray(start).toString('utf8')
}
