// Plain HTTP side of the headless host: the renderer's page and its assets, and the two POSTs by which a page
// trades the printed token for a session and a session for WebSocket tickets (sessions.ts).
// The page and assets are the public build of out/renderer and need no credential (so nothing rides along in a
// cookie); the Host check keeps DNS-rebinding pages out, and CORP keeps other origins from embedding them.
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { strictPolicy } from '../csp'
import { bearer, hostAllowed, originAllowed, tokenMatches } from './auth'
import { TICKET_TTL_MS, type PageSessions } from './sessions'
import { contentType, resolveAsset } from './static'

/** What both the HTTP and WebSocket sides check against. `port` is filled in once the server listens (it may be random). */
export interface Gate {
  token: string
  port: number
  sessions: PageSessions
}

export const SESSION_PATH = '/auth/session'
export const TICKET_PATH = '/auth/ticket'

export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': strictPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin'
  }
}

export function createRequestHandler(opts: { rendererDir: string; gate: Gate }) {
  const { rendererDir, gate } = opts

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(securityHeaders())) res.setHeader(name, value)

    if (!hostAllowed(req.headers.host, gate.port)) {
      return text(res, 403, `Forbidden: this control room answers only as 127.0.0.1:${gate.port} or localhost:${gate.port}, not ${JSON.stringify(req.headers.host ?? '')}. Open the URL gt serve printed.\n`)
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${gate.port}`)
    if (url.pathname === SESSION_PATH || url.pathname === TICKET_PATH) return auth(req, res, url.pathname)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return text(res, 405, `Method ${req.method} not allowed on ${url.pathname}: the page and its assets are read with GET.\n`)
    }

    if (url.pathname === '/' || url.pathname === '/index.html') {
      let html: Buffer
      try {
        html = await readFile(join(rendererDir, 'index.html'))
      } catch {
        return text(res, 500, 'The renderer is not built: run `npm run build`.\n')
      }
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

  function auth(req: IncomingMessage, res: ServerResponse, path: string): void {
    req.resume() // no body is read; drain whatever came
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      return json(res, 405, refusal(`${path} takes POST with an Authorization header, not ${req.method}.`))
    }
    // A page of another origin could not read the answer anyway (no CORS headers), but it must not even get one.
    const origin = req.headers.origin
    if (origin !== undefined && !originAllowed(origin, gate.port)) {
      return json(res, 403, refusal(`${path} answers only the control room's own page (http://127.0.0.1:${gate.port}), not Origin ${origin}.`))
    }
    const given = bearer(req)
    if (path === SESSION_PATH) {
      if (!tokenMatches(gate.token, given)) {
        return json(res, 401, refusal(`The access token is missing or wrong: open the URL gt serve printed (http://127.0.0.1:${gate.port}/?token=…); tools send Authorization: Bearer <token>.`))
      }
      return json(res, 200, { session: gate.sessions.open() })
    }
    const ticket = gate.sessions.issueTicket(given)
    if (!ticket) {
      return json(res, 401, refusal('This page session is not known to the control room (gt serve restarted, or the page never signed in): open the URL gt serve printed.'))
    }
    return json(res, 200, { ticket, expiresInMs: TICKET_TTL_MS })
  }
}

/** The contract's error shape, so the page shows the message as it shows any refused call. */
const refusal = (message: string) => ({ error: { code: 'unauthorized', message } })

function json(res: ServerResponse, status: number, body: object): void {
  const data = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-store' })
  res.end(data)
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
  res.end(body)
}
