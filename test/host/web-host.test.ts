// The headless host against the real core: who gets in, what they get, and what is refused.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { WebSocket } from 'ws'
import { createCore } from '../../src/main/core/core'
import { strictPolicy } from '../../src/main/host/csp'
import { startWebHost, type WebHost } from '../../src/main/host/web'

const SECRET = 'do-not-serve-this-file'

interface Fixture {
  host: WebHost
  town: string
  origin: string
  /** A tool's credential on the socket: the token in an Authorization header, no Origin. */
  bearer: Record<string, string>
}

/** A fresh town, a real core, a tiny built renderer and a host on a random port; all closed after the test. */
async function setup(t: TestContext): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'gt-web-host-'))
  const town = join(dir, 'town')
  const rendererDir = join(dir, 'renderer')
  await mkdir(join(rendererDir, 'assets'), { recursive: true })
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Gas Town Control Room</title><script type="module" src="./assets/app.js"></script>')
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("control room")')
  await writeFile(join(dir, 'secret.txt'), SECRET) // a sibling of the renderer, which must stay unreachable

  const core = await createCore({ town })
  const host = await startWebHost({ core, rendererDir, port: 0 })
  t.after(async () => {
    await host.close()
    await core.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { host, town, origin: `http://127.0.0.1:${host.port}`, bearer: { Authorization: `Bearer ${host.token}` } }
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A raw request: the path goes on the wire exactly as given (fetch would normalise `..` away), and so does Host. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const get = (port: number, path: string, headers: Record<string, string> = {}) => send(port, 'GET', path, headers)
const post = (port: number, path: string, headers: Record<string, string> = {}) => send(port, 'POST', path, headers)

/** What a page does: trade the token for a session (POST /auth/session), then the session for a ticket. */
async function signIn(f: Fixture): Promise<string> {
  const res = await post(f.host.port, '/auth/session', { Origin: f.origin, Authorization: `Bearer ${f.host.token}` })
  assert.equal(res.status, 200, res.body)
  return JSON.parse(res.body).session
}

async function ticketFor(f: Fixture, session: string): Promise<string> {
  const res = await post(f.host.port, '/auth/ticket', { Origin: f.origin, Authorization: `Bearer ${session}` })
  assert.equal(res.status, 200, res.body)
  return JSON.parse(res.body).ticket
}

/** Opens a socket; resolves with it once open, or with the HTTP status (and body) the handshake was refused with. */
function openWsReply(url: string, headers: Record<string, string> = {}): Promise<WebSocket | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once('error', (err) => reject(err))
  })
}

async function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  const r = await openWsReply(url, headers)
  return r instanceof WebSocket ? r : r.status
}

async function mustOpen(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = await openWs(url, headers)
  assert.ok(ws instanceof WebSocket, `expected the socket to open, got HTTP ${String(ws)}`)
  return ws
}

/** Sends one frame and waits for the reply with that id (or with id null for frames too broken to have one). */
function callWs(ws: WebSocket, frame: string | object, id: string | null): Promise<any> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = JSON.parse(data.toString())
      if ('event' in msg || msg.id !== id) return
      ws.off('message', onMessage)
      resolve(msg)
    }
    ws.on('message', onMessage)
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  })
}

const wsUrl = (f: Fixture, query = '') => `ws://127.0.0.1:${f.host.port}/ws${query}`

test('binds to 127.0.0.1 only', async (t) => {
  const f = await setup(t)
  assert.match(f.host.url, new RegExp(`^http://127\\.0\\.0\\.1:${f.host.port}/\\?token=[A-Za-z0-9_-]{43}$`))
  assert.equal(await reachable('127.0.0.1', f.host.port), true)
  assert.equal(await reachable('::1', f.host.port), false, 'IPv6 loopback must not answer')
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)
  if (external) assert.equal(await reachable(external.address, f.host.port), false, `${external.address} must not answer`)
})

