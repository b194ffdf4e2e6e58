// Flow control with real PTYs: a viewer that stops acknowledging pauses the agent's PTY (nothing lost),
// acknowledging resumes it, and terminals nobody watches share a bounded output budget.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { FLOW, type CoreEvent } from '../../src/shared/contract'
import { TerminalStream } from '../../src/main/core/terminals/terminal-stream'
import { BackgroundBudget } from '../../src/main/core/terminals/background-budget'
import { ReplayBuffer } from '../../src/main/core/terminals/replay-buffer'
import { SessionLog, readSessionOutput } from '../../src/main/core/sessions/session-log'
import { eventually, removeDir, tempDir } from '../support/fixtures'

// Prints `total` chars of numbered lines (the PTY turns each \\n into \\r\\n) as fast as the PTY takes them, then a sentinel.
const producer = (total: number) => [
  '-e',
  `let n=0,left=${total};const line=i=>('line '+i+' ').padEnd(78,'.')+'\\n';function go(){while(left>0){const s=line(n++);left-=s.length;if(!process.stdout.write(s))return process.stdout.once('drain',go)}process.stdout.write('END-OF-OUTPUT\\n');setInterval(()=>{},1e9)}go()`
]

function spawnStream(dir: string, total: number, budget: BackgroundBudget, name = 'p') {
  const log = new SessionLog(join(dir, `${name}.jsonl`))
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' }
  return new TerminalStream(`r/${name}`, `s-${name}`, { file: process.execPath, args: producer(total), cwd: dir, env }, log, budget)
}

const bytes = (s: string) => Buffer.from(s)
const text = (events: CoreEvent[]) => Buffer.concat(events.flatMap((e) => (e.type === 'terminal.output' ? [e.data] : []))).toString('utf8')

test('replay buffer keeps the newest chunks within its size (in bytes) and their sequence numbers', () => {
  const r = new ReplayBuffer(10)
  r.push(bytes('aaaa'))
  r.push(bytes('bbbb'))
  assert.deepEqual(r.snapshot(), { data: 'aaaabbbb', seq: 2, truncated: false })
  r.push(bytes('cccc'))
  assert.deepEqual(r.snapshot(), { data: 'bbbbcccc', seq: 3, truncated: true })
  r.push(bytes('x'.repeat(50))) // one chunk larger than the buffer is kept whole
  assert.equal(r.snapshot().data, 'x'.repeat(50))
  const u = new ReplayBuffer(6)
  u.push(bytes('✓✓')) // 6 bytes, 2 chars: the bound counts bytes
  u.push(bytes('ab'))
  assert.deepEqual(u.snapshot(), { data: 'ab', seq: 2, truncated: true })
})

test('replay buffer: an agent printing a short line at a time is held in a few blocks, not a chunk per line, and replayed exactly', () => {
  const r = new ReplayBuffer(FLOW.replayBytes)
  let all = ''
  for (let i = 0; i < 20_000; i++) {
    const line = `fake-agent: still busy (${i}) ✓\r\n`
    r.push(bytes(line))
    all += line
  }
  const s = r.snapshot()
  assert.equal(s.seq, 20_000)
  assert.equal(s.truncated, true)
  assert.ok(all.endsWith(s.data), 'the newest output, in order')
  const held = Buffer.byteLength(s.data)
  assert.ok(held <= FLOW.replayBytes && held > FLOW.replayBytes - 8192, `${held} bytes held, within a block of the bound`)
  assert.match(s.data, /^fake-agent: still busy \(\d+\) ✓\r\n/, 'whole lines, whole characters: blocks are dropped whole')
  // 20,000 chunks of ~33 bytes each cost ~150 bytes of heap apiece when held one by one
  assert.ok(r.chunkCount < 200, `${r.chunkCount} chunks held for ${held} bytes`)

  // Large chunks stay as they are, small ones around them keep their order.
  const m = new ReplayBuffer(FLOW.replayBytes)
  const parts = ['a'.repeat(10), 'B'.repeat(5000), 'c'.repeat(10), 'd'.repeat(20), 'E'.repeat(9000), 'f']
  for (const p of parts) m.push(bytes(p))
  assert.deepEqual(m.snapshot(), { data: parts.join(''), seq: parts.length, truncated: false })
  assert.equal(m.chunkCount, 5)
})

