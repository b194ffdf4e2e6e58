// What every transport gives the rest of the renderer: the contract's client, plus connection state.
import type { ContractError, ControlRoomClient, ViewEvent } from '../../../shared/contract'

/** 'signed-out': the web host refused this page's session (it restarted, or the page was opened without its token); final. */
export type ConnStatus = 'connecting' | 'connected' | 'reconnecting' | 'signed-out'

export interface Transport extends ControlRoomClient {
  readonly kind: 'ipc' | 'ws'
  status(): ConnStatus
  /** How many times the connection has opened; 0 until the first time. */
  epoch(): number
  /**
   * Status changes. `epoch` counts successful connections; when it grows past 1 the core may have
   * restarted, so lists must be re-read and terminals re-attached.
   */
  onStatus(listener: (status: ConnStatus, epoch: number) => void): () => void
}

/** A rejected call: the contract's message for people, with its stable code and field issues kept. */
export class ClientError extends Error {
  readonly code: ContractError['code']
  readonly issues?: ContractError['issues']
  constructor(e: ContractError) {
    super(e.message || e.code)
    this.name = 'ClientError'
    this.code = e.code
    this.issues = e.issues
  }
}

export type ProgressFn = (message: string, percent: number | null) => void

/** Turns whatever came back as an error into a ContractError, so callers see one shape. */
export function asContractError(raw: unknown): ContractError {
  if (raw && typeof raw === 'object' && 'message' in raw) {
    const r = raw as Partial<ContractError>
    return { code: r.code ?? 'failed', message: String(r.message), ...(r.issues ? { issues: r.issues } : {}) }
  }
  return { code: 'failed', message: typeof raw === 'string' ? raw : 'request failed' }
}

let counter = 0
const prefix = Math.random().toString(36).slice(2, 8)
/** Unique per page; crypto.randomUUID is missing on plain-http remote hosts, so don't rely on it. */
export function nextRequestId(): string {
  counter += 1
  return `r${prefix}${counter.toString(36)}`
}

/** Fan-out helper shared by both transports. */
export class Listeners<A extends unknown[]> {
  private set = new Set<(...args: A) => void>()
  add(fn: (...args: A) => void): () => void {
    this.set.add(fn)
    return () => this.set.delete(fn)
  }
  emit(...args: A): void {
    for (const fn of [...this.set]) {
      try {
        fn(...args)
      } catch (err) {
        console.error('listener failed', err)
      }
    }
  }
}

export type EventListeners = Listeners<[ViewEvent]>
