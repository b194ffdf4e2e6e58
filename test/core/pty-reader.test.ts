// Reading a real node-pty terminal in place (pty-reader.ts): on this Node (Linux) the reads land in the
// buffers given, not as 'data' chunks; a flood of numbered lines arrives whole and in order through pauses
// and resumes, and the agent's exit is still reported. If a Node upgrade takes the fields away, the first
// assertion fails here rather than the core quietly going back to the slower stream path.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as pty from 'node-pty'
import { READ_BYTES, readPtyInPlace } from '../../src/main/core/terminals/pty-reader'

const LINES = 100_000 // about 8 MiB
const producer = `for(let i=0;i<${LINES};i++)process.stdout.write(('line '+i+' ').padEnd(78,'.')+'\\n');process.stdout.write('END\\n')`

test('a flood read in place: every line once, in order, through pauses; no data events; the exit reported', { skip: process.platform === 'win32' ? 'node-pty on Windows reads ConPTY pipes, not a PTY socket' : false, timeout: 60_000 }, async () => {
  const proc = pty.spawn(process.execPath, ['-e', producer], { name: 'xterm-256color', cols: 200, rows: 24, cwd: process.cwd(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: null })
  const chunks: Buffer[] = []
  let slab = Buffer.allocUnsafe(READ_BYTES)
  let dataEvents = 0
  let reads = 0
  let biggest = 0
  proc.onData(() => dataEvents++)
  const inPlace = readPtyInPlace(
    proc,
    () => slab,
    (n) => {
      reads++
      biggest = Math.max(biggest, n)
      chunks.push(Buffer.from(slab.subarray(0, n)))
      slab = Buffer.allocUnsafe(READ_BYTES) // a new place each time: a stale one would show as lost lines
      // Pause now and then, as flow control does, and resume on a later turn.
      if (reads % 200 === 0) {
        proc.pause()
        setTimeout(() => proc.resume(), 2)
      }
    }
  )
  assert.equal(inPlace, true, "this Node's socket takes a buffer of ours (kBuffer, kBufferCb, kBufferGen, useUserBuffer)")
  const exit = await new Promise<number>((resolve) => proc.onExit(({ exitCode }) => resolve(exitCode)))
  await new Promise((r) => setTimeout(r, 200)) // the last reads may come after the exit is reported
  assert.equal(exit, 0)
  assert.equal(dataEvents, 0, 'no read came twice (as a data event too)')
  assert.ok(biggest <= READ_BYTES)
  const lines = Buffer.concat(chunks).toString('latin1').split('\r\n')
  assert.equal(lines.at(-2), 'END', `the end arrived (${reads} reads)`)
  const numbered = lines.slice(0, -2)
  assert.equal(numbered.length, LINES)
  for (let i = 0; i < LINES; i++) if (!numbered[i].startsWith(`line ${i} `)) assert.fail(`line ${i} is "${numbered[i].slice(0, 20)}"`)
})