test('a viewer that stops acknowledging pauses the PTY; acknowledging resumes it; nothing is lost', async () => {
  const dir = tempDir('flow')
  const budget = new BackgroundBudget(1e12)
  const total = 2_000_000
  const stream = spawnStream(dir, total, budget)
  const events: CoreEvent[] = []
  let received = 0
  try {
    stream.attach({ id: 'slow-view', send: (e) => (events.push(e), e.type === 'terminal.output' && (received += e.data.length)) })
    await eventually(() => stream.isPaused, 'the PTY to pause')
    // While paused, output stays bounded near the high-water mark (plus what was in flight): the solo window,
    // as this client watches no other terminal.
    const atPause = received
    assert.ok(atPause > FLOW.soloHighWater && atPause < FLOW.soloHighWater + 200_000, `paused after ${atPause} bytes`)
    // Acknowledge everything as it comes: the agent runs to the end.
    let acked = 0
    const drain = setInterval(() => {
      stream.ack('slow-view', received - acked)
      acked = received
    }, 2)
    await eventually(() => received > total && text(events).includes('END-OF-OUTPUT'), 'the producer to print everything', 30_000)
    clearInterval(drain)
    const all = text(events)
    assert.ok(all.endsWith('END-OF-OUTPUT\r\n'), `the last line arrived: ${all.length} chars, ends ${JSON.stringify(all.slice(-200))}`)
    assert.ok(all.length >= total, `all ${total} chars arrived (${all.length})`)
    const seqs = events.flatMap((e) => (e.type === 'terminal.output' ? [e.seq] : []))
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'sequence numbers have no gaps')
    stream.log.close()
    const logged = readSessionOutput(join(dir, 'p.jsonl')).data
    assert.equal(logged, all, 'the session log has exactly what the viewer saw')
  } finally {
    stream.kill('SIGKILL')
    budget.dispose()
    removeDir(dir)
  }
})

test('a view that stops acknowledging is dropped after FLOW.stallMs, so it cannot hold the agent; nothing is lost', async () => {
  const dir = tempDir('stalled')
  const budget = new BackgroundBudget(1e12)
  const stream = spawnStream(dir, 4 * FLOW.highWater, budget, 'stalled') // enough to fill the window whatever its size
  const events: CoreEvent[] = []
  try {
    stream.attach({ id: 'never-acks', send: (e) => events.push(e) })
    await eventually(() => stream.isPaused, 'the PTY to pause')
    await eventually(() => stream.snapshotState().data.includes('END-OF-OUTPUT'), 'the producer to finish although nobody acknowledges', 10_000)
    assert.ok(events.some((e) => e.type === 'terminal.lagged'), 'the stalled view was told it lagged')
    stream.log.close()
    const logged = readSessionOutput(join(dir, 'stalled.jsonl')).data
    assert.ok(logged.endsWith('END-OF-OUTPUT\r\n'), `logged ${logged.length} chars, the last line included`)
  } finally {
    stream.kill('SIGKILL')
    budget.dispose()
    removeDir(dir)
  }
})

test('unwatched terminals share the background budget; a watched one is not limited by it', async () => {
  const dir = tempDir('budget')
  const perSecond = 2_000_000
  const budget = new BackgroundBudget(perSecond, 50)
  const floods = [0, 1, 2, 3].map((i) => spawnStream(dir, 50_000_000, budget, `bg${i}`))
  try {
    const start = Date.now()
    await new Promise((r) => setTimeout(r, 1000)) // measuring a rate needs a span of time
    const seconds = (Date.now() - start) / 1000
    const total = floods.reduce((n, s) => n + s.outputBytes, 0)
    // Overshoot is bounded by one PTY buffer per stream per tick.
    assert.ok(total / seconds < perSecond * 4, `unwatched output ${Math.round(total / seconds)} chars/s stays near the budget of ${perSecond}`)
    assert.ok(floods.every((s) => s.running && s.outputBytes > 0), 'every unwatched agent still makes progress')

    // Watching one lifts the budget for it: it gets far more than its share.
    const watched = floods[0]
    let received = 0
    watched.attach({ id: 'v', send: (e) => e.type === 'terminal.output' && (received += e.data.length) })
    const drain = setInterval(() => watched.ack('v', received), 2)
    const before = watched.outputBytes
    await new Promise((r) => setTimeout(r, 500))
    clearInterval(drain)
    const watchedRate = (watched.outputBytes - before) / 0.5
    assert.ok(watchedRate > perSecond, `the watched terminal ran at ${Math.round(watchedRate)} chars/s`)
  } finally {
    for (const s of floods) s.kill('SIGKILL')
    budget.dispose()
    removeDir(dir)
  }
})

