// Electron transport: the preload's contextBridge object. The main process lives as long as the
// window, so the connection is simply always up.
import type { ContractError, CoreEvent, HumanMethod, NotifyMethod, ParamsIn, Result, ViewEvent } from '../../../shared/contract'
import { ClientError, Listeners, asContractError, nextRequestId, type ConnStatus, type ProgressFn, type Transport } from './types'

export interface GtBridge {
  call(req: { method: string; params: unknown; requestId: string }): Promise<{ result: unknown } | { error: ContractError }>
  onEvent(cb: (event: CoreEvent) => void): () => void
}

export class IpcTransport implements Transport {
  readonly kind = 'ipc' as const
  private events = new Listeners<[ViewEvent]>()
  private progress = new Map<string, ProgressFn>()

  constructor(private bridge: GtBridge) {
    bridge.onEvent((event) => {
      if (event.type === 'progress') this.progress.get(event.requestId)?.(event.message, event.percent)
      this.events.emit(event) // terminal output arrives as a Uint8Array (structured clone): bytes for xterm
    })
  }

  async call<M extends HumanMethod>(method: M, params: ParamsIn<M>, opts?: { onProgress?: ProgressFn }): Promise<Result<M>> {
    const requestId = nextRequestId()
    if (opts?.onProgress) this.progress.set(requestId, opts.onProgress)
    try {
      const reply = await this.bridge.call({ method, params: params ?? {}, requestId })
      if ('error' in reply) throw new ClientError(asContractError(reply.error))
      return reply.result as Result<M>
    } catch (err) {
      if (err instanceof ClientError) throw err
      throw new ClientError(asContractError(err))
    } finally {
      this.progress.delete(requestId)
    }
  }

  notify<M extends NotifyMethod>(method: M, params: ParamsIn<M>): void {
    // IPC has no per-message cost worth saving: a call whose answer is ignored.
    this.call(method, params).catch(() => {})
  }

  onEvent(listener: (event: ViewEvent) => void): () => void {
    return this.events.add(listener)
  }

  status(): ConnStatus {
    return 'connected'
  }

  epoch(): number {
    return 1
  }

  onStatus(listener: (status: ConnStatus, epoch: number) => void): () => void {
    // Report once, asynchronously, so subscribers treat IPC like a socket that just opened.
    queueMicrotask(() => listener('connected', 1))
    return () => {}
  }
}
