// The desktop host's IPC transport, run under plain Node with the real core: Electron's own objects
// are replaced by small fakes of the few members the host touches (no Electron binary is needed).
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test, type TestContext } from 'node:test'
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron'
import { createCore } from '../../src/main/core/core'
import type { CoreApi } from '../../src/main/core/connection'
import { CALL_CHANNEL, EVENT_CHANNEL, installIpc, type IpcHost } from '../../src/main/host/electron/ipc'
import { rendererTarget } from '../../src/main/host/electron/renderer-target'

const INDEX = join(tmpdir(), 'gt-app', 'out', 'renderer', 'index.html')
const APP_URL = pathToFileURL(INDEX).href

interface FakeFrame {
  parent: FakeFrame | null
  processId: number
  routingId: number
  url: string
}

class FakeContents extends EventEmitter {
  static nextId = 1
  readonly id = FakeContents.nextId++
  readonly mainFrame: FakeFrame = { parent: null, processId: 7, routingId: this.id, url: APP_URL }
  readonly sent: { channel: string; event: any }[] = []
  destroyed = false
  isDestroyed(): boolean {
    return this.destroyed
  }
  send(channel: string, event: unknown): void {
    this.sent.push({ channel, event })
  }
}

class FakeIpcMain {
  handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>()
  handle(channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    this.handlers.set(channel, fn)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  /** What ipcRenderer.invoke('gt:call', req) would get back. */
  async invoke(sender: FakeContents, frame: FakeFrame | null, req: unknown): Promise<any> {
    const fn = this.handlers.get(CALL_CHANNEL)
    assert.ok(fn, 'gt:call has a handler')
    return fn({ sender, senderFrame: frame } as unknown as IpcMainInvokeEvent, req)
  }
}

function fakeWindow(): { win: BrowserWindow; contents: FakeContents } {
  const contents = new FakeContents()
  const win = { webContents: contents, isDestroyed: () => contents.destroyed } as unknown as BrowserWindow
  return { win, contents }
}

async function setup(t: TestContext): Promise<{ core: CoreApi; ipcMain: FakeIpcMain; host: IpcHost; town: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gt-ipc-'))
  const town = join(dir, 'town')
  const core = await createCore({ town })
  const ipcMain = new FakeIpcMain()
  const host = installIpc(core, rendererTarget({ indexHtml: INDEX }), ipcMain)
  t.after(async () => {
    host.dispose()
    await core.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { core, ipcMain, host, town }
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

test('a call from our page in our window reaches the core', async (t) => {
  const { ipcMain, host, town } = await setup(t)
  const { win, contents } = fakeWindow()
  host.attach(win)
  const reply = await ipcMain.invoke(contents, contents.mainFrame, { method: 'town.info', params: {}, requestId: 'r1' })
  assert.equal(reply.error, undefined, JSON.stringify(reply.error))
  assert.equal(reply.result.town, town)
  // The page's own state in hash or query does not change what the page is.
  const withHash = { ...contents.mainFrame, url: `${APP_URL}?view=beads#/inbox` }
  assert.equal((await ipcMain.invoke(contents, withHash, { method: 'town.info', params: {}, requestId: 'r2' })).result.town, town)
})

test('calls from anywhere else are refused, without throwing', async (t) => {
  const { ipcMain, host } = await setup(t)
  const { win, contents } = fakeWindow()
  host.attach(win)
  const req = { method: 'town.info', params: {}, requestId: 'r' }
  const cases: [string, FakeContents, FakeFrame | null][] = [
    ['a frame that is gone', contents, null],
    ['a subframe', contents, { parent: contents.mainFrame, processId: 7, routingId: 999, url: APP_URL }],
    ['another frame claiming to be top', contents, { parent: null, processId: 8, routingId: contents.id, url: APP_URL }],
    ['a foreign page', contents, { ...contents.mainFrame, url: 'https://evil.example/' }],
    ['another file', contents, { ...contents.mainFrame, url: pathToFileURL(join(tmpdir(), 'evil.html')).href }],
    ['a window we never attached', fakeWindow().contents, null]
  ]
  const stranger = cases[cases.length - 1][1]
  cases[cases.length - 1][2] = stranger.mainFrame
  for (const [what, sender, frame] of cases) {
    const reply = await ipcMain.invoke(sender, frame, req)
    assert.equal(reply.error?.code, 'unauthorized', what)
  }
})

test('bad requests and core failures come back as { error }', async (t) => {
  const { ipcMain, host } = await setup(t)
  const { win, contents } = fakeWindow()
  host.attach(win)
  const call = (req: unknown) => ipcMain.invoke(contents, contents.mainFrame, req)
  assert.equal((await call('town.info')).error.code, 'invalid_params')
  assert.equal((await call({ method: 'town.info', params: {} })).error.code, 'invalid_params') // no requestId
  assert.equal((await call({ method: 'town.info', params: 'x', requestId: 'r' })).error.code, 'invalid_params')
  assert.equal((await call({ method: 'town.info', params: { extra: 1 }, requestId: 'r' })).error.code, 'invalid_params')
  assert.equal((await call({ method: 'nope', params: {}, requestId: 'r' })).error.code, 'unknown_method')
  const missing = await call({ method: 'beads.show', params: { id: 'gt-none' }, requestId: 'r' })
  assert.equal(missing.error.code, 'not_found')
})

test('core events reach the window once per page load, and stop when it closes', async (t) => {
  const { ipcMain, host } = await setup(t)
  const { win, contents } = fakeWindow()
  const detach = host.attach(win)
  const create = (title: string) => ipcMain.invoke(contents, contents.mainFrame, { method: 'beads.create', params: { title }, requestId: title })
  const changes = () => contents.sent.filter((s) => s.channel === EVENT_CHANNEL && s.event.type === 'changed' && s.event.topics.includes('beads'))

  assert.ok((await create('first')).result)
  await until('a beads change event', () => changes().length === 1)

  // A reload is a new page: the old connection is dropped, so events do not arrive twice.
  contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: APP_URL })
  assert.ok((await create('second')).result)
  await until('a second beads change event', () => changes().length >= 2)
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(changes().length, 2)

  // Once the window is closed nothing is sent to it any more.
  detach()
  const other = fakeWindow()
  host.attach(other.win)
  assert.ok((await ipcMain.invoke(other.contents, other.contents.mainFrame, { method: 'beads.create', params: { title: 'third' }, requestId: 't' })).result)
  await until('the other window hears of it', () => other.contents.sent.some((s) => s.event.type === 'changed'))
  assert.equal(changes().length, 2)
  assert.equal((await create('from the closed window')).error.code, 'unauthorized')
})

test('dispose removes the handler', async (t) => {
  const { ipcMain, host } = await setup(t)
  host.dispose()
  assert.equal(ipcMain.handlers.has(CALL_CHANNEL), false)
})

test('renderer target: only our page is our page', () => {
  const built = rendererTarget({ indexHtml: INDEX })
  assert.equal(built.devOrigin, null)
  assert.equal(built.isAppUrl(APP_URL), true)
  assert.equal(built.isAppUrl(`${APP_URL}#/beads`), true)
  assert.equal(built.isAppUrl(pathToFileURL(join(INDEX, '..', 'other.html')).href), false)
  assert.equal(built.isAppUrl('https://example.com/'), false)
  assert.equal(built.isAppUrl('file://evil.example/tmp/gt-app/out/renderer/index.html'), false)
  assert.equal(built.isAppUrl('not a url'), false)

  const dev = rendererTarget({ indexHtml: INDEX, devUrl: 'http://localhost:5173/' })
  assert.equal(dev.devOrigin, 'http://localhost:5173')
  assert.equal(dev.isAppUrl('http://localhost:5173/#/inbox'), true)
  assert.equal(dev.isAppUrl('http://localhost:5174/'), false)
  assert.equal(dev.isAppUrl(APP_URL), false)
})
