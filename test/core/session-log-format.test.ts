// The session log's format on disk and its one reader: output is stored as base64 of the terminal's bytes
// (JSON text escapes every ESC), logs from before that still read, a crash loses nothing that reached the
// file, a torn last line keeps what it can, and a character split across two chunks reads whole.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SessionLog, appendSessionEvent, readSessionLog, readSessionOutput } from '../../src/main/core/sessions/session-log'
import { ROOT, removeDir, tempDir } from '../support/fixtures'

const T = '2025-01-02T03:04:05.678Z'
const bytes = (s: string) => Buffer.from(s)
const hex = (h: string) => Buffer.from(h, 'hex')
const fileLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean)

function withDir(name: string, fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = tempDir(name)
    try {
      await fn(dir)
    } finally {
      removeDir(dir)
    }
  }
}

test(
  'output is stored as base64 of its bytes and read back as the text it was, in order with input and events',
  withDir('log-format', (dir) => {
    const path = join(dir, 's.jsonl')
    const log = new SessionLog(path)
    const first = '\x1b[32m✓\x1b[0m naïve 日本 🚀\r\n'
    log.event('session.started', { polecat: 'sample/nux' })
    log.output(1, bytes(first))
    log.input('typed\r')
    log.output(2, bytes('\x1b[2Jmore'))
    log.close()

    const stored = fileLines(path).map((l) => JSON.parse(l))
    assert.deepEqual(
      stored.map((l) => l.kind),
      ['event', 'output', 'input', 'output']
    )
    const out = stored.filter((l) => l.kind === 'output')
    for (const l of out) assert.deepEqual(Object.keys(l), ['t', 'kind', 'seq', 'b64'])
    assert.equal(Buffer.from(out[0].b64, 'base64').toString('utf8'), first, 'the bytes as they were')
    assert.ok(!readFileSync(path, 'utf8').includes('\\u001b'), 'no escaped ESC in the file')

    const lines = readSessionLog(path)
    assert.deepEqual(
      lines.map((l) => (l.kind === 'event' ? l.event : l.data)),
      ['session.started', first, 'typed\r', '\x1b[2Jmore']
    )
    assert.ok(lines.every((l) => !Number.isNaN(Date.parse(l.t))), 'every line keeps its time')
    assert.deepEqual(readSessionOutput(path), { data: first + '\x1b[2Jmore', lastSeq: 2 })
  })
)

test(
  'logs from before base64 (output as JSON text) still read, alone and followed by new lines',
  withDir('log-old', (dir) => {
    const path = join(dir, 'old.jsonl')
    const old = [
      { t: T, kind: 'event', event: 'session.started', data: { polecat: 'sample/nux' } },
      { t: T, kind: 'output', seq: 1, data: '\x1b[1mold ✓\x1b[0m\r\n' },
      { t: T, kind: 'input', by: 'human', data: 'y\r' },
      { t: T, kind: 'output', seq: 2, data: 'still old\r\n' },
      { t: T, kind: 'event', event: 'session.exited', data: { exitCode: 0 } }
    ]
    writeFileSync(path, old.map((l) => JSON.stringify(l) + '\n').join(''))
    assert.deepEqual(readSessionLog(path), old, 'an old log reads exactly as it was written')
    assert.deepEqual(readSessionOutput(path), { data: '\x1b[1mold ✓\x1b[0m\r\nstill old\r\n', lastSeq: 2 })

    // Reconciliation appends to old logs; a log with both kinds of output line reads in order.
    const log = new SessionLog(path)
    log.output(3, bytes('new ✓'))
    log.close()
    assert.deepEqual(readSessionOutput(path), { data: '\x1b[1mold ✓\x1b[0m\r\nstill old\r\nnew ✓', lastSeq: 3 })
  })
)

