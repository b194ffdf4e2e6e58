// Terminal output on the WebSocket travels as binary frames, not JSON: the bulk of what the control room
// moves is agent output full of escape sequences, and JSON escapes every ESC as \u001b on the way out and
// builds a UTF-16 string of it on the way in. A binary frame carries the PTY's UTF-8 bytes as the core got
// them, and the page hands them to xterm, which decodes UTF-8 itself. (Measured in bench/ws-format.ts.)
//
//   byte 0        FRAME_TERMINAL_OUTPUT (2): the kind and version of the frame
//   bytes 1–2     N, the header's length in bytes (unsigned, big-endian)
//   bytes 3…3+N   header: JSON {"polecatId","sessionId","seq"}
//   the rest      the output, UTF-8, whole characters
//
// The view acknowledges the output's length in bytes, the unit the core's flow control counts.
// Version 1 carried a `chars` count (UTF-16) in the header; the core no longer decodes output to count it.
// Browser-safe (no Buffer): the renderer, Node and the bench use it.

export const FRAME_TERMINAL_OUTPUT = 2
const PREFIX = 3
const MAX_HEADER = 0xffff

export interface OutputFrameHeader {
  polecatId: string
  sessionId: string
  seq: number
}

export interface OutputFrame extends OutputFrameHeader {
  /** A view onto the frame: the UTF-8 output. */
  bytes: Uint8Array
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** One output chunk as a binary frame (Node's ws sends a Uint8Array without copying it). */
export function encodeOutputFrame(ev: { polecatId: string; sessionId: string; seq: number; data: Uint8Array }): Uint8Array {
  const head = encodeOutputFrameHead(ev)
  const out = new Uint8Array(head.length + ev.data.length)
  out.set(head, 0)
  out.set(ev.data, head.length)
  return out
}

/**
 * The start of a frame, up to its output: sent as the first fragment of the WebSocket message and the output
 * as the second, the frame is the same for the receiver, and the output is never copied into it.
 */
export function encodeOutputFrameHead(ev: { polecatId: string; sessionId: string; seq: number }): Uint8Array {
  const header = encoder.encode(JSON.stringify({ polecatId: ev.polecatId, sessionId: ev.sessionId, seq: ev.seq }))
  if (header.length > MAX_HEADER) throw new Error('terminal frame header too long')
  const out = new Uint8Array(PREFIX + header.length)
  out[0] = FRAME_TERMINAL_OUTPUT
  out[1] = header.length >>> 8
  out[2] = header.length & 0xff
  out.set(header, PREFIX)
  return out
}

/** Reads a frame from the host; throws with a plain reason on anything that is not a well-formed output frame. */
export function decodeOutputFrame(frame: Uint8Array): OutputFrame {
  if (frame.length < PREFIX) throw new Error(`binary frame too short (${frame.length} bytes)`)
  if (frame[0] !== FRAME_TERMINAL_OUTPUT) throw new Error(`unknown binary frame kind ${frame[0]} (this page expects ${FRAME_TERMINAL_OUTPUT}: reload it)`)
  const n = (frame[1] << 8) | frame[2]
  if (frame.length < PREFIX + n) throw new Error('binary frame shorter than its header')
  const h = JSON.parse(decoder.decode(frame.subarray(PREFIX, PREFIX + n))) as Partial<OutputFrameHeader>
  if (typeof h.polecatId !== 'string' || typeof h.sessionId !== 'string' || !Number.isSafeInteger(h.seq)) {
    throw new Error('binary frame header is missing polecatId, sessionId or seq')
  }
  return { polecatId: h.polecatId, sessionId: h.sessionId, seq: h.seq!, bytes: frame.subarray(PREFIX + n) }
}
