// The preload runs sandboxed: it may only require('electron'), and it is built as CommonJS
// (package.json has no "type": "module", so electron-vite emits cjs). It is the transport and
// nothing else: the page gets `window.gtBridge` with exactly `call` and `onEvent` — never
// ipcRenderer itself, so a compromised page cannot reach any other channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { ContractError, CoreEvent } from '../shared/contract'

interface CallRequest {
  method: string
  params: unknown
  requestId: string
}

type Reply = { result: unknown } | { error: ContractError }

contextBridge.exposeInMainWorld('gtBridge', {
  call(req: CallRequest): Promise<Reply> {
    // The main process validates the shape; the bridge only carries it.
    return ipcRenderer.invoke('gt:call', req) as Promise<Reply>
  },
  onEvent(cb: (event: CoreEvent) => void): () => void {
    if (typeof cb !== 'function') throw new TypeError('gtBridge.onEvent needs a function')
    // The IPC event object (with its sender) stays here; the page sees only the CoreEvent.
    const listener = (_e: IpcRendererEvent, event: CoreEvent) => cb(event)
    ipcRenderer.on('gt:event', listener)
    return () => {
      ipcRenderer.removeListener('gt:event', listener)
    }
  }
})