test(
  'a torn last line after a crash: an output line keeps the bytes that reached the disk, any other is skipped',
  withDir('log-torn', (dir) => {
    const path = join(dir, 'torn.jsonl')
    const log = new SessionLog(path)
    log.output(1, bytes('whole line\r\n'))
    log.close()
    const tail = 'the last chunk, cut short by the crash'
    const line = `{"t":"${T}","kind":"output","seq":2,"b64":"${bytes(tail).toString('base64')}"}\n`
    appendFileSync(path, line.slice(0, line.indexOf('"b64":"') + 7 + 22)) // 22 base64 chars: 20 whole + 2 of the next group
    assert.deepEqual(readSessionOutput(path), { data: 'whole line\r\n' + tail.slice(0, 15), lastSeq: 2 }, '5 whole groups of 4 are 15 bytes')
    const lines = readSessionLog(path)
    assert.equal(lines.length, 2)
    assert.deepEqual(lines[1], { t: T, kind: 'output', seq: 2, data: tail.slice(0, 15) })

    const other = join(dir, 'torn-event.jsonl')
    const log2 = new SessionLog(other)
    log2.output(1, bytes('kept'))
    log2.close()
    appendFileSync(other, '{"t":"2025-01-02T03:04:05.678Z","kind":"event","event":"session.ex')
    assert.deepEqual(readSessionLog(other).map((l) => l.kind), ['output'], 'the torn event is skipped')
    assert.equal(readSessionOutput(other).data, 'kept')
  })
)

test(
  'a character split across two output lines reads whole on the later line; one cut short at the end reads as U+FFFD',
  withDir('log-split', (dir) => {
    const path = join(dir, 'split.jsonl')
    const log = new SessionLog(path)
    log.output(1, hex('61e29c')) // "a" and the first two bytes of ✓ (E2 9C 93)
    log.event('between') // lines of other kinds between the two halves do not matter
    log.output(2, hex('9362')) // the last byte of ✓, "b"
    log.event('and another') // (chunks one after another would share a line)
    log.output(3, hex('63f09f9a')) // "c" and three of the four bytes of 🚀
    log.close()
    const out = readSessionLog(path).flatMap((l) => (l.kind === 'output' ? [l.data] : []))
    assert.deepEqual(out, ['a', '✓b', 'c\ufffd'])
    assert.deepEqual(readSessionOutput(path), { data: 'a✓bc\ufffd', lastSeq: 3 })
  })
)

test(
  'output that reached the log survives a crash of the app: it is written within 50 ms, not on close',
  withDir('log-crash', (dir) => {
    const path = join(dir, 'crash.jsonl')
    const module = join(ROOT, 'src', 'main', 'core', 'sessions', 'session-log.ts')
    // A real process that logs output, then is killed (SIGKILL: no exit handlers, no close) 300 ms later.
    const script = `import { SessionLog } from ${JSON.stringify(module)}
const log = new SessionLog(${JSON.stringify(path)})
log.output(1, Buffer.from('before the crash ✓\\r\\n'))
log.output(2, Buffer.from('\\x1b[31mand this\\x1b[0m'))
setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300)`
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 })
    assert.equal(r.signal, 'SIGKILL', `the logger was killed (${r.stderr})`)
    assert.deepEqual(readSessionOutput(path), { data: 'before the crash ✓\r\n\x1b[31mand this\x1b[0m', lastSeq: 2 })
  })
)

test(
  'the chunks of one write period are one output line: all their bytes in order, seq the last one\'s; a long run is cut into lines of about 256 KiB',
  withDir('log-batch', (dir) => {
    const path = join(dir, 'batch.jsonl')
    const log = new SessionLog(path)
    log.output(1, bytes('one '))
    log.output(2, bytes('two ✓ '))
    log.output(3, bytes('three'))
    log.event('between')
    log.output(4, bytes('four'))
    log.close()
    const stored = fileLines(path).map((l) => JSON.parse(l))
    assert.deepEqual(
      stored.map((l) => [l.kind, l.seq]),
      [['output', 3], ['event', undefined], ['output', 4]],
      'one line for the three chunks before the event'
    )
    assert.equal(Buffer.from(stored[0].b64, 'base64').toString('utf8'), 'one two ✓ three')
    assert.deepEqual(readSessionOutput(path), { data: 'one two ✓ threefour', lastSeq: 4 })

    // 3 MiB in chunks of odd sizes (base64 is made in slices: their joins must not show)
    const big = join(dir, 'big.jsonl')
    const log2 = new SessionLog(big)
    const all: Buffer[] = []
    let seq = 0
    for (let n = 0; n < 3 * 1024 * 1024; ) {
      const size = 1 + ((seq * 7919) % 65_000)
      const chunk = Buffer.alloc(size, String.fromCharCode(97 + (seq % 26)))
      all.push(chunk)
      log2.output(++seq, chunk)
      n += size
    }
    log2.close()
    const lines = fileLines(big).map((l) => JSON.parse(l))
    assert.ok(lines.length >= 12 && lines.length < 20, `${lines.length} lines for 3 MiB: lines of about 256 KiB`)
    assert.ok(lines.every((l, i) => i === 0 || l.seq > lines[i - 1].seq), 'seq grows line by line')
    const out = readSessionOutput(big)
    assert.equal(out.lastSeq, seq)
    assert.ok(out.data === Buffer.concat(all).toString('utf8'), 'every byte, in order')
  })
)

