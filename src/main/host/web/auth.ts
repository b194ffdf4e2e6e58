// Who may talk to the headless host, and from where. The token printed by `gt serve` is shown to this host
// only in an Authorization header: never in a cookie, because browsers send the cookies of 127.0.0.1 to every
// port of it, i.e. to any other local server the browser visits. Pages trade it for a session (sessions.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

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

/** The credential of an `Authorization: Bearer X` header, or undefined. */
export function bearer(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization
  if (!auth || !auth.startsWith('Bearer ')) return undefined
  const value = auth.slice('Bearer '.length).trim()
  return value === '' ? undefined : value
}

/** The addresses this host answers to. Anything else in Host means a DNS-rebinding page is knocking. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`
}

/** Our own page's origins. Browsers always send Origin on a WebSocket handshake and on a POST. */
export function originAllowed(origin: string, port: number): boolean {
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
}