/** Runs `script` (node -e) in a stream whose viewer acknowledges everything at once, until its output satisfies `until`. */
async function run(dir: string, name: string, script: string, until: (text: string) => boolean) {
  const budget = new BackgroundBudget(1e12)
  const log = new SessionLog(join(dir, `${name}.jsonl`))
  const stream = new TerminalStream(`r/${name}`, `s-${name}`, { file: process.execPath, args: ['-e', script], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, log, budget)
  const events: CoreEvent[] = []
  const exited = new Promise<void>((resolve) => stream.onExit(() => resolve()))
  stream.attach({ id: 'v', send: (e) => (events.push(e), e.type === 'terminal.output' && stream.ack('v', e.data.length)) })
  try {
    await eventually(() => until(text(events)), `${name}: the expected output (got ${JSON.stringify(text(events))})`)
  } finally {
    stream.kill('SIGKILL')
    await exited
    log.close()
    budget.dispose()
  }
  return events
}

const chunksOf = (events: CoreEvent[]) => events.flatMap((e) => (e.type === 'terminal.output' ? [e.data] : []))

test('a character split across two PTY reads arrives whole, in one chunk: every chunk decodes on its own', async () => {
  const dir = tempDir('split')
  // '✓' is E2 9C 93: its first two bytes, a pause long enough for the core to read and send them, then the rest.
  const script = `const w=(h)=>require('fs').writeSync(1,Buffer.from(h,'hex'));w('6f6b20e29c');setTimeout(()=>{w('9320646f6e650a');setInterval(()=>{},1e9)},300)`
  try {
    const events = await run(dir, 'split', script, (t) => t.includes('done'))
    const chunks = chunksOf(events)
    assert.ok(chunks.length >= 2, `the first bytes were sent before the rest came (${chunks.length} chunks)`)
    const strict = new TextDecoder('utf-8', { fatal: true })
    for (const c of chunks) assert.doesNotThrow(() => strict.decode(c), `chunk ${Buffer.from(c).toString('hex')} is whole UTF-8`)
    assert.equal(text(events), 'ok ✓ done\r\n')
    assert.equal(readSessionOutput(join(dir, 'split.jsonl')).data, 'ok ✓ done\r\n', 'the log has it whole too')
  } finally {
    removeDir(dir)
  }
})

test('the start of a character the agent never finished is still sent and logged when it exits', async () => {
  const dir = tempDir('cut-short')
  const script = `require('fs').writeSync(1,Buffer.from('656e64e29c','hex'))` // "end" and two bytes of a three-byte character, then exit
  try {
    const budget = new BackgroundBudget(1e12)
    const log = new SessionLog(join(dir, 'cut.jsonl'))
    const stream = new TerminalStream('r/cut', 's-cut', { file: process.execPath, args: ['-e', script], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, log, budget)
    const events: CoreEvent[] = []
    stream.attach({ id: 'v', send: (e) => events.push(e) })
    await new Promise<void>((resolve) => stream.onExit(() => resolve()))
    log.close()
    budget.dispose()
    assert.equal(Buffer.concat(chunksOf(events)).toString('hex'), '656e64e29c', 'every byte the agent printed was sent')
    assert.equal(stream.outputBytes, 5)
    assert.equal(readSessionOutput(join(dir, 'cut.jsonl')).data, 'end\ufffd', 'and logged: the cut character reads as U+FFFD')
  } finally {
    removeDir(dir)
  }
})

test("the agent's terminal is in UTF-8 mode (IUTF8), as node-pty sets it when it decodes output itself", async () => {
  const dir = tempDir('iutf8')
  const script = `const o=require('child_process').execFileSync('stty',['-a'],{stdio:['inherit','pipe','inherit']}).toString();process.stdout.write((/(^|\\s)-iutf8/.test(o)?'IUTF8 OFF':/(^|\\s)iutf8/.test(o)?'IUTF8 ON':'IUTF8 ?')+'\\n');setInterval(()=>{},1e9)`
  try {
    const events = await run(dir, 'iutf8', script, (t) => /IUTF8 \S+/.test(t))
    assert.match(text(events), /IUTF8 ON/)
  } finally {
    removeDir(dir)
  }
})

/**
 * A flooding terminal and an idle one, for the page 'page' to watch: `inFlight()` is what the flood has sent
 * it and it has not acknowledged; `ackTo(n)` acknowledges all but the last n bytes.
 */
function floodAndIdle(dir: string, budget: BackgroundBudget, idleName: string) {
  const flood = spawnStream(dir, 50_000_000, budget, 'flood')
  const idle = new TerminalStream(`r/${idleName}`, `s-${idleName}`, { file: process.execPath, args: ['-e', 'setInterval(()=>{},1e9)'], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, new SessionLog(join(dir, `${idleName}.jsonl`)), budget)
  let received = 0
  let acked = 0
  return {
    flood,
    idle,
    watchFlood: () => flood.attach({ id: 'page', send: (e) => e.type === 'terminal.output' && (received += e.data.length) }),
    received: () => received,
    inFlight: () => received - acked,
    ackTo: (inFlight: number) => {
      flood.ack('page', received - acked - inFlight)
      acked = received - inFlight
    }
  }
}

test('while a client types into one terminal, its other terminals keep less in flight; a second after, their whole window', async () => {
  const dir = tempDir('typing')
  const budget = new BackgroundBudget(1e12)
  const { flood, idle, watchFlood, received, inFlight: unacked, ackTo } = floodAndIdle(dir, budget, 'idle')
  try {
    watchFlood()
    idle.attach({ id: 'page', send: () => {} })
    await eventually(() => flood.isPaused, 'the flood to fill its window')
    assert.ok(received() > FLOW.highWater, `the whole window went first (${received()} bytes)`)

    idle.write('x') // the page's human types into the other terminal
    ackTo((FLOW.typingLowWater + FLOW.lowWater) / 2) // under the whole window's low mark, over the typing one
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(flood.isPaused, true, 'while the page types elsewhere, the flood waits for the smaller window')

    ackTo(0)
    await eventually(() => flood.isPaused && unacked() > FLOW.typingHighWater, 'the flood to run and fill the smaller window')
    const inFlight = unacked()
    assert.ok(inFlight < FLOW.highWater, `it paused with ${inFlight} bytes in flight, within the smaller window and one batch`)

    ackTo((FLOW.typingLowWater + FLOW.lowWater) / 2)
    await eventually(() => unacked() > FLOW.highWater, 'the whole window again a second after the last keystroke', 5_000)
  } finally {
    flood.kill('SIGKILL')
    idle.kill('SIGKILL')
    budget.dispose()
    removeDir(dir)
  }
})

test('a client watching one terminal alone gets the bigger window; watching a second, both keep the shared one; one left, the bigger again', async () => {
  const dir = tempDir('solo')
  const budget = new BackgroundBudget(1e12)
  const { flood, idle: other, watchFlood, received, inFlight, ackTo } = floodAndIdle(dir, budget, 'other')
  try {
    watchFlood()
    await eventually(() => flood.isPaused, 'the flood to fill its window')
    assert.ok(received() > FLOW.soloHighWater, `alone, the bigger window went first (${received()} bytes)`)

    other.attach({ id: 'page', send: () => {} }) // the same page opens a second terminal
    ackTo((FLOW.lowWater + FLOW.highWater) / 2) // under the solo low mark, over the shared one
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(flood.isPaused, true, 'with two terminals on the page, the flood waits for the shared window')

    ackTo(0)
    await eventually(() => flood.isPaused && inFlight() > FLOW.lowWater, 'the flood to run and fill the shared window')
    assert.ok(inFlight() < FLOW.soloHighWater, `it paused with ${inFlight()} bytes in flight, within the shared window and one batch`)

    other.detach('page')
    ackTo((FLOW.lowWater + FLOW.highWater) / 2)
    await eventually(() => inFlight() > FLOW.soloHighWater, 'the bigger window again with one terminal left', 5_000)

    // An ended terminal counts no more: a terminal whose agent exited leaves the page's other one alone.
    other.attach({ id: 'page', send: () => {} })
    other.kill('SIGKILL')
    await eventually(() => !other.running, 'the second agent to end')
    ackTo(0)
    await eventually(() => flood.isPaused && inFlight() > FLOW.soloHighWater, 'the bigger window with the other terminal ended', 5_000)
  } finally {
    flood.kill('SIGKILL')
    other.kill('SIGKILL')
    budget.dispose()
    removeDir(dir)
  }
})