test(
  'a log whose writer died mid-line reads on: the next writer (reconciliation after a restart) starts a new line',
  withDir('log-reopen', (dir) => {
    const path = join(dir, 'torn.jsonl')
    const log = new SessionLog(path)
    log.output(1, bytes('whole\r\n'))
    log.close()
    const line = `{"t":"${T}","kind":"output","seq":2,"b64":"${bytes('cut short here').toString('base64')}"}\n`
    appendFileSync(path, line.slice(0, line.indexOf('"b64":"') + 7 + 8)) // the crash: 8 base64 chars, 6 bytes
    appendSessionEvent(path, 'session.reconciled', { why: 'the app restarted' })
    const lines = readSessionLog(path)
    assert.deepEqual(
      lines.map((l) => (l.kind === 'event' ? l.event : l.data)),
      ['whole\r\n', 'cut sh', 'session.reconciled'],
      'the torn output is kept and the event after it is read'
    )
  })
)

test(
  'kill -9 of a writer in the middle of a flood: the log reads back as an exact prefix of what it was given, with everything given before the last write period',
  withDir('log-kill', (dir) => {
    const path = join(dir, 'flood.jsonl')
    const module = join(ROOT, 'src', 'main', 'core', 'sessions', 'session-log.ts')
    // chunk k: its number and a run of one letter, 1 to 40000 bytes (the sizes TerminalStream's batches have)
    const chunk = `(k) => Buffer.from('<' + k + '>' + String.fromCharCode(97 + (k % 26)).repeat(1 + ((k * 7919) % 40000)))`
    const script = `import { SessionLog } from ${JSON.stringify(module)}
const chunk = ${chunk}
const log = new SessionLog(${JSON.stringify(path)})
let k = 0, given = 0
const flood = (ms, then) => { const end = performance.now() + ms; const step = () => { for (let i = 0; i < 8; i++) { const c = chunk(++k); log.output(k, c); given += c.length } performance.now() < end ? setImmediate(step) : then() }; step() }
flood(300, () => {
  process.stdout.write(given + '\\n') // everything so far is written within 50 ms: the pause below is longer
  setTimeout(() => flood(1000, () => {}), 150)
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 150 + 40 + Math.random() * 60)
})`
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
    assert.equal(r.signal, 'SIGKILL', `the writer was killed (${r.stderr})`)
    const before = Number(r.stdout.trim())
    assert.ok(before > 100_000, `the writer flooded (${before} bytes before the pause)`)
    const makeChunk = eval(chunk) as (k: number) => Buffer
    const out = readSessionOutput(path)
    let expected = ''
    for (let k = 1; expected.length < out.data.length; k++) expected += makeChunk(k).toString('utf8')
    assert.ok(out.data.length >= before, `everything given before the pause is in the log (${out.data.length} of at least ${before} bytes)`)
    assert.ok(out.data === expected.slice(0, out.data.length), 'the log is an exact prefix of the output: no gap, no garbage')
    // and the log takes more lines after the crash
    appendSessionEvent(path, 'session.reconciled')
    const last = readSessionLog(path).at(-1)
    assert.ok(last?.kind === 'event' && last.event === 'session.reconciled', 'the event after the crash is read')
  })
)
