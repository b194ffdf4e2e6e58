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
import { startWebHost, type WebHost } from '../../src/main/host/web'

const SECRET = 'do-not-serve-this-file'

interface Fixture {
  host: WebHost
  town: string
  origin: string
  cookie: string
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
  return { host, town, origin: `http://127.0.0.1:${host.port}`, cookie: `gt_session_${host.port}=${host.token}` }
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A raw GET: the path goes on the wire exactly as given (fetch would normalise `..` away). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens a socket; resolves with it once open, or with the HTTP status the handshake was refused with. */
function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
    })
    ws.once('error', (err) => reject(err))
  })
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

test('the page is refused without the token', async (t) => {
  const f = await setup(t)
  const res = await get(f.host.port, '/')
  assert.equal(res.status, 401)
  assert.match(res.body, /gt serve/)
  assert.equal(res.headers['set-cookie'], undefined)
  assert.equal((await get(f.host.port, '/?token=wrong')).status, 401)
  assert.equal((await get(f.host.port, '/index.html', { Cookie: `gt_session_${f.host.port}=wrong` })).status, 401)
})

test('the page is served with the token, which it trades for a strict HttpOnly cookie', async (t) => {
  const f = await setup(t)
  const res = await get(f.host.port, `/?token=${f.host.token}`)
  assert.equal(res.status, 200)
  assert.match(res.body, /Gas Town Control Room/)
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  assert.deepEqual(res.headers['set-cookie'], [`gt_session_${f.host.port}=${f.host.token}; HttpOnly; SameSite=Strict; Path=/`])
  assert.equal(res.headers['cache-control'], 'no-store')
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['referrer-policy'], 'no-referrer')
  const csp = String(res.headers['content-security-policy'])
  assert.match(csp, /default-src 'self'/)
  assert.match(csp, /script-src 'self'(;|$)/)
  assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${f.host.port}`))
  assert.match(csp, /frame-ancestors 'none'/)
  // A reload carries only the cookie.
  assert.equal((await get(f.host.port, '/', { Cookie: f.cookie })).status, 200)
})

test('assets need the session cookie and get their content type', async (t) => {
  const f = await setup(t)
  const refused = await get(f.host.port, '/assets/app.js')
  assert.equal(refused.status, 401)
  assert.doesNotMatch(refused.body, /control room"/)
  const ok = await get(f.host.port, '/assets/app.js', { Cookie: `theme=dark; ${f.cookie}` })
  assert.equal(ok.status, 200)
  assert.equal(ok.headers['content-type'], 'text/javascript; charset=utf-8')
  assert.equal(ok.body, 'console.log("control room")')
  assert.equal((await get(f.host.port, '/assets/missing.js', { Cookie: f.cookie })).status, 404)
})

test('paths outside the renderer are refused', async (t) => {
  const f = await setup(t)
  for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets%00/app.js', '/%zz']) {
    const res = await get(f.host.port, path, { Cookie: f.cookie })
    assert.notEqual(res.status, 200, path)
    assert.doesNotMatch(res.body, new RegExp(SECRET), path)
  }
})

test('a foreign Host header is refused (DNS rebinding)', async (t) => {
  const f = await setup(t)
  const path = `/?token=${f.host.token}`
  assert.equal((await get(f.host.port, path, { Host: `evil.example:${f.host.port}` })).status, 403)
  assert.equal((await get(f.host.port, path, { Host: '127.0.0.1' })).status, 403)
  assert.equal((await get(f.host.port, path, { Host: `localhost:${f.host.port}` })).status, 200)
  assert.equal(await openWs(wsUrl(f, `?token=${f.host.token}`), { Host: `evil.example:${f.host.port}` }), 403)
})

test('the WebSocket is refused without the token', async (t) => {
  const f = await setup(t)
  assert.equal(await openWs(wsUrl(f)), 401)
  assert.equal(await openWs(wsUrl(f, '?token=wrong')), 401)
  assert.equal(await openWs(wsUrl(f), { Origin: f.origin }), 401)
  assert.equal(await openWs(wsUrl(f), { Origin: f.origin, Cookie: `gt_session_${f.host.port}=wrong` }), 401)
  // Without an Origin it is not a browser, and a cookie alone is not enough.
  assert.equal(await openWs(wsUrl(f), { Cookie: f.cookie }), 401)
})

test('the WebSocket is refused from a foreign Origin, even with the token', async (t) => {
  const f = await setup(t)
  for (const origin of ['http://evil.example', `http://127.0.0.1:${f.host.port + 1}`, `https://127.0.0.1:${f.host.port}`, 'null']) {
    assert.equal(await openWs(wsUrl(f, `?token=${f.host.token}`), { Origin: origin, Cookie: f.cookie }), 403, origin)
  }
})

test('a call over the WebSocket reaches the core: town.info', async (t) => {
  const f = await setup(t)
  // A page of ours: Origin plus cookie.
  const page = await mustOpen(wsUrl(f), { Origin: f.origin, Cookie: f.cookie })
  t.after(() => page.close())
  const reply = await callWs(page, { id: 'a1', method: 'town.info', params: {} }, 'a1')
  assert.equal(reply.error, undefined, JSON.stringify(reply.error))
  assert.equal(reply.result.town, f.town)
  assert.equal(typeof reply.result.version, 'string')

  // A Node client: no Origin, the token in the query. Missing params count as {}.
  const tool = await mustOpen(wsUrl(f, `?token=${f.host.token}`))
  t.after(() => tool.close())
  const again = await callWs(tool, { id: 'b1', method: 'town.info' }, 'b1')
  assert.equal(again.result.town, f.town)
})

test('bad calls come back as contract errors', async (t) => {
  const f = await setup(t)
  const ws = await mustOpen(wsUrl(f, `?token=${f.host.token}`))
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
  const ws = await mustOpen(wsUrl(f, `?token=${f.host.token}`))
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

  const caller = await mustOpen(wsUrl(f, `?token=${f.host.token}`))
  const watcher = await mustOpen(wsUrl(f), { Origin: f.origin, Cookie: f.cookie })
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
  const big = await mustOpen(wsUrl(f, `?token=${f.host.token}`))
  const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)))
  big.send(JSON.stringify({ id: 'big', method: 'town.info', params: { pad: 'x'.repeat(1024 * 1024) } }))
  assert.equal(await closed, 1009) // message too big

  const ws = await mustOpen(wsUrl(f, `?token=${f.host.token}`))
  const ended = new Promise<void>((resolve) => ws.once('close', () => resolve()))
  await f.host.close()
  await ended
  assert.equal(await reachable('127.0.0.1', f.host.port), false)
})
