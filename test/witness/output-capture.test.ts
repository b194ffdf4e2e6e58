// Bounded output: the first and the last bytes, whatever is printed, and no character cut in two.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OutputCapture } from '../../src/main/core/witness/output-capture'

test('short output is all in the head; the tail is empty', () => {
  const c = new OutputCapture(100, 100)
  c.push(Buffer.from('hello\n'))
  c.push(Buffer.from('world\n'))
  assert.deepEqual(c.result(), { head: 'hello\nworld\n', tail: '', totalBytes: 12, truncated: false })
})

test('long output keeps exactly its first and last bytes, across chunks of any size', () => {
  const text = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join('')
  for (const size of [1, 13, 4096, text.length]) {
    const c = new OutputCapture(50, 80)
    for (let i = 0; i < text.length; i += size) c.push(Buffer.from(text.slice(i, i + size)))
    const r = c.result()
    assert.equal(r.head, text.slice(0, 50), `chunks of ${size}`)
    assert.equal(r.tail, text.slice(-80), `chunks of ${size}`)
    assert.equal(r.totalBytes, text.length)
    assert.equal(r.truncated, true)
  }
})

test('output just longer than the head fills the tail without a gap', () => {
  const c = new OutputCapture(4, 10)
  c.push(Buffer.from('0123456789'))
  assert.deepEqual(c.result(), { head: '0123', tail: '456789', totalBytes: 10, truncated: false })
})

test('a character cut by a limit is dropped, not shown as a broken one', () => {
  const c = new OutputCapture(2, 2)
  c.push(Buffer.from('é—middle—ü')) // é is 2 bytes, — is 3, ü is 2
  const r = c.result()
  assert.equal(r.head, 'é')
  assert.equal(r.tail, 'ü')
  const cut = new OutputCapture(4, 4)
  cut.push(Buffer.from('a—b…z—')) // head: a + 3 bytes of —; tail: the last 4 bytes: z + —
  assert.equal(cut.result().head, 'a—')
  assert.equal(cut.result().tail, 'z—')
  const mid = new OutputCapture(3, 3)
  mid.push(Buffer.from('aé——')) // head "a" + é; tail: the 3 bytes of the last —
  assert.equal(mid.result().head, 'aé')
  assert.equal(mid.result().tail, '—')
  const broken = new OutputCapture(2, 0)
  broken.push(Buffer.from('a—'))
  assert.equal(broken.result().head, 'a', 'the first byte of — alone is not shown')
})
