// A session log on a disk that refuses writes (/dev/full: every write fails with ENOSPC, a real device, no
// stand-in): nothing throws, the owner hears of it once, what the disk did not take stays in memory within a
// bound, and a terminal keeps streaming to its viewers while its log cannot be written.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { HELD_MAX, SessionLog } from '../../src/main/core/sessions/session-log'
import { TerminalStream } from '../../src/main/core/terminals/terminal-stream'
import { BackgroundBudget } from '../../src/main/core/terminals/background-budget'
import { eventually, removeDir, tempDir } from '../support/fixtures'

const FULL = '/dev/full'
const noFull = !existsSync(FULL) && `${FULL} is missing on this machine (it fails every write with ENOSPC)`

test('a log on a full disk never throws: the owner hears once, output is held within a bound, close reports the loss', { skip: noFull }, async () => {
  const troubles: string[] = []
  const log = new SessionLog(FULL, { onTrouble: (m) => troubles.push(m) })
  log.event('session.started', { polecat: 'sample/nux' }) // written at once: fails at once
  assert.equal(troubles.length, 1, 'told once')
  assert.match(troubles[0], /cannot write the session log \/dev\/full: .*ENOSPC/)
  const mib = Buffer.alloc(1024 * 1024, 'x')
  for (let i = 0; i < 80; i++) log.output(i + 1, mib) // more than HELD_MAX in all
  log.input('typed\r')
  assert.equal(troubles.length, 1, 'still told only once while the trouble lasts')
  // The retry (every second) turns what is pending into held bytes and drops the oldest beyond the bound.
  await eventually(() => troubles.length === 2, 'the loss of the oldest held output to be reported', 5_000)
  assert.match(troubles[1], /dropping its oldest unwritten output/)
  assert.ok(log.heldBytes <= HELD_MAX, `held ${log.heldBytes} bytes, bound ${HELD_MAX}`)
  assert.ok(log.heldBytes > HELD_MAX / 2 - 2 * 1024 * 1024, `the newest half is kept (less the line it was cut at): ${log.heldBytes}`)
  log.close()
  assert.equal(troubles.length, 3)
  assert.match(troubles[2], /lost its last \d+ bytes/)
})

test('a terminal keeps streaming to its viewers while its log cannot be written', { skip: noFull }, async () => {
  const dir = tempDir('full-log')
  const budget = new BackgroundBudget(1e12)
  const troubles: string[] = []
  const log = new SessionLog(FULL, { onTrouble: (m) => troubles.push(m) })
  const script = `for(let i=0;i<2000;i++)process.stdout.write('line '+i+'\\n');process.stdout.write('END-OF-OUTPUT\\n');setInterval(()=>{},1e9)`
  const stream = new TerminalStream('r/full', 's-full', { file: process.execPath, args: ['-e', script], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, log, budget)
  let seen = ''
  try {
    stream.attach({ id: 'v', send: (e) => e.type === 'terminal.output' && ((seen += Buffer.from(e.data).toString('utf8')), stream.ack('v', e.data.length)) })
    await eventually(() => seen.includes('END-OF-OUTPUT'), 'the viewer to get all the output')
    assert.match(seen, /line 1999\r\n/)
    await eventually(() => troubles.length > 0, 'the log trouble to be reported')
    assert.equal(stream.running, true, 'the agent still runs')
  } finally {
    stream.kill('SIGKILL')
    log.close() // a failing log retries until closed
    budget.dispose()
    removeDir(dir)
  }
})
