// The binary frame that carries terminal output on the WebSocket: what goes in comes out, byte for byte
// (the view acknowledges its length in bytes, the unit the core counts); anything malformed is refused with
// a reason, a frame of the old version included.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FRAME_TERMINAL_OUTPUT, decodeOutputFrame, encodeOutputFrame, encodeOutputFrameHead } from '../../src/shared/terminal-frame'

const ev = (data: Uint8Array) => ({ polecatId: 'sample/nux', sessionId: 's-1', seq: 42, data })

test('output round-trips byte for byte with its header', () => {
  for (const text of ['', 'plain ascii\r\n', '\x1b[32m✓\x1b[0m done ──── 🚀 naïve 日本語', 'x'.repeat(200_000)]) {
    const data = Buffer.from(text)
    const frame = encodeOutputFrame(ev(data))
    assert.equal(frame[0], FRAME_TERMINAL_OUTPUT)
    const out = decodeOutputFrame(frame)
    assert.deepEqual({ ...out, bytes: undefined }, { polecatId: 'sample/nux', sessionId: 's-1', seq: 42, bytes: undefined })
    assert.deepEqual(Buffer.from(out.bytes), data)
    assert.equal(out.bytes.length, data.length, 'the frame is cut to the bytes written')
  }
  // A view onto a larger buffer (a chunk cut from a batch) sends only its own bytes.
  const batch = Buffer.from('abcdef')
  assert.equal(Buffer.from(decodeOutputFrame(encodeOutputFrame(ev(batch.subarray(1, 4)))).bytes).toString(), 'bcd')
})

test('the head and the output sent one after the other (two fragments of one WebSocket message) are the frame', () => {
  const data = Buffer.from('\x1b[1m✓ two fragments\x1b[0m')
  const head = encodeOutputFrameHead(ev(data))
  const joined = Buffer.concat([head, data])
  assert.deepEqual(joined, Buffer.from(encodeOutputFrame(ev(data))))
  assert.deepEqual(Buffer.from(decodeOutputFrame(joined).bytes), data)
})

test('malformed frames are refused with a reason', () => {
  const good = encodeOutputFrame(ev(Buffer.from('hi')))
  assert.throws(() => decodeOutputFrame(new Uint8Array([2, 0])), /too short/)
  assert.throws(() => decodeOutputFrame(Uint8Array.from([9, ...good.subarray(1)])), /unknown binary frame kind 9/)
  assert.throws(() => decodeOutputFrame(Uint8Array.from([1, ...good.subarray(1)])), /kind 1 .*reload/, 'a frame of version 1 asks for a reload')
  assert.throws(() => decodeOutputFrame(Uint8Array.from([2, 0xff, 0xff, 0x7b])), /shorter than its header/)
  const header = new TextEncoder().encode(JSON.stringify({ polecatId: 'a', seq: 1 }))
  assert.throws(() => decodeOutputFrame(Uint8Array.from([2, 0, header.length, ...header])), /missing polecatId, sessionId or seq/)
  const notJson = new TextEncoder().encode('{nope')
  assert.throws(() => decodeOutputFrame(Uint8Array.from([2, 0, notJson.length, ...notJson])), SyntaxError)
})
