// The batch a terminal's reads land in: what goes in comes out once, in order, as whole UTF-8 characters,
// whatever the order of reads, takes and the buffer's compaction (a read's place is fixed before a timer's
// take can run, so a take must never move where the next read lands).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { OutputBatch } from '../../src/main/core/terminals/output-batch'
import { READ_BYTES } from '../../src/main/core/terminals/pty-reader'

/** A read as the kernel does it: bytes written into the place given, then reported. */
function readInto(b: OutputBatch, place: Buffer, data: Uint8Array): void {
  assert.ok(data.length <= place.length, 'a read never exceeds its buffer')
  place.set(data)
  b.landed(data.length)
}

test('a take between a read being placed and landing does not move where it lands', () => {
  const b = new OutputBatch(64)
  readInto(b, b.readTarget(), Buffer.from('abc'))
  const next = b.readTarget() // the place the native side now holds
  assert.equal(b.take(false)?.toString(), 'abc') // a timer's flush runs here
  readInto(b, next, Buffer.from('def'))
  assert.equal(b.take(false)?.toString(), 'def')
  assert.equal(b.take(false), null, 'nothing twice')
})

test('a character cut short by a read waits for its rest; `whole` sends it as it is', () => {
  const b = new OutputBatch(64)
  const check = Buffer.from('ok ✓')
  b.append(check.subarray(0, check.length - 1))
  assert.equal(b.take(false)?.toString(), 'ok ')
  assert.equal(b.bytes, 2)
  assert.equal(b.take(false), null, 'only part of a character: nothing to send yet')
  b.append(check.subarray(check.length - 1))
  assert.equal(b.take(false)?.toString(), '✓')
  b.append(Buffer.from([0xe2, 0x9c]))
  assert.deepEqual([...b.take(true)!], [0xe2, 0x9c], 'the agent ended: the rest goes as it is')
})

test('a taken batch is a buffer of its own, exactly its size: nothing it is kept in holds the batch alive', () => {
  const b = new OutputBatch(1024)
  readInto(b, b.readTarget(), Buffer.from('hello'))
  const out = b.take(false)!
  assert.equal(out.buffer.byteLength, 5)
  readInto(b, b.readTarget(), Buffer.from('HELLO'))
  assert.equal(out.toString(), 'hello', 'later reads do not write over it')
})

test('thousands of reads, takes at random (some between placing and landing) and chunks bigger than a batch: every byte once, in order', () => {
  const max = 16 * 1024
  const b = new OutputBatch(max)
  const sent: Buffer[] = []
  const got: Buffer[] = []
  let place = b.readTarget()
  let seed = 7
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
  for (let i = 0; i < 5000; i++) {
    // Text with multi-byte characters, so cuts fall inside them.
    const data = Buffer.from(randomBytes(1 + rand(READ_BYTES / 2)).toString('base64').replace(/[A-F]/g, '✓').slice(0, 1 + rand(READ_BYTES / 4)))
    if (rand(100) === 0) {
      // The stream's path: a chunk copied in, possibly bigger than a whole batch.
      const big = Buffer.from('ü'.repeat(max))
      b.append(big)
      sent.push(big)
      place = b.readTarget()
    } else {
      readInto(b, place, data.subarray(0, Math.min(data.length, place.length)))
      sent.push(data.subarray(0, Math.min(data.length, place.length)))
      if (rand(3) === 0) {
        const t = b.take(false)
        if (t) got.push(t)
      }
      place = b.readTarget()
    }
    if (b.bytes >= max) {
      const t = b.take(false)
      if (t) got.push(t)
    }
    if (rand(4) === 0) {
      const t = b.take(false) // after the next read was placed
      if (t) got.push(t)
    }
  }
  const t = b.take(true)
  if (t) got.push(t)
  assert.ok(Buffer.concat(got).equals(Buffer.concat(sent)), 'the bytes taken are the bytes read')
  for (const g of got) assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(g), 'each batch decodes on its own')
})
