// How a page served by the headless host gets into the control room without the town token ever sitting in
// a cookie (browsers send 127.0.0.1's cookies to every port of it) or staying in the address bar:
//   1. `?token=` is read once and removed from the address bar and the session history (replaceState);
//   2. it is traded, in an Authorization header, for a page session secret (POST /auth/session); the token is
//      then forgotten, and the session is kept in sessionStorage: this origin's (this port's) and this tab's
//      only, so a reload keeps working while other local servers and other tabs see nothing;
//   3. every WebSocket connection, reconnects included, gets its own single-use ticket (POST /auth/ticket).

const SESSION_KEY = 'gt.session'
const SESSION_PATH = '/auth/session'
const TICKET_PATH = '/auth/ticket'

/** The host refused this page's credential: retrying will not help, the user must open the printed URL. */
export class SignedOut extends Error {
  override name = 'SignedOut'
}

/** Takes `?token=` out of the address bar and the history entry before anything else can read or keep it. */
export function takeTokenFromAddress(): string | null {
  const url = new URL(location.href)
  const token = url.searchParams.get('token')
  if (token === null) return null
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.pathname + url.search + url.hash)
  return token === '' ? null : token
}

export class WebSession {
  private session: string | null

  constructor(private token: string | null) {
    this.session = token ? null : readStored()
  }

  /** A ws:// URL with a fresh ticket. Throws SignedOut when the host refuses, any other error when unreachable. */
  async socketUrl(): Promise<string> {
    const session = await this.ensureSession()
    const ticket = await post<{ ticket: string }>(TICKET_PATH, session).catch((err: unknown) => {
      if (err instanceof SignedOut) {
        this.session = null
        store(null)
      }
      throw err
    })
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    return `${scheme}//${location.host}/ws?ticket=${encodeURIComponent(ticket.ticket)}`
  }

  private async ensureSession(): Promise<string> {
    if (this.session) return this.session
    if (!this.token) {
      throw new SignedOut(`This page is not signed in to the control room: open the URL gt serve printed (${location.origin}/?token=…).`)
    }
    // A network failure keeps the token for the next attempt; a refusal or a success drops it.
    let got: { session: string }
    try {
      got = await post<{ session: string }>(SESSION_PATH, this.token)
    } catch (err) {
      if (err instanceof SignedOut) this.token = null
      throw err
    }
    this.token = null
    this.session = got.session
    store(got.session)
    return got.session
  }
}

async function post<T>(path: string, credential: string): Promise<T> {
  // credentials 'omit': there are no cookies to send, and none must ever be set.
  const res = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${credential}` }, credentials: 'omit', cache: 'no-store' })
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null
  if (res.status === 401 || res.status === 403) {
    throw new SignedOut(body?.error?.message ?? `the control room refused this page (HTTP ${res.status}): open the URL gt serve printed`)
  }
  if (!res.ok || !body) throw new Error(`${path} answered HTTP ${res.status}`)
  return body
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY)
  } catch {
    return null // storage disabled: the session lasts for this page only
  }
}

function store(session: string | null): void {
  try {
    if (session) sessionStorage.setItem(SESSION_KEY, session)
    else sessionStorage.removeItem(SESSION_KEY)
  } catch {
    // storage disabled: the session lasts for this page only
  }
}
