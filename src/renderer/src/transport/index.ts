// Picks the transport once per page: the preload's bridge inside Electron, the host's WebSocket in a browser.
import { IpcTransport, type GtBridge } from './ipc'
import type { Transport } from './types'
import { WebSession, takeTokenFromAddress } from './web-session'
import { WsTransport } from './ws'

declare global {
  interface Window {
    gtBridge?: GtBridge
  }
}

let transport: Transport | null = null

export function getClient(): Transport {
  if (!transport) transport = window.gtBridge ? new IpcTransport(window.gtBridge) : webTransport()
  return transport
}

/** The first thing a page of the headless host does: take the token out of the address bar, then sign in with it. */
function webTransport(): WsTransport {
  const session = new WebSession(takeTokenFromAddress())
  return new WsTransport(() => session.socketUrl())
}

export type { ConnStatus, Transport } from './types'
export { ClientError } from './types'
