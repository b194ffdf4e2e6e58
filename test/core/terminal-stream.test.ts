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

test('replay buffer keeps the newest chunks within its size and their sequence numbers', () => {
  const r = new ReplayBuffer(10)
  r.push('aaaa')
  r.push('bbbb')
  assert.deepEqual(r.snapshot(), { data: 'aaaabbbb', seq: 2, truncated: false })
  r.push('cccc')
  assert.deepEqual(r.snapshot(), { data: 'bbbbcccc', seq: 3, truncated: true })
  r.push('x'.repeat(50)) // one chunk larger than the buffer is kept whole
  assert.equal(r.snapshot().data, 'x'.repeat(50))
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
    // While paused, output stays bounded near the high-water mark (plus what was in flight).
    const atPause = received
    assert.ok(atPause > FLOW.highWater && atPause < FLOW.highWater + 200_000, `paused after ${atPause} chars`)
    // Acknowledge everything as it comes: the agent runs to the end.
    let acked = 0
    const drain = setInterval(() => {
      stream.ack('slow-view', received - acked)
      acked = received
    }, 2)
    const textOf = () => events.map((e) => (e.type === 'terminal.output' ? e.data : '')).join('')
    await eventually(() => textOf().includes('END-OF-OUTPUT'), 'the producer to print everything', 30_000)
    clearInterval(drain)
    const text = textOf()
    assert.ok(text.endsWith('END-OF-OUTPUT\r\n'), `the last line arrived: ${text.length} chars, ends ${JSON.stringify(text.slice(-200))}`)
    assert.ok(text.length >= total, `all ${total} chars arrived (${text.length})`)
    const seqs = events.flatMap((e) => (e.type === 'terminal.output' ? [e.seq] : []))
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'sequence numbers have no gaps')
    stream.log.close()
    const logged = readSessionOutput(join(dir, 'p.jsonl')).data
    assert.equal(logged, text, 'the session log has exactly what the viewer saw')
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
    const total = floods.reduce((n, s) => n + s.outputChars, 0)
    // Overshoot is bounded by one PTY buffer per stream per tick.
    assert.ok(total / seconds < perSecond * 4, `unwatched output ${Math.round(total / seconds)} chars/s stays near the budget of ${perSecond}`)
    assert.ok(floods.every((s) => s.running && s.outputChars > 0), 'every unwatched agent still makes progress')

    // Watching one lifts the budget for it: it gets far more than its share.
    const watched = floods[0]
    let received = 0
    watched.attach({ id: 'v', send: (e) => e.type === 'terminal.output' && (received += e.data.length) })
    const drain = setInterval(() => watched.ack('v', received), 2)
    const before = watched.outputChars
    await new Promise((r) => setTimeout(r, 500))
    clearInterval(drain)
    const watchedRate = (watched.outputChars - before) / 0.5
    assert.ok(watchedRate > perSecond, `the watched terminal ran at ${Math.round(watchedRate)} chars/s`)
  } finally {
    for (const s of floods) s.kill('SIGKILL')
    budget.dispose()
    removeDir(dir)
  }
})
