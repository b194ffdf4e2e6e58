// The IPC transport of the contract: `gt:call` in (invoke/handle), `gt:event` out.
// Each window is one ClientConnection of the core. Every call is checked to come from the
// main frame of one of our windows showing our own page; anything else gets 'unauthorized'.
// Only types come from 'electron' here (ipcMain is passed in), so this file also runs under plain Node in tests.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import type { ContractError } from '../../../shared/contract'
import type { ClientConnection, CoreApi } from '../../core/connection'
import { dispatchAsHuman, isContractError, readEnvelope, type Reply } from '../call'
import type { RendererTarget } from './renderer-target'

export const CALL_CHANNEL = 'gt:call'
export const EVENT_CHANNEL = 'gt:event'

interface Attached {
  win: BrowserWindow
  client: ClientConnection
}

export interface IpcHost {
  /** Connects a window to the core; returns the function that disconnects it. */
  attach(win: BrowserWindow): () => void
  dispose(): void
}

export function installIpc(core: CoreApi, target: RendererTarget, ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>): IpcHost {
  const windows = new Map<number, Attached>() // by webContents id

  ipcMain.handle(CALL_CHANNEL, async (event, req: unknown): Promise<Reply> => {
    // Never throw across IPC: the renderer always gets { result } or { error }.
    const attached = trustedSender(event)
    if (!attached) return { error: refused() }
    const call = readEnvelope(req, 'requestId')
    if (isContractError(call)) return { error: call }
    return dispatchAsHuman(core, call, attached.client)
  })

  function trustedSender(event: IpcMainInvokeEvent): Attached | null {
    const attached = windows.get(event.sender.id)
    const frame = event.senderFrame
    if (!attached || attached.win.isDestroyed() || !frame) return null
    const main = attached.win.webContents.mainFrame
    const isMainFrame = frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId
    return isMainFrame && target.isAppUrl(frame.url) ? attached : null
  }

  function attach(win: BrowserWindow): () => void {
    const contents = win.webContents
    const id = contents.id
    let disconnect = () => {}

    // A fresh connection per page load: a reloaded page has forgotten its terminal attachments,
    // so the core must drop them too (otherwise unacknowledged output would keep a PTY paused).
    const connect = () => {
      disconnect()
      const client: ClientConnection = {
        id: `window-${id}-${Date.now().toString(36)}`,
        send: (coreEvent) => {
          if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, coreEvent)
        }
      }
      windows.set(id, { win, client })
      disconnect = core.connect(client)
    }
    connect()
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) connect()
    })

    return () => {
      windows.delete(id)
      disconnect()
      disconnect = () => {}
    }
  }

  return {
    attach,
    dispose: () => ipcMain.removeHandler(CALL_CHANNEL)
  }
}

function refused(): ContractError {
  return { code: 'unauthorized', message: 'gt:call is only answered for the control room page in its own window' }
}
