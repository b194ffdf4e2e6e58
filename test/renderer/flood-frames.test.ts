// FloodFrames against xterm's real parser (@xterm/headless, same version as the app's xterm): a flooded
// terminal's screen is held in synchronized-output blocks that always end, never while an agent holds its
// own block, never while a human types, and never twice without a frame drawn in between.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Terminal } from '@xterm/headless'
import { FLOOD_CHARS_PER_FRAME, FLOOD_FRAME_MS, FloodFrames } from '../../src/renderer/src/terminal/flood-frames'

function setup() {
  const term = new Terminal({ allowProposedApi: true, cols: 80, rows: 24 })
  const renders: (() => void)[] = []
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = []
  const flood = new FloodFrames(
    {
      write: (d) => term.write(d),
      parser: term.parser,
      onRender: (l) => {
        renders.push(l)
        return { dispose: () => {} }
      }
    },
    (fn, ms) => {
      const t = { fn, ms, cancelled: false }
      timers.push(t)
      return () => (t.cancelled = true)
    }
  )
  /** Writes output the way TermSession does, and resolves once xterm has parsed it. */
  const output = (data: string) => {
    flood.beforeWrite(data.length)
    return new Promise<void>((r) => term.write(data, r))
  }
  const agent = (data: string) => new Promise<void>((r) => term.write(data, r)) // as part of the output, uncounted
  const held = () => term.modes.synchronizedOutputMode
  const drawn = () => renders.forEach((l) => l())
  const fire = () => {
    const t = timers.at(-1)!
    assert.equal(t.ms, FLOOD_FRAME_MS)
    if (!t.cancelled) t.fn()
  }
  const parsed = () => new Promise<void>((r) => term.write('', r))
  return { term, flood, output, agent, held, drawn, fire, parsed, timers }
}

const screens = (n: number) => 'x'.repeat(n)

test('a trickle of output is never held', async () => {
  const s = setup()
  for (let i = 0; i < 50; i++) {
    await s.output('a short line\r\n')
    s.drawn()
  }
  assert.equal(s.held(), false)
  assert.equal(s.timers.length, 0)
})

test('a flood is held until its frame time is up, then released, and held again only after a frame was drawn', async () => {
  const s = setup()
  await s.output(screens(FLOOD_CHARS_PER_FRAME))
  assert.equal(s.held(), true, 'held once a frame\'s worth of output is waiting')
  await s.output(screens(FLOOD_CHARS_PER_FRAME))
  assert.equal(s.timers.length, 1, 'one block at a time')
  s.fire()
  await s.parsed()
  assert.equal(s.held(), false, 'released after the frame time')
  await s.output(screens(2 * FLOOD_CHARS_PER_FRAME))
  assert.equal(s.held(), false, 'no new block before the released screen was drawn')
  s.drawn()
  await s.output(screens(FLOOD_CHARS_PER_FRAME))
  assert.equal(s.held(), true, 'held again once drawn')
})

test('an agent\'s own synchronized-output block is never cut short', async () => {
  const s = setup()
  await s.agent('\x1b[?2026h') // the agent starts redrawing its screen
  await s.output(screens(FLOOD_CHARS_PER_FRAME))
  s.fire()
  await s.parsed()
  assert.equal(s.held(), true, 'our release leaves the agent\'s block alone')
  await s.agent('\x1b[?2026l')
  assert.equal(s.held(), false, 'the agent ends its own block')
})

test('nothing is held while a human types into the terminal, and a block in progress ends at once', async () => {
  const s = setup()
  await s.output(screens(FLOOD_CHARS_PER_FRAME))
  assert.equal(s.held(), true)
  s.flood.setEnabled(false)
  await s.parsed()
  assert.equal(s.held(), false)
  assert.equal(s.timers[0].cancelled, true)
  s.drawn()
  await s.output(screens(4 * FLOOD_CHARS_PER_FRAME))
  assert.equal(s.held(), false)
})
