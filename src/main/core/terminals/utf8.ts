// Where a run of UTF-8 bytes can be cut without splitting a character. The PTY hands over bytes in whatever
// pieces the kernel had, so a character can straddle two reads; TerminalStream cuts its chunks here so
// every chunk (log line, replay buffer, frame, IPC event) decodes on its own.

/**
 * The length of `b` less a character cut short at its end: at most 3 bytes less, and only when the bytes at
 * the end are the start of a sequence that more bytes could complete. Invalid bytes are left in (whoever
 * decodes them shows U+FFFD), so a chunk never waits on bytes that cannot come.
 */
export function completeUtf8Length(b: Uint8Array): number {
  const n = b.length
  const stop = Math.max(0, n - 4)
  let i = n - 1
  while (i >= stop && (b[i] & 0xc0) === 0x80) i-- // back over continuation bytes to the lead byte
  if (i < stop) return n
  const lead = b[i]
  const need = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xc2 && lead <= 0xdf ? 2 : 1
  return n - i < need ? i : n
}
