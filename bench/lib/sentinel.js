// Spots the producer's end-of-payload sentinel (OSC 7777;done BEL) in terminal output that arrives as UTF-8
// bytes, split anywhere across frames, without decoding it: BEL occurs in the producer's text only at the end
// of its two OSC sentinels, so a native indexOf finds the few candidates. Plain JS: the Node sink and the
// bench's page both load it.
export function sentinelWatcher(text) {
  const want = new TextEncoder().encode(text)
  const lastByte = want[want.length - 1]
  let tail = new Uint8Array(0) // the previous frames' last bytes, for a sentinel cut by a frame boundary
  return (bytes) => {
    for (let i = bytes.indexOf(lastByte); i !== -1; i = bytes.indexOf(lastByte, i + 1)) {
      let match = true
      for (let k = 0; k < want.length && match; k++) {
        const pos = i - (want.length - 1) + k
        match = (pos >= 0 ? bytes[pos] : tail[tail.length + pos]) === want[k]
      }
      if (match) return true
    }
    const keep = want.length - 1
    if (bytes.length >= keep) tail = bytes.slice(bytes.length - keep)
    else {
      const joined = new Uint8Array(tail.length + bytes.length)
      joined.set(tail)
      joined.set(bytes, tail.length)
      tail = joined.slice(Math.max(0, joined.length - keep))
    }
    return false
  }
}
