// Who may talk to the headless host: whoever holds the token printed by `gt serve`,
// from a page served by this host (the cookie), on this loopback address and port.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

// One cookie per port: browsers do not separate cookies by port, so two hosts on 127.0.0.1 must not share a name.
export const cookieName = (port: number): string => `gt_session_${port}`

export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison. Both sides are hashed first so neither the length nor a prefix leaks through timing. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

export function sessionCookie(token: string, port: number): string {
  // HttpOnly: page scripts never see it. SameSite=Strict: other sites cannot make the browser send it.
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** The addresses this host answers to. Anything else in Host means a DNS-rebinding page is knocking. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`
}

/** Browsers always send Origin on a WebSocket handshake; only our own pages may open one. */
export function originAllowed(origin: string, port: number): boolean {
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
}

/** The token from `?token=` or an `Authorization: Bearer` header (what non-browser clients send). */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('token')
  if (query) return query
  const auth = req.headers.authorization
  if (auth && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim()
  return undefined
}