function reachable(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('the page and its assets are the public build: served without a credential, and no answer ever sets a cookie', async (t) => {
  const f = await setup(t)
  for (const path of ['/', '/index.html', `/?token=${f.host.token}`]) {
    const res = await get(f.host.port, path)
    assert.equal(res.status, 200, path)
    assert.match(res.body, /Gas Town Control Room/)
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(res.headers['set-cookie'], undefined, `${path} must not set a cookie`)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.equal(res.headers['referrer-policy'], 'no-referrer')
    assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin', 'other origins (other local ports too) cannot embed our files')
    assert.equal(res.headers['content-security-policy'], strictPolicy())
  }
  const asset = await get(f.host.port, '/assets/app.js')
  assert.equal(asset.status, 200)
  assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8')
  assert.equal(asset.body, 'console.log("control room")')
  assert.equal(asset.headers['set-cookie'], undefined)
  assert.equal((await get(f.host.port, '/assets/missing.js')).status, 404)
  // Sign-in answers set no cookie either.
  const signed = await post(f.host.port, '/auth/session', { Origin: f.origin, ...f.bearer })
  assert.equal(signed.headers['set-cookie'], undefined)
  const ticket = await post(f.host.port, '/auth/ticket', { Origin: f.origin, Authorization: `Bearer ${JSON.parse(signed.body).session}` })
  assert.equal(ticket.headers['set-cookie'], undefined)
  const other = await post(f.host.port, '/index.html')
  assert.equal(other.status, 405)
  assert.match(other.body, /GET/)
})

test('paths outside the renderer are refused', async (t) => {
  const f = await setup(t)
  for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets%00/app.js', '/%zz']) {
    const res = await get(f.host.port, path)
    assert.notEqual(res.status, 200, path)
    assert.doesNotMatch(res.body, new RegExp(SECRET), path)
  }
})

test('a foreign Host header is refused (DNS rebinding), with a message that names it', async (t) => {
  const f = await setup(t)
  const evil = `evil.example:${f.host.port}`
  const page = await get(f.host.port, '/', { Host: evil })
  assert.equal(page.status, 403)
  assert.match(page.body, /evil\.example/)
  assert.match(page.body, /gt serve printed/)
  assert.equal((await get(f.host.port, '/assets/app.js', { Host: evil })).status, 403)
  assert.equal((await get(f.host.port, '/', { Host: '127.0.0.1' })).status, 403)
  assert.equal((await get(f.host.port, '/', { Host: `localhost:${f.host.port}` })).status, 200)
  assert.equal((await post(f.host.port, '/auth/session', { Host: evil, ...f.bearer })).status, 403)
  assert.equal(await openWs(wsUrl(f), { Host: evil, ...f.bearer }), 403)
})

test('POST /auth/session trades the token, sent in a header, for a page session that is not the token', async (t) => {
  const f = await setup(t)
  const missing = await post(f.host.port, '/auth/session', { Origin: f.origin })
  assert.equal(missing.status, 401)
  assert.equal(JSON.parse(missing.body).error.code, 'unauthorized')
  assert.match(JSON.parse(missing.body).error.message, /open the URL gt serve printed/)
  assert.equal((await post(f.host.port, '/auth/session', { Origin: f.origin, Authorization: 'Bearer wrong' })).status, 401)
  // Never from the URL, never by GET (a link or an <img> could send those).
  assert.equal((await post(f.host.port, `/auth/session?token=${f.host.token}`, { Origin: f.origin })).status, 401)
  const byGet = await get(f.host.port, '/auth/session', f.bearer)
  assert.equal(byGet.status, 405)
  assert.match(JSON.parse(byGet.body).error.message, /POST/)
  // Another origin, another local port included, is refused even with the right token.
  for (const origin of ['http://evil.example', `http://127.0.0.1:${f.host.port + 1}`, 'null']) {
    const res = await post(f.host.port, '/auth/session', { Origin: origin, ...f.bearer })
    assert.equal(res.status, 403, origin)
    assert.match(JSON.parse(res.body).error.message, /Origin/)
  }

  const res = await post(f.host.port, '/auth/session', { Origin: f.origin, ...f.bearer })
  assert.equal(res.status, 200)
  assert.equal(res.headers['cache-control'], 'no-store')
  const { session } = JSON.parse(res.body)
  assert.match(session, /^[A-Za-z0-9_-]{43}$/)
  assert.notEqual(session, f.host.token)
  assert.ok(!session.includes(f.host.token.slice(0, 16)), 'the session is not derived from the token text')
  // A session opens nothing by itself: it is not a credential for the socket or for another session.
  assert.equal(await openWs(wsUrl(f), { Authorization: `Bearer ${session}` }), 401)
  assert.equal(await openWs(wsUrl(f, `?ticket=${session}`), { Origin: f.origin }), 401)
  assert.equal((await post(f.host.port, '/auth/session', { Origin: f.origin, Authorization: `Bearer ${session}` })).status, 401)
})

