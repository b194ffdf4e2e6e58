#!/usr/bin/env node
// The benchmark's stand-in for a chatty agent: writes typical terminal text (log lines with SGR colours,
// the odd UTF-8 glyph, '\n' that the PTY turns into CRLF) as fast as the PTY takes it.
//
//   node producer.mjs --bytes N --cues DIR [--go NAME] [--loop] [--seed S]
//   node producer.mjs --dump [--seed S]     (prints the repeated text block and exits)
//
// It prints one "ready" line, then waits for the cue file DIR/NAME (default "go") so the measurement starts
// when the harness says so, not when the process happens to start. Then it writes, in this order:
//   OSC 7777;start BEL, N bytes of text (exactly N bytes as written by the program), OSC 7777;done BEL, "\n".
// With --loop it keeps flooding after the sentinel until it is killed (the "20 agents" flood), otherwise it
// waits (idle) to be killed, so its session stays live and the PTY never closes under the reader.
// Writes to a TTY are synchronous in Node on POSIX: when the reader pauses the PTY, this process blocks,
// exactly like a real agent CLI would.
import { existsSync, watch, writeSync } from 'node:fs'
import { join } from 'node:path'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const bytes = Number(opt('bytes', String(64 * 1024 * 1024)))
const cues = opt('cues', process.cwd())
const goName = opt('go', 'go')
const loop = args.includes('--loop')
let seed = Number(opt('seed', '1')) >>> 0 || 1

/** Small deterministic PRNG: the same text every run, no Math.random. */
const rnd = () => {
  seed ^= seed << 13
  seed >>>= 0
  seed ^= seed >>> 17
  seed ^= seed << 5
  seed >>>= 0
  return seed / 4294967296
}
const pick = (a) => a[Math.floor(rnd() * a.length)]

const WORDS = ('the parser reads each chunk and hands complete frames to the session while the worktree stays clean '
  + 'compiling module bundle resolve import export default function return const await async promise value '
  + 'request response header token cache miss hit retry timeout connect socket stream buffer flush write read').split(' ')
const FILES = ['src/main/core/core.ts', 'src/renderer/src/App.tsx', 'lib/parser/index.js', 'test/unit/store.test.ts', 'packages/cli/src/run.rs', 'internal/server/handler.go']
const LEVELS = [['\x1b[32m', 'INFO '], ['\x1b[36m', 'DEBUG'], ['\x1b[33m', 'WARN '], ['\x1b[31m', 'ERROR']]

function line(i) {
  const kind = rnd()
  const words = () => Array.from({ length: 6 + Math.floor(rnd() * 10) }, () => pick(WORDS)).join(' ')
  if (kind < 0.45) {
    const [c, l] = pick(LEVELS)
    const ms = String(Math.floor(rnd() * 1000)).padStart(3, '0')
    return `\x1b[2m12:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}.${ms}\x1b[0m ${c}${l}\x1b[0m ${words()}`
  }
  if (kind < 0.65) return `  \x1b[32m✓\x1b[0m ${words()} \x1b[2m(${Math.floor(rnd() * 200)}ms)\x1b[0m`
  if (kind < 0.75) return `\x1b[1m${pick(FILES)}\x1b[0m:${1 + Math.floor(rnd() * 900)}:${1 + Math.floor(rnd() * 80)} - \x1b[31merror\x1b[0m TS${2000 + Math.floor(rnd() * 800)}: ${words()}`
  if (kind < 0.8) return `\x1b[34m──\x1b[0m ${words()} \x1b[34m${'─'.repeat(20)}\x1b[0m`
  return `    ${words()}`
}

// A ~256 KiB block of distinct lines, repeated; the tail of the payload is a prefix of the block, cut at a line end.
let block = ''
for (let i = 0; Buffer.byteLength(block) < 256 * 1024; i++) block += line(i) + '\n'
const blockBuf = Buffer.from(block)

const out = 1 // stdout's fd: writeSync blocks while the PTY is paused
const writeAll = (buf) => {
  let off = 0
  while (off < buf.length) {
    try {
      off += writeSync(out, buf, off, Math.min(64 * 1024, buf.length - off))
    } catch (err) {
      if (err.code === 'EAGAIN') continue
      throw err
    }
  }
}

function waitForCue(file) {
  if (existsSync(file)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      if (!existsSync(file)) return
      w.close()
      clearInterval(t)
      resolve()
    }
    const w = watch(cues, done)
    const t = setInterval(done, 50) // belt and braces: some filesystems drop watch events
    done()
  })
}

if (args.includes('--dump')) {
  // the harness's browser-ceiling check feeds xterm the very same text, without a PTY
  writeAll(blockBuf)
  process.exit(0)
}

writeAll(Buffer.from('producer ready\n'))
await waitForCue(join(cues, goName))
writeAll(Buffer.from('\x1b]7777;start\x07'))
let left = bytes
while (left > 0) {
  const n = Math.min(left, blockBuf.length)
  writeAll(n === blockBuf.length ? blockBuf : blockBuf.subarray(0, n))
  left -= n
}
writeAll(Buffer.from('\x1b[0m\x1b]7777;done\x07\n'))
if (loop) for (;;) writeAll(blockBuf)
setInterval(() => {}, 1 << 30) // idle until killed
