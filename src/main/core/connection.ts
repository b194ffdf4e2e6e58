// What a host (Electron main, headless web host, the gt endpoint) needs from the core:
// authenticate a token, open a connection for a client, and dispatch validated calls on it.
import type { CoreEvent } from '../../shared/contract'

export type Caller =
  | { kind: 'human' }
  | { kind: 'agent'; polecatId: string; sessionId: string }
  /** The AI mayor's GT_TOKEN: only the mayor tools (core/mayor/mayor-methods.ts), only while its session lives. */
  | { kind: 'mayor'; sessionId: string }

/** One connected client (a renderer window, a WebSocket, one gt call). Terminal output goes only to clients that attached. */
export interface ClientConnection {
  readonly id: string
  send(event: CoreEvent): void
}

export interface CallContext {
  caller: Caller
  client?: ClientConnection
  /** Long calls (rigs.add) report progress here. */
  progress?: (message: string, percent: number | null) => void
  /** Aborts when the caller goes away (its connection closed): a call that waits on it can stop waiting. */
  signal?: AbortSignal
}

export interface CoreApi {
  readonly town: string
  /** Turns a bearer token into a caller; null means no access. */
  authenticate(token: string | undefined | null): Caller | null
  /** Validates params against the contract, checks the caller may call it, runs it. Throws CoreError. */
  dispatch(method: string, params: unknown, ctx: CallContext): Promise<unknown>
  /** Register a client for broadcast events; returns the function that disconnects it (detaching its terminals). */
  connect(client: ClientConnection): () => void
  /** Quits; `progress` hears how far the saving of the agents' work is. */
  close(opts?: { progress?: (done: number, total: number, polecatId: string | null) => void }): Promise<void>
}
