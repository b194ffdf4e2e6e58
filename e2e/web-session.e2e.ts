// How the page signs in to `gt serve`, in real Chromium: the printed token leaves the address bar and the
// history, nothing the browser holds for 127.0.0.1 reaches another local server in a form that opens the
// control room, and the page's strict CSP (connect-src 'self') still lets it open its own ws:// socket.
//
//   npx electron-vite build && npx node --import tsx --test e2e/web-session.e2e.ts
//
// Browsers send the cookies of 127.0.0.1 to every port of it. So the test plays the other local server: it
// records every request the browser sends it, serves a page that tries the control room from there, and then
// tries every value it recorded, as a cookie, a bearer token, a ticket and a token, with and without a forged
// Origin, against the control room's socket and sign-in endpoints. All must be refused.
import assert from 'node:assert/strict'
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { WebSocket } from 'ws'
import { strictPolicy } from '../src/main/host/csp'
import { removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { expectText, launchChromium, shot, until, watchPage } from './support/browser'
import { startServe, type Served } from './support/serve'
import { expectConnected, tid } from './support/ui'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

interface Recorded {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * The other local server: it records everything and serves a page that, from its own origin, tries what a
 * hostile local site would (a socket and a ticket request to the control room, cookies riding along) and
 * reports what happened to /report.
 */
async function startRecorder(controlRoomPort: number): Promise<{ server: Server; port: number; seen: Recorded[]; reports: unknown[] }> {
  const seen: Recorded[] = []
  const reports: unknown[] = []
  const page = `<!doctype html><title>another local server</title>
<img src="/pixel.png"><script>
(async () => {
  const room = 'http://127.0.0.1:${controlRoomPort}'
  const out = { cookie: document.cookie }
  out.socket = await new Promise((resolve) => {
    const ws = new WebSocket('ws://127.0.0.1:${controlRoomPort}/ws')
    ws.onopen = () => resolve('opened')
    ws.onerror = () => resolve('refused')
  })
  for (const path of ['/auth/ticket', '/auth/session']) {
    try {
      const res = await fetch(room + path, { method: 'POST', credentials: 'include' })
      out[path] = 'answered ' + res.status + ' ' + (await res.text())
    } catch (err) {
      out[path] = 'blocked'
    }
  }
  await fetch('/fetched', { credentials: 'include' })
  await fetch('/report', { method: 'POST', body: JSON.stringify(out) })
})()
</script>`
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body })
      if (req.url === '/report') reports.push(JSON.parse(body))
      if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page)
      else res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port, seen, reports }
}

/** Every value the browser sent: whole header values, cookie pairs and their values, URL parts, bodies, and their pieces. */
function candidates(seen: Recorded[]): { values: string[]; cookieHeaders: string[] } {
  const values = new Set<string>()
  const cookieHeaders = new Set<string>()
  const add = (v: string) => {
    if (!v) return
    values.add(v)
    for (const piece of v.split(/[\s;,=&?/:"'{}[\]]+/)) if (piece) values.add(piece)
  }
  for (const r of seen) {
    add(r.url)
    const url = new URL(r.url, 'http://x')
    for (const [, v] of url.searchParams) add(v)
    add(r.body)
    for (const [name, raw] of Object.entries(r.headers)) {
      for (const v of Array.isArray(raw) ? raw : [raw ?? '']) {
        add(v)
        if (name === 'cookie') {
          cookieHeaders.add(v)
          for (const pair of v.split(';')) {
            add(pair.trim())
            add(pair.slice(pair.indexOf('=') + 1).trim())
          }
        }
      }
    }
  }
  return { values: [...values], cookieHeaders: [...cookieHeaders] }
}

/** 'open' if the control room's socket opened with these, else the HTTP status it was refused with. */
function trySocket(url: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => {
      ws.terminate()
      resolve('open')
    })
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    ws.once('error', () => resolve(-1))
  })
}