test('a session gets tickets; each ticket opens one WebSocket, once', async (t) => {
  const f = await setup(t)
  // The town token is not a session: tickets are for pages.
  const noSession = await post(f.host.port, '/auth/ticket', { Origin: f.origin, ...f.bearer })
  assert.equal(noSession.status, 401)
  assert.match(JSON.parse(noSession.body).error.message, /open the URL gt serve printed/)
  assert.equal((await get(f.host.port, '/auth/ticket', { Authorization: 'Bearer x' })).status, 405)

  const session = await signIn(f)
  const ticket = await ticketFor(f, session)
  assert.notEqual(ticket, session)
  assert.equal((await post(f.host.port, '/auth/ticket', { Origin: 'http://evil.example', Authorization: `Bearer ${session}` })).status, 403)

  // A handshake refused for its Origin does not use the ticket up...
  assert.equal(await openWs(wsUrl(f, `?ticket=${ticket}`), { Origin: `http://127.0.0.1:${f.host.port + 1}` }), 403)
  // ...the page's own does, and the next one with it is refused with what to do.
  const page = await mustOpen(wsUrl(f, `?ticket=${encodeURIComponent(ticket)}`), { Origin: f.origin })
  t.after(() => page.close())
  assert.equal((await callWs(page, { id: 'p1', method: 'town.info', params: {} }, 'p1')).result.town, f.town)
  const again = await openWsReply(wsUrl(f, `?ticket=${ticket}`), { Origin: f.origin })
  assert.ok(!(again instanceof WebSocket))
  assert.equal(again.status, 401)
  assert.match(again.body, /ticket is unknown, used or expired.*fresh one/)
  assert.equal(await openWs(wsUrl(f, '?ticket=made-up'), { Origin: f.origin }), 401)
  // Every reconnect gets its own.
  const second = await mustOpen(wsUrl(f, `?ticket=${await ticketFor(f, session)}`), { Origin: f.origin })
  second.close()
})

test('the WebSocket checks Origin whatever credential comes with it', async (t) => {
  const f = await setup(t)
  const session = await signIn(f)
  for (const origin of ['http://evil.example', `http://127.0.0.1:${f.host.port + 1}`, `http://localhost:${f.host.port + 1}`, `https://127.0.0.1:${f.host.port}`, 'null']) {
    const withToken = await openWsReply(wsUrl(f), { Origin: origin, ...f.bearer })
    assert.ok(!(withToken instanceof WebSocket), `${origin} with the token`)
    assert.equal(withToken.status, 403, origin)
    assert.match(withToken.body, /Foreign Origin/)
    assert.equal(await openWs(wsUrl(f, `?ticket=${await ticketFor(f, session)}`), { Origin: origin }), 403, `${origin} with a ticket`)
  }
  // Our own origins, either name, with the token: a tool that sends an Origin is held to it too.
  ;(await mustOpen(wsUrl(f), { Origin: f.origin, ...f.bearer })).close()
  ;(await mustOpen(wsUrl(f), { Origin: `http://localhost:${f.host.port}`, ...f.bearer })).close()
})

test('the WebSocket takes no cookie and no token from the URL: only a ticket or an Authorization header', async (t) => {
  const f = await setup(t)
  const none = await openWsReply(wsUrl(f))
  assert.ok(!(none instanceof WebSocket))
  assert.equal(none.status, 401)
  assert.match(none.body, /ticket=.*\/auth\/ticket.*Authorization: Bearer/)
  assert.equal(await openWs(wsUrl(f), { Origin: f.origin }), 401)
  // What the old host accepted: the token as the page's cookie (with a forged Origin), or in the query.
  assert.equal(await openWs(wsUrl(f), { Origin: f.origin, Cookie: `gt_session_${f.host.port}=${f.host.token}` }), 401)
  assert.equal(await openWs(wsUrl(f), { Cookie: `gt_session_${f.host.port}=${f.host.token}` }), 401)
  assert.equal(await openWs(wsUrl(f, `?token=${f.host.token}`)), 401)
  assert.equal(await openWs(wsUrl(f, `?token=${f.host.token}`), { Origin: f.origin }), 401)
  assert.equal(await openWs(wsUrl(f), { Authorization: 'Bearer wrong' }), 401)
  assert.equal(await openWs(wsUrl(f), { Authorization: f.host.token }), 401, 'not a Bearer header')
})

test('a call over the WebSocket reaches the core: town.info', async (t) => {
  const f = await setup(t)
  // A page of ours: Origin plus a ticket.
  const page = await mustOpen(wsUrl(f, `?ticket=${await ticketFor(f, await signIn(f))}`), { Origin: f.origin })
  t.after(() => page.close())
  const reply = await callWs(page, { id: 'a1', method: 'town.info', params: {} }, 'a1')
  assert.equal(reply.error, undefined, JSON.stringify(reply.error))
  assert.equal(reply.result.town, f.town)
  assert.equal(typeof reply.result.version, 'string')

  // A Node client: no Origin, the token in an Authorization header. Missing params count as {}.
  const tool = await mustOpen(wsUrl(f), f.bearer)
  t.after(() => tool.close())
  const again = await callWs(tool, { id: 'b1', method: 'town.info' }, 'b1')
  assert.equal(again.result.town, f.town)
})

