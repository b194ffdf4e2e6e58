// Page sessions and WebSocket tickets: what a browser page holds instead of the town token.
//   POST /auth/session  (Bearer: the town token)   → a page session secret, kept by the page (sessionStorage)
//   POST /auth/ticket   (Bearer: a session secret) → a ticket for one WebSocket handshake, within TICKET_TTL_MS
// Both live in this host's memory only: a restart of `gt serve` (which prints a new token) ends them all.
// Only sha256 digests are stored, so the map keys say nothing about the secrets, and a lookup by key leaks
// no more through timing than which 256-bit digest exists.
import { createHash, randomBytes } from 'node:crypto'

export const TICKET_TTL_MS = 30_000
/** Each page load with ?token= opens one; a tab that reloads keeps its own. The oldest go first beyond this. */
export const MAX_SESSIONS = 64
/** A page asks for one per connection attempt; unused ones expire. The oldest go first beyond this. */
export const MAX_TICKETS = 256

const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url')
const secret = (): string => randomBytes(32).toString('base64url')

export class PageSessions {
  private sessions = new Set<string>()
  private tickets = new Map<string, number>() // digest → expiry (ms since epoch)

  constructor(private readonly now: () => number = Date.now) {}

  /** A new page session. Call only once the town token was checked. */
  open(): string {
    const s = secret()
    this.sessions.add(digest(s))
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.values().next().value!)
    return s
  }

  isSession(given: string | undefined): boolean {
    return typeof given === 'string' && given !== '' && this.sessions.has(digest(given))
  }

  /** A single-use ticket for the holder of a live session, or null for anything else. */
  issueTicket(session: string | undefined): string | null {
    if (!this.isSession(session)) return null
    const now = this.now()
    for (const [key, expires] of this.tickets) if (expires <= now) this.tickets.delete(key)
    const t = secret()
    this.tickets.set(digest(t), now + TICKET_TTL_MS)
    while (this.tickets.size > MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!)
    return t
  }

  /** True once for a ticket that was issued and has not expired; it is gone afterwards either way. */
  redeem(ticket: string | null | undefined): boolean {
    if (typeof ticket !== 'string' || ticket === '') return false
    const key = digest(ticket)
    const expires = this.tickets.get(key)
    if (expires === undefined) return false
    this.tickets.delete(key)
    return expires > this.now()
  }
}
