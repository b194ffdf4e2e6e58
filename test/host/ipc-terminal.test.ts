// A live terminal over the desktop host's IPC, as the window sees it: output crosses as UTF-8 bytes
// (a Uint8Array after Electron's structured clone, emulated here with Node's), the renderer's IpcTransport
// hands them on unchanged, and acknowledging their length in bytes keeps a flooding agent running.
// Electron's own objects are small fakes of the members the host touches, as in electron-ipc.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron'
import { FLOW, type ViewEvent } from '../../src/shared/contract'
import { CALL_CHANNEL, EVENT_CHANNEL, installIpc } from '../../src/main/host/electron/ipc'
import { rendererTarget } from '../../src/main/host/electron/renderer-target'
import { IpcTransport, type GtBridge } from '../../src/renderer/src/transport/ipc'
import { eventually, removeDir, tempDir } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const ctx = useTestTown()
const INDEX = join(tmpdir(), 'gt-app', 'out', 'renderer', 'index.html')

class FakeContents extends EventEmitter {
  readonly id = 1
  readonly mainFrame = { parent: null, processId: 7, routingId: 1, url: pathToFileURL(INDEX).href }
  private page: ((event: unknown) => void)[] = []
  isDestroyed(): boolean {
    return false
  }
  send(channel: string, event: unknown): void {
    // What Electron does to a message for the renderer: a structured clone (a Buffer arrives as a Uint8Array).
    if (channel === EVENT_CHANNEL) for (const l of this.page) l(structuredClone(event))
  }
  onPage(listener: (event: unknown) => void): void {
    this.page.push(listener)
  }
}

const LINES = Math.ceil((3 * FLOW.soloHighWater) / 30) // the one terminal this client watches: the solo window
const agent = (cue: string) =>
  `${JSON.stringify(process.execPath)} -e ${JSON.stringify(
    `const fs=require('fs');let i=0;function go(){while(i<${LINES}){if(!process.stdout.write('line '+(i++)+' ✓ ── naïve 日本\\n'))return process.stdout.once('drain',go)}process.stdout.write('ALL-DONE\\n');setInterval(()=>{},1e9)}` +
      `const t=setInterval(()=>{if(fs.existsSync(process.argv[1])){clearInterval(t);go()}},10)`
  )} ${JSON.stringify(cue)}`

test('terminal output reaches the window over IPC as bytes, whole, and byte acks keep it flowing', async (t) => {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, req: unknown) => unknown>()
  const ipcMain = { handle: (ch: string, fn: (event: IpcMainInvokeEvent, req: unknown) => unknown) => handlers.set(ch, fn), removeHandler: (ch: string) => handlers.delete(ch) }
  const host = installIpc(ctx.core, rendererTarget({ indexHtml: INDEX }), ipcMain as never)
  const contents = new FakeContents()
  const detach = host.attach({ webContents: contents, isDestroyed: () => false } as unknown as BrowserWindow)
  t.after(() => (detach(), host.dispose()))
  const bridge: GtBridge = {
    call: (req) => Promise.resolve(handlers.get(CALL_CHANNEL)!({ sender: contents, senderFrame: contents.mainFrame } as unknown as IpcMainInvokeEvent, req)) as ReturnType<GtBridge['call']>,
    onEvent: (cb) => {
      contents.onPage((e) => cb(e as never))
      return () => {}
    }
  }
  const transport = new IpcTransport(bridge)

  await ctx.core.dispatch('rigs.add', { name: 'sample', source: ctx.repo }, human)
  const bead = (await ctx.core.dispatch('beads.create', { title: 'Print a lot', rig: 'sample' }, human)) as { id: string }
  const cue = join(tempDir('ipc-cue'), 'go')
  t.after(() => removeDir(dirname(cue)))
  const pc = (await ctx.core.dispatch('sling', { bead: bead.id, rig: 'sample', agentCmd: agent(cue) }, human)) as { id: string }
  t.after(() => ctx.core.dispatch('polecats.stop', { polecat: pc.id }, human).catch(() => {}))

  const chunks: Uint8Array[] = []
  let acked = 0
  transport.onEvent((ev: ViewEvent) => {
    if (ev.type !== 'terminal.output' || ev.polecatId !== pc.id) return
    assert.ok(ev.data instanceof Uint8Array, 'output arrives as bytes')
    chunks.push(ev.data)
    acked += ev.data.length
    transport.notify('terminal.ack', { polecat: pc.id, bytes: ev.data.length })
  })
  const snap = await transport.call('terminal.attach', { polecat: pc.id })
  writeFileSync(cue, '')
  const text = () => snap.data + Buffer.concat(chunks).toString('utf8')
  await eventually(() => text().includes('ALL-DONE'), `ALL-DONE over IPC (${acked} bytes acked)`, 30_000)

  const strict = new TextDecoder('utf-8', { fatal: true })
  for (const c of chunks) strict.decode(c) // every chunk is whole characters: throws otherwise
  const lines = text().split('\r\n').filter((l) => l.startsWith('line '))
  assert.equal(lines.length, LINES, 'every line arrived once')
  lines.forEach((l, i) => assert.equal(l, `line ${i} ✓ ── naïve 日本`))
  assert.ok(acked > FLOW.soloHighWater, `more than one window went through (${acked} bytes), so byte acks resumed the PTY`)
})
