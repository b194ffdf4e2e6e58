// The desktop host: Electron main process. It opens the town's core, shows the renderer in one
// locked-down window, and carries the contract over IPC. On quit the core is closed first (quit.ts), so
// the agents' work is saved and PTYs, the database and session logs are shut down cleanly before the
// process exits, with the window kept open to show the saving.
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron'
import { join } from 'node:path'
import type { CoreApi } from '../../core/connection'
import { createCore } from '../../core/core'
import { resolveTown } from '../town-path'
import { installIpc, type IpcHost } from './ipc'
import { installQuit } from './quit'
import { rendererTarget } from './renderer-target'
import { hardenAllContents, hardenSession } from './security'

// Built layout (electron-vite, CommonJS): out/main/index.js, out/preload/index.js, out/renderer/index.html.
const PRELOAD = join(__dirname, '../preload/index.js')
const target = rendererTarget({
  indexHtml: join(__dirname, '../renderer/index.html'),
  // electron-vite dev sets this; a packaged app never trusts it.
  devUrl: !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
})

let core: CoreApi | null = null
let ipc: IpcHost | null = null

// Every renderer sandboxed, whatever a future BrowserWindow forgets to say.
app.enableSandbox()
hardenAllContents(target)

app.whenReady().then(start).catch(fail)

async function start(): Promise<void> {
  const town = resolveTown(process.argv.slice(1), process.env)
  const opened = await createCore({ town, gtScript: join(__dirname, 'gt.js') })
  core = opened
  hardenSession(session.defaultSession, target)
  ipc = installIpc(opened, target, ipcMain)
  openWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow()
  })
}

function openWindow(): void {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    title: 'Gas Town Control Room',
    backgroundColor: '#0e1116', // dark, so there is no white flash before the page paints
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      preload: PRELOAD
    }
  })
  win.once('ready-to-show', () => win.show())
  // If the page cannot load at all, still show the window rather than leave a process with nothing on screen.
  win.webContents.once('did-fail-load', () => {
    if (!win.isDestroyed() && !win.isVisible()) win.show()
  })
  quit.guard(win)
  const detach = ipc!.attach(win)
  win.on('closed', detach)
  target.load(win).catch((err: unknown) => console.error('could not load the control room page:', err))
}

// ---- shutdown: the core closes before the process exits, however the quit was asked for.

// New calls are refused once quitting starts; the window still receives the core's events (the progress).
const quit = installQuit(app, { core: () => core, beforeClose: () => ipc?.dispose() })

app.on('window-all-closed', () => {
  // macOS keeps apps (and here, the agents) running without windows; elsewhere closing the window quits.
  if (process.platform !== 'darwin') app.quit()
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())

function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err)
  console.error('Gas Town Control Room could not start:', err)
  dialog.showErrorBox('Gas Town Control Room could not start', message)
  app.exit(1)
}
