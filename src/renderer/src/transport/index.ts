// Picks the transport once per page: the preload's bridge inside Electron, the host's WebSocket in a browser.
import { IpcTransport, type GtBridge } from './ipc'
import type { Transport } from './types'
import { WsTransport } from './ws'

declare global {
  interface Window {
    gtBridge?: GtBridge
  }
}

let transport: Transport | null = null

export function getClient(): Transport {
  if (!transport) transport = window.gtBridge ? new IpcTransport(window.gtBridge) : new WsTransport(wsUrl())
  return transport
}

function wsUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  // The cookie the host set is the normal credential; the token is passed too for hosts that were
  // opened with ?token= and whose cookie a browser refused (e.g. third-party contexts).
  const token = new URLSearchParams(location.search).get('token')
  return `${scheme}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`
}

export type { ConnStatus, Transport } from './types'
export { ClientError } from './types'
