// What both hosts (Electron IPC and the WebSocket) do with one call from the renderer:
// check the request's envelope, hand it to the core as the human, and turn whatever
// comes back — a result or any thrown value — into the contract's reply shape.
// Params themselves are validated by the core against the contract, not here.
import { CoreError, NOTIFY_METHODS, type ContractError, type CoreEvent } from '../../shared/contract'
import type { CallContext, ClientConnection, CoreApi } from '../core/connection'

export type Reply = { result: unknown } | { error: ContractError }

export interface CallEnvelope {
  /** null for a notification: a WebSocket call without an id, of a method in NOTIFY_METHODS; no reply. */
  id: string | null
  method: string
  params: unknown
}

const CODES: ReadonlySet<string> = new Set(['invalid_params', 'unknown_method', 'unauthorized', 'not_found', 'conflict', 'failed'])
const MAX_ID = 128
const MAX_METHOD = 128

/** Checks the envelope of a call; `idKey` is where the transport keeps the request id ('id' on the WebSocket, 'requestId' over IPC). */
export function readEnvelope(raw: unknown, idKey: 'id' | 'requestId'): CallEnvelope | ContractError {
  if (!isPlainObject(raw)) return invalid('a call must be a JSON object')
  const id = raw[idKey]
  const { method, params } = raw
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD) return invalid('"method" must be a non-empty string')
  const notification = idKey === 'id' && id === undefined && (NOTIFY_METHODS as readonly string[]).includes(method)
  if (!notification && (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID)) {
    return invalid(`"${idKey}" must be a non-empty string of at most ${MAX_ID} characters`)
  }
  // Missing params means "no params"; anything else must be an object so the core's schemas see the shape they expect.
  if (params !== undefined && !isPlainObject(params)) return invalid('"params" must be an object')
  return { id: notification ? null : (id as string), method, params: params ?? {} }
}

export function isContractError(value: CallEnvelope | ContractError): value is ContractError {
  return 'code' in value
}

/** Runs one human call on the core. Never throws: failures come back as `{ error }`. */
export async function dispatchAsHuman(core: CoreApi, call: CallEnvelope, client: ClientConnection): Promise<Reply> {
  const ctx: CallContext = {
    caller: { kind: 'human' },
    client,
    progress: (message, percent) => {
      if (call.id === null) return // a notification has nobody to tell
      const event: CoreEvent = { type: 'progress', requestId: call.id, message, percent }
      client.send(event)
    }
  }
  try {
    const result = await core.dispatch(call.method, call.params, ctx)
    // undefined would vanish from JSON and leave the client guessing; null says "no value".
    return { result: result === undefined ? null : result }
  } catch (err) {
    return { error: toContractError(err) }
  }
}

/** Any thrown value → the contract's error shape. Only CoreErrors carry a stable code; everything else is 'failed'. */
export function toContractError(err: unknown): ContractError {
  if (err instanceof CoreError) return err.toJSON()
  if (isPlainObject(err) || err instanceof Error) {
    const e = err as { code?: unknown; message?: unknown; toJSON?: unknown }
    // A CoreError from another copy of the contract module (tests, bundles) still has its shape.
    if (typeof e.code === 'string' && CODES.has(e.code) && typeof e.message === 'string' && typeof e.toJSON === 'function') {
      return (e.toJSON as () => ContractError).call(err)
    }
    if (typeof e.message === 'string' && e.message) return { code: 'failed', message: e.message }
  }
  return { code: 'failed', message: String(err) }
}

function invalid(message: string): ContractError {
  return { code: 'invalid_params', message }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
