// The headless host: the same renderer as the desktop app, served over HTTP on loopback,
// talking to the core over an authenticated WebSocket. `gt serve` runs it; tests drive it in real Chromium.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CoreApi } from '../../core/connection'
import { newToken } from './auth'
import { createRequestHandler, type Gate } from './http'
import { PageSessions } from './sessions'
import { createWsHub } from './ws'

export interface WebHost {
  /** Open this in a browser: it carries the token, which the page takes out of the address bar and trades for a page session. */
  url: string
  token: string
  port: number
  close(): Promise<void>
}

export interface WebHostOptions {
  core: CoreApi
  /** 0 or absent: a random free port. */
  port?: number
  /** The built renderer (out/renderer). */
  rendererDir: string
  token?: string
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const gate: Gate = { token: opts.token ?? newToken(), port: 0, sessions: new PageSessions() }
  const handle = createRequestHandler({ rendererDir: opts.rendererDir, gate })
  const hub = createWsHub({ core: opts.core, gate })

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('Internal error.\n')
    })
  })
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head))
  server.on('clientError', (_err, socket) => socket.destroy())

  // Loopback only: this host hands out the human's full control of the town.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  gate.port = (server.address() as AddressInfo).port

  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${gate.port}/?token=${gate.token}`,
    token: gate.token,
    port: gate.port,
    close: () =>
      (closing ??= (async () => {
        await hub.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      })())
  }
}
