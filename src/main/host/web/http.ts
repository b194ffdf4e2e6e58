// Plain HTTP side of the headless host: the renderer's page and its assets, for token holders only.
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { cookieName, hostAllowed, presentedToken, readCookie, sessionCookie, tokenMatches } from './auth'
import { contentType, resolveAsset } from './static'

/** What both the HTTP and WebSocket sides check against. `port` is filled in once the server listens (it may be random). */
export interface Gate {
  token: string
  port: number
}

const UNAUTHORIZED = 'Unauthorized: open the URL printed by gt serve (it carries the access token).\n'

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "img-src 'self' data:",
      "font-src 'self' data:",
      "frame-ancestors 'none'"
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer'
  }
}

export function createRequestHandler(opts: { rendererDir: string; gate: Gate }) {
  const { rendererDir, gate } = opts

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(securityHeaders(gate.port))) res.setHeader(name, value)

    if (!hostAllowed(req.headers.host, gate.port)) return text(res, 403, 'Forbidden: unexpected Host header.\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return text(res, 405, 'Method not allowed.\n')
    }

    const url = new URL(req.url ?? '/', `http://127.0.0.1:${gate.port}`)
    const withToken = tokenMatches(gate.token, presentedToken(req, url))
    const withCookie = tokenMatches(gate.token, readCookie(req, cookieName(gate.port)))
    if (!withToken && !withCookie) return text(res, 401, UNAUTHORIZED)

    if (url.pathname === '/' || url.pathname === '/index.html') {
      let html: Buffer
      try {
        html = await readFile(join(rendererDir, 'index.html'))
      } catch {
        return text(res, 500, 'The renderer is not built: run `npm run build`.\n')
      }
      // The token in the URL is traded for a cookie so the page's assets and its WebSocket authenticate without script access to it.
      if (withToken) res.setHeader('Set-Cookie', sessionCookie(gate.token, gate.port))
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': html.length, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : html)
      return
    }

    const asset = await resolveAsset(rendererDir, url.pathname)
    if (asset.kind === 'forbidden') return text(res, 403, 'Forbidden.\n')
    if (asset.kind === 'missing') return text(res, 404, 'Not found.\n')
    res.writeHead(200, { 'Content-Type': contentType(asset.path), 'Content-Length': asset.size, 'Cache-Control': 'private, no-cache' })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(asset.path)
      .on('error', () => res.destroy())
      .pipe(res)
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
  res.end(body)
}
