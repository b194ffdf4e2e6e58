// The binary frame that carries terminal output on the WebSocket: what goes in comes out, byte for byte,
// with the length in chars the core's flow control counts; anything malformed is refused with a reason.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FRAME_TERMINAL_OUTPUT, asViewEvent, decodeOutputFrame, encodeOutputFrame } from '../../src/shared/terminal-frame'

const ev = (data: string) => ({ polecatId: 'sample/nux', sessionId: 's-1', seq: 42, data })

test('output round-trips as UTF-8 with its header and its length in chars', () => {
  for (const data of ['', 'plain ascii\r\n', '\x1b[32m✓\x1b[0m done ──── 🚀 naïve 日本語', 'x'.repeat(200_000)]) {
    const frame = encodeOutputFrame(ev(data))
    assert.equal(frame[0], FRAME_TERMINAL_OUTPUT)
    const out = decodeOutputFrame(frame)
    assert.deepEqual({ ...out, bytes: undefined }, { polecatId: 'sample/nux', sessionId: 's-1', seq: 42, chars: data.length, bytes: undefined })
    assert.equal(new TextDecoder().decode(out.bytes), data)
    assert.equal(out.bytes.length, Buffer.byteLength(data), 'the frame is cut to the bytes written')
  }
})

test('malformed frames are refused with a reason', () => {
  const good = encodeOutputFrame(ev('hi'))
  assert.throws(() => decodeOutputFrame(new Uint8Array([1, 0])), /too short/)
  assert.throws(() => decodeOutputFrame(Uint8Array.from([9, ...good.subarray(1)])), /unknown binary frame kind 9/)
  assert.throws(() => decodeOutputFrame(Uint8Array.from([1, 0xff, 0xff, 0x7b])), /shorter than its header/)
  const header = new TextEncoder().encode(JSON.stringify({ polecatId: 'a', seq: 1, chars: 2 }))
  assert.throws(() => decodeOutputFrame(Uint8Array.from([1, 0, header.length, ...header])), /missing polecatId, sessionId, seq or chars/)
  const notJson = new TextEncoder().encode('{nope')
  assert.throws(() => decodeOutputFrame(Uint8Array.from([1, 0, notJson.length, ...notJson])), SyntaxError)
})

test('output that arrives whole (IPC) is counted in chars like a binary frame; other events pass unchanged', () => {
  assert.deepEqual(asViewEvent({ type: 'terminal.output', ...ev('✓ ok') }), { type: 'terminal.output', ...ev('✓ ok'), chars: 4 })
  const exit = { type: 'terminal.exit' as const, polecatId: 'sample/nux', sessionId: 's-1', exitCode: 0, reason: 'done' }
  assert.equal(asViewEvent(exit), exit)
})
