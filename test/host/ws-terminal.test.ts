// A live terminal over the headless host's WebSocket, as the page sees it: output arrives as binary frames
// whose bytes are exactly what the agent printed (multi-byte text included, in order, nothing lost), and
// acknowledging their length in bytes (notifications, no replies) keeps a flooding agent running.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { WebSocket } from 'ws'
import { startWebHost } from '../../src/main/host/web'
import { FLOW } from '../../src/shared/contract'
import { decodeOutputFrame } from '../../src/shared/terminal-frame'
import { ROOT, removeDir, tempDir } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const ctx = useTestTown()

// Once its cue file exists: three times the (solo) flow-control window of numbered lines with multi-byte glyphs,
// then a marker; then idle.
const LINES = Math.ceil((3 * FLOW.soloHighWater) / 30) // the one terminal this client watches: the solo window
const agent = (cue: string) =>
  `${JSON.stringify(process.execPath)} -e ${JSON.stringify(
    `const fs=require('fs');let i=0;function go(){while(i<${LINES}){if(!process.stdout.write('line '+(i++)+' ✓ ── naïve 日本\\n'))return process.stdout.once('drain',go)}process.stdout.write('ALL-DONE\\n');setInterval(()=>{},1e9)}` +
      `const t=setInterval(()=>{if(fs.existsSync(process.argv[1])){clearInterval(t);go()}},10)`
  )} ${JSON.stringify(cue)}`

test('terminal output reaches a WebSocket client as binary frames, byte-exact, with acks keeping it flowing', async (t) => {
  await ctx.core.dispatch('rigs.add', { name: 'sample', source: ctx.repo }, human)
  const bead = (await ctx.core.dispatch('beads.create', { title: 'Print a lot', rig: 'sample' }, human)) as { id: string }
  const host = await startWebHost({ core: ctx.core, rendererDir: join(ROOT, 'out', 'renderer'), port: 0 })

  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, { headers: { Authorization: `Bearer ${host.token}` } })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  t.after(async () => {
    ws.terminate() // not close(): ws would wait up to 30 s for the server's half of the closing handshake
    await host.close()
  })
  const replies = new Map<string, (m: { result?: unknown; error?: { message: string } }) => void>()
  let n = 0
  const call = (method: string, params: object) =>
    new Promise<any>((resolve, reject) => {
      const id = `c${++n}`
      replies.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)))
      ws.send(JSON.stringify({ id, method, params }))
    })

  const chunks: Buffer[] = []
  let textOutput = 0
  let replyFrames = 0
  let lastSeq = 0
  let acked = 0
  let done: () => void
  const allDone = new Promise<void>((resolve) => (done = resolve))
  let polecat = ''
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      const m = JSON.parse(data.toString())
      if (m.event?.type === 'terminal.output') textOutput++
      if ('id' in m) replyFrames++
      if (m.id) replies.get(m.id)?.(m)
      return
    }
    const f = decodeOutputFrame(data)
    if (f.polecatId !== polecat) return
    assert.ok(f.seq > lastSeq, `seq grows: ${f.seq} after ${lastSeq}`)
    lastSeq = f.seq
    chunks.push(Buffer.from(f.bytes))
    acked += f.bytes.length
    ws.send(JSON.stringify({ method: 'terminal.ack', params: { polecat, bytes: f.bytes.length } })) // a notification, as the page sends it
    if (Buffer.concat(chunks.slice(-2)).includes('ALL-DONE')) done()
  })

  const cue = join(tempDir('cue'), 'go')
  t.after(() => removeDir(dirname(cue)))
  const pc = (await ctx.core.dispatch('sling', { bead: bead.id, rig: 'sample', agentCmd: agent(cue) }, human)) as { id: string }
  polecat = pc.id
  const snap = await call('terminal.attach', { polecat })
  lastSeq = snap.seq
  writeFileSync(cue, '')
  let timer: NodeJS.Timeout | undefined
  await Promise.race([allDone, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no ALL-DONE after 30 s (${acked} bytes acked)`)), 30_000)))])
  clearTimeout(timer)

  const text = (snap.data as string) + Buffer.concat(chunks).toString('utf8')
  const lines = text.split('\r\n').filter((l) => l.startsWith('line '))
  assert.equal(lines.length, LINES, 'every line arrived once')
  lines.forEach((l, i) => assert.equal(l, `line ${i} ✓ ── naïve 日本`))
  assert.equal(textOutput, 0, 'no output went as JSON text')
  assert.equal(replyFrames, 1, 'the attach call was answered; the acks (notifications) were not')
  assert.ok(acked > FLOW.soloHighWater, `more than one window went through (${acked} bytes), so acks resumed the PTY`)
  await ctx.core.dispatch('polecats.stop', { polecat }, human)
})