function tryPost(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

async function addressBar(page: Page): Promise<string> {
  return page.evaluate(() => location.href)
}

test('the token leaves the address bar and history, and another local server the browser visits gets nothing that opens the control room', { timeout: 60_000 }, async () => {
  const town = tempDir('e2e-websession-town')
  let served: Served | undefined
  let recorder: Awaited<ReturnType<typeof startRecorder>> | undefined
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.addInitScript({
    content: `globalThis.__name ??= (f) => f
      window.__csp = []
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))
      // Which URLs the page opens sockets with, and a handle to drop the live one (a network blip).
      const NativeWebSocket = window.WebSocket
      window.__sockets = []
      window.WebSocket = class extends NativeWebSocket {
        constructor(url, protocols) {
          super(url, protocols)
          window.__sockets.push({ url: String(url), socket: this })
        }
      }`
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const problems = watchPage(page)
  try {
    served = await startServe(town)
    const printed = new URL(served.url)
    const token = printed.searchParams.get('token')!
    const port = Number(printed.port)
    const origin = printed.origin
    const wsUrl = `ws://127.0.0.1:${port}/ws`
    recorder = await startRecorder(port)

    // 1. Open the printed URL. The page is served with the strict policy; connect-src 'self' lets it open its own ws://.
    const response = await page.goto(served.url)
    assert.equal(response?.headers()['content-security-policy'], strictPolicy())
    assert.ok(!strictPolicy().includes('ws:'), "the policy allows the socket through 'self' alone")
    await expectConnected(page)
    assert.deepEqual(await page.evaluate(() => (window as any).__csp), [], 'no CSP violations while connecting')
    await shot(page, 'websession-connected')

    // 2. The token is gone from the address bar, and the history entry holds no token either.
    for (const where of ['after load', 'once connected']) {
      const bar = await addressBar(page)
      assert.equal(bar, `${origin}/`, `the address bar ${where}`)
      assert.ok(!bar.includes(token), `no token in the address bar ${where}`)
    }
    assert.equal(await page.evaluate(() => document.cookie), '', 'the page has no cookies at all')
    assert.deepEqual(await context.cookies(origin), [], 'the host set no cookie')
    const stored = await page.evaluate(() => Object.entries(sessionStorage))
    assert.ok(stored.every(([, v]) => !v.includes(token)), 'the token is not kept in sessionStorage')
    const session = stored.find(([k]) => k === 'gt.session')?.[1]
    assert.ok(session, `the page keeps a page session in sessionStorage (has ${JSON.stringify(stored.map(([k]) => k))})`)

    // From a timer: the navigation would otherwise end the evaluate's own context before it returns.
    await page.evaluate(() => void setTimeout(() => history.back(), 0))
    await until(async () => (await addressBar(page)) !== `${origin}/`, 'history.back() to leave the control room')
    assert.ok(!(await addressBar(page)).includes(token), `history.back() brought the token back: ${await addressBar(page)}`)
    await page.evaluate(() => void setTimeout(() => history.forward(), 0))
    await until(async () => (await addressBar(page)) === `${origin}/`, 'history.forward() to return to the control room')
    await expectConnected(page) // the tab's page session carries it back in, with no token
    // A reload needs no token either, and brings none back.
    await page.reload()
    await expectConnected(page)
    assert.equal(await addressBar(page), `${origin}/`)
    assert.deepEqual(await page.evaluate(() => (window as any).__csp), [])
    // The socket drops: the page reconnects with a fresh ticket, never with the token or the session.
    await page.evaluate(() => (window as any).__sockets.at(-1).socket.close())
    await until(async () => (await page.evaluate(() => (window as any).__sockets.length)) >= 2, 'the page to open a new socket after the drop')
    await expectConnected(page)
    const socketUrls: string[] = await page.evaluate(() => (window as any).__sockets.map((s: { url: string }) => s.url))
    for (const u of socketUrls) {
      assert.match(u, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/ws\\?ticket=[A-Za-z0-9_-]{43}$`))
      assert.ok(!u.includes(token) && !u.includes(session), u)
    }
    assert.equal(new Set(socketUrls).size, socketUrls.length, 'every connection had its own ticket')

    // 3. A cookie on the control room's origin reaches any other port of 127.0.0.1: the recorder must show it,
    //    which is how the old host's session cookie (the raw token) leaked. Then visit the other server.
    await page.evaluate(() => (document.cookie = 'probe=set-by-the-control-room; path=/; SameSite=Strict'))
    for (const name of ['127.0.0.1', 'localhost']) {
      const before = recorder.reports.length
      await page.goto(`http://${name}:${recorder.port}/`)
      await until(() => recorder!.reports.length > before, `the page on ${name}:${recorder.port} to report`)
    }
    const probed = recorder.seen.some((r) => String(r.headers.cookie ?? '').includes('probe=set-by-the-control-room'))
    assert.ok(probed, 'the recorder sees the cookies Chromium holds for 127.0.0.1 (else this test could not catch a leak)')

    // From its own origin, the other server's page got nothing from the control room.
    for (const report of recorder.reports as Record<string, string>[]) {
      assert.equal(report.socket, 'refused', 'a socket from another local origin')
      assert.equal(report['/auth/ticket'], 'blocked', 'a ticket request from another local origin (no CORS: the page cannot read an answer)')
      assert.equal(report['/auth/session'], 'blocked')
      assert.ok(!report.cookie.includes(token) && !report.cookie.includes(session))
    }

    // 4. Nothing recorded is the token or the page session, and nothing recorded opens the control room.
    const { values, cookieHeaders } = candidates(recorder.seen)
    const everything = JSON.stringify(recorder.seen)
    assert.ok(!everything.includes(token), 'the token reached the other server')
    assert.ok(!everything.includes(session), 'the page session reached the other server')
    assert.ok(values.length > 20, `the browser sent the recorder something to try (${values.length} values)`)

    // The attempts can succeed: the real token, as a tool sends it, opens the socket.
    assert.equal(await trySocket(wsUrl, { Authorization: `Bearer ${token}` }), 'open', 'the real token opens the socket (the harness sees an open)')

    const opened: string[] = []
    const attempt = async (what: string, result: Promise<'open' | number>) => {
      const r = await result
      if (r === 'open' || r === 200) opened.push(what)
    }
    for (const forged of [{ Origin: origin }, {} as Record<string, string>]) {
      const how = forged.Origin ? ' with a forged Origin' : ' without an Origin'
      for (const cookie of cookieHeaders) await attempt(`Cookie: ${cookie}${how}`, trySocket(wsUrl, { ...forged, Cookie: cookie }))
      for (const v of values) {
        await attempt(`cookie ${v}${how}`, trySocket(wsUrl, { ...forged, Cookie: `gt_session_${port}=${v}` }))
        await attempt(`bearer ${v}${how}`, trySocket(wsUrl, { ...forged, Authorization: `Bearer ${v}` }))
        await attempt(`ticket ${v}${how}`, trySocket(`${wsUrl}?ticket=${encodeURIComponent(v)}`, forged))
        await attempt(`token ${v}${how}`, trySocket(`${wsUrl}?token=${encodeURIComponent(v)}`, forged))
        await attempt(`session ${v}${how}`, tryPost(port, '/auth/ticket', { ...forged, Authorization: `Bearer ${v}` }))
        await attempt(`sign-in ${v}${how}`, tryPost(port, '/auth/session', { ...forged, Authorization: `Bearer ${v}` }))
      }
    }
    assert.deepEqual(opened, [], 'values the other server received that open the control room')
    console.log(`# tried ${values.length} recorded values and ${cookieHeaders.length} cookie headers from ${recorder.seen.length} requests, 6 ways each, with and without a forged Origin: all refused`)
    assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions in the page')
  } catch (err) {
    await shot(page, 'FAILED-websession').catch(() => {})
    throw err
  } finally {
    await context.close()
    await served?.stop('SIGTERM').catch(() => served?.proc.kill('SIGKILL'))
    await new Promise<void>((resolve) => (recorder ? recorder.server.close(() => resolve()) : resolve()))
    removeDir(town)
  }
})

test('a page opened without the token, or whose session the host no longer knows, says signed out and what to do', { timeout: 45_000 }, async () => {
  const town = tempDir('e2e-websession-signedout')
  let served: Served | undefined
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  try {
    served = await startServe(town)
    const origin = new URL(served.url).origin
    // Without the token the page loads (it is the public build) but is let in nowhere.
    await page.goto(`${origin}/`)
    await expectText(tid(page, 'connection-status'), 'signed out: open the URL gt serve printed', 'the connection status without a token')
    await shot(page, 'websession-signed-out')

    // Signed in, then gt serve restarts on the same port: it prints a new token, and the old page session is refused for good.
    await page.goto(served.url)
    await expectConnected(page)
    assert.equal(await served.stop('SIGTERM'), 0)
    await expectText(tid(page, 'connection-status'), /reconnecting/, 'the connection status while the host is down')
    served = await startServe(town, { port: Number(new URL(origin).port) })
    await expectText(tid(page, 'connection-status'), 'signed out', 'the connection status once the new host refuses the old session', 20_000)
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gt.session')), null, 'the refused session is forgotten')
    // The newly printed URL lets the same tab in again.
    await page.goto(served.url)
    await expectConnected(page)
  } catch (err) {
    await shot(page, 'FAILED-websession-signed-out').catch(() => {})
    throw err
  } finally {
    await context.close()
    await served?.stop('SIGTERM').catch(() => served?.proc.kill('SIGKILL'))
    removeDir(town)
  }
})
