// Quitting the desktop app, under plain Node with the real core: Electron's app and window are replaced by
// small fakes that follow Electron's rules (app.quit() emits before-quit, then closes each window, and stops at
// the first close or quit that is prevented). Closing the window quits, but the window stays open — and keeps
// receiving the core's events, the `quitting` progress among them — until the core has closed; a core that
// never finishes closing does not keep the process alive past the deadline; on macOS a plain close only closes.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'node:test'
import type { BrowserWindow } from 'electron'
import type { CoreEvent } from '../../src/shared/contract'
import type { CoreApi } from '../../src/main/core/connection'
import { createCore } from '../../src/main/core/core'
import { EVENT_CHANNEL, installIpc } from '../../src/main/host/electron/ipc'
import { installQuit } from '../../src/main/host/electron/quit'
import { rendererTarget } from '../../src/main/host/electron/renderer-target'

const INDEX = join(tmpdir(), 'gt-app', 'out', 'renderer', 'index.html')

const preventable = () => {
  const e = { prevented: false, preventDefault: () => void (e.prevented = true) }
  return e
}

class FakeContents extends EventEmitter {
  static nextId = 1
  readonly id = FakeContents.nextId++
  readonly mainFrame = { parent: null, processId: 7, routingId: this.id, url: pathToFileURL(INDEX).href }
  readonly sent: CoreEvent[] = []
  destroyed = false
  isDestroyed = () => this.destroyed
  send(channel: string, event: CoreEvent): void {
    if (channel === EVENT_CHANNEL) this.sent.push(event)
  }
}

class FakeWindow extends EventEmitter {
  readonly webContents = new FakeContents()
  closed = false
  isDestroyed = () => this.closed
  /** What the window's close button does: 'close' (preventable), then gone. */
  close(): boolean {
    const e = preventable()
    this.emit('close', e)
    if (e.prevented) return false
    this.closed = true
    this.webContents.destroyed = true
    this.emit('closed')
    return true
  }
}

class FakeApp extends EventEmitter {
  windows: FakeWindow[] = []
  quitted = false
  exitCode: number | null = null
  quit(): void {
    const e = preventable()
    this.emit('before-quit', e)
    if (e.prevented) return
    for (const w of this.windows) if (!w.closed && !w.close()) return
    this.quitted = true
  }
  exit(code = 0): void {
    this.exitCode = code
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

test('closing the window quits, and the window stays open, receiving the quitting progress, until the core has closed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gt-quit-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const real = await createCore({ town: join(dir, 'town') })
  let closes = 0
  let closeFinished = false
  let windowOpenWhenClosed = false
  const app = new FakeApp()
  const win = new FakeWindow()
  const core = {
    ...real,
    connect: real.connect.bind(real),
    close: async (opts?: Parameters<CoreApi['close']>[0]) => {
      closes++
      await real.close(opts)
      windowOpenWhenClosed = !win.closed
      closeFinished = true
    }
  } as unknown as CoreApi
  const ipcMain = { handle: () => {}, removeHandler: () => {} }
  const ipc = installIpc(core, rendererTarget({ indexHtml: INDEX }), ipcMain)
  let disposed = false
  const gate = installQuit(app, { core: () => core, beforeClose: () => ((disposed = true), ipc.dispose()), platform: 'linux' })
  app.windows.push(win)
  gate.guard(win as unknown as BrowserWindow)
  win.on('closed', ipc.attach(win as unknown as BrowserWindow))

  assert.equal(win.close(), false, 'the close waits for the core')
  assert.equal(win.closed, false)
  assert.equal(disposed, true, 'new calls are refused once quitting starts')
  assert.equal(win.close(), false, 'a second close while it saves waits for the same close')
  app.quit()
  await until('the app to quit', () => app.quitted)
  assert.equal(closes, 1, 'the core closed once')
  assert.ok(closeFinished && windowOpenWhenClosed, 'the window was open for the whole close')
  assert.ok(win.closed, 'then the window closed')
  assert.ok(win.webContents.sent.some((e) => e.type === 'quitting' && e.done === 0 && e.total === 0), `the window received the quitting progress: ${JSON.stringify(win.webContents.sent.map((e) => e.type))}`)
  assert.equal(app.exitCode, null, 'a clean quit, not an exit')
})

test('a core that never finishes closing is left behind after the deadline: the process exits', async () => {
  const app = new FakeApp()
  const logged: string[] = []
  const stuck = { close: () => new Promise<void>(() => {}) } as unknown as CoreApi
  installQuit(app, { core: () => stuck, deadlineMs: 50, log: (...a) => logged.push(a.join(' ')), platform: 'linux' })
  app.quit()
  assert.equal(app.quitted, false)
  await until('the exit', () => app.exitCode !== null, 5000)
  assert.equal(app.exitCode, 1)
  assert.match(logged.join('\n'), /did not finish closing within 0 s: quitting without it/)
})

test('on macOS closing the window only closes it (the agents keep running); a quit under way keeps it open', async () => {
  const app = new FakeApp()
  let finish: () => void = () => {}
  const core = { close: () => new Promise<void>((res) => (finish = res)) } as unknown as CoreApi
  const gate = installQuit(app, { core: () => core, platform: 'darwin' })
  const first = new FakeWindow()
  gate.guard(first as unknown as BrowserWindow)
  assert.equal(first.close(), true, 'a plain close on macOS')
  const win = new FakeWindow()
  app.windows.push(win)
  gate.guard(win as unknown as BrowserWindow)
  app.quit()
  assert.equal(win.close(), false, 'kept open while the core closes')
  finish()
  await until('the app to quit', () => app.quitted)
  assert.ok(win.closed)
})