test('bad calls come back as contract errors', async (t) => {
  const f = await setup(t)
  const ws = await mustOpen(wsUrl(f), f.bearer)
  t.after(() => ws.close())

  const badParams = await callWs(ws, { id: 'p', method: 'beads.create', params: { title: '', priority: 9 } }, 'p')
  assert.equal(badParams.error.code, 'invalid_params')
  assert.ok(Array.isArray(badParams.error.issues) && badParams.error.issues.length > 0)

  const strict = await callWs(ws, { id: 's', method: 'town.info', params: { extra: 1 } }, 's')
  assert.equal(strict.error.code, 'invalid_params')

  const unknown = await callWs(ws, { id: 'u', method: 'no.such.method', params: {} }, 'u')
  assert.equal(unknown.error.code, 'unknown_method')

  // An agent-only method is not the human's to call.
  const agentOnly = await callWs(ws, { id: 'g', method: 'agent.prime', params: {} }, 'g')
  assert.ok(['unauthorized', 'unknown_method'].includes(agentOnly.error.code), agentOnly.error.code)

  assert.equal((await callWs(ws, 'not json', null)).error.code, 'invalid_params')
  assert.equal((await callWs(ws, { method: 'town.info' }, null)).error.code, 'invalid_params')
  assert.equal((await callWs(ws, { id: 'x', method: 'town.info', params: [] }, 'x')).error.code, 'invalid_params')

  // The socket survives all of that.
  const ok = await callWs(ws, { id: 'ok', method: 'town.info', params: {} }, 'ok')
  assert.equal(ok.result.town, f.town)
})

test('a notification (no id) is taken only for terminal.ack, and gets no reply', async (t) => {
  const f = await setup(t)
  const ws = await mustOpen(wsUrl(f), f.bearer)
  t.after(() => ws.close())
  const frames: any[] = []
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())))

  // Any other method without an id is refused, as before.
  const refused = await callWs(ws, { method: 'rigs.list', params: {} }, null)
  assert.match(refused.error.message, /"id" must be a non-empty string/)

  // An ack for no such polecat fails in the core, yet nothing comes back: everything that arrives before the
  // reply to the next call is that reply.
  const before = frames.length
  ws.send(JSON.stringify({ method: 'terminal.ack', params: { polecat: 'nosuch/rig', chars: 10 } }))
  const ok = await callWs(ws, { id: 'after', method: 'town.info', params: {} }, 'after')
  assert.equal(ok.result.town, f.town)
  assert.deepEqual(frames.slice(before).map((m) => m.id), ['after'])
})

test('progress and change events reach the sockets', async (t) => {
  const f = await setup(t)
  // A real repository with one commit for rigs.add to clone.
  const repo = join(f.town, '..', 'source-repo')
  await mkdir(repo)
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' })
  git('init', '-q', '-b', 'main')
  await writeFile(join(repo, 'README.md'), 'hello\n')
  git('add', 'README.md')
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'first')

  const caller = await mustOpen(wsUrl(f), f.bearer)
  const watcher = await mustOpen(wsUrl(f, `?ticket=${await ticketFor(f, await signIn(f))}`), { Origin: f.origin })
  t.after(() => {
    caller.close()
    watcher.close()
  })
  const progress: any[] = []
  caller.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString())
    if (msg.event?.type === 'progress') progress.push(msg.event)
  })
  const rigsChanged = new Promise<void>((resolve) => {
    watcher.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString())
      if (msg.event?.type === 'changed' && msg.event.topics.includes('rigs')) resolve()
    })
  })

  const reply = await callWs(caller, { id: 'add-1', method: 'rigs.add', params: { name: 'demo', source: repo } }, 'add-1')
  // Progress was sent on the caller's socket, tagged with the request id, before the reply.
  assert.ok(progress.length > 0, `rigs.add reports progress (reply: ${JSON.stringify(reply)})`)
  for (const p of progress) {
    assert.equal(p.requestId, 'add-1')
    assert.equal(typeof p.message, 'string')
  }
  assert.equal(reply.error, undefined, JSON.stringify(reply.error))
  assert.equal(reply.result.name, 'demo')
  await rigsChanged // the other socket hears about it too
})

test('a frame over 1 MiB closes the socket; close() ends every socket', async (t) => {
  const f = await setup(t)
  const big = await mustOpen(wsUrl(f), f.bearer)
  const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)))
  big.send(JSON.stringify({ id: 'big', method: 'town.info', params: { pad: 'x'.repeat(1024 * 1024) } }))
  assert.equal(await closed, 1009) // message too big

  const ws = await mustOpen(wsUrl(f), f.bearer)
  const ended = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  await f.host.close()
  await ended
  assert.equal(await reachable('127.0.0.1', f.host.port), false)
})
