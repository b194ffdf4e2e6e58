// The loopback endpoint gt calls, on a real core: /health and /rpc answer only a Host that names this loopback
// address (a DNS-rebinding page sends its own name), /health also a valid token; refusals say what to do.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { createCore } from '../../src/main/core/core'
import { readEndpoint } from '../../src/main/core/endpoint/endpoint-file'

async function setup(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'gt-endpoint-'))
  const town = join(dir, 'town')
  const core = await createCore({ town })
  t.after(async () => {
    await core.close()
    await rm(dir, { recursive: true, force: true })
  })
  const info = readEndpoint(town)!
  const port = Number(new URL(info.url).port)
  return { town, port, token: info.token }
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('/health answers a loopback Host, or a valid token; anything else is refused with what to do', async (t) => {
  const { town, port, token } = await setup(t)
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const ok = await send(port, 'GET', '/health', { Host: host })
    assert.equal(ok.status, 200, host)
    assert.equal(JSON.parse(ok.body).town, town)
  }
  for (const host of [`evil.example:${port}`, '127.0.0.1', `127.0.0.1:${port + 1}`, `rebind.127.0.0.1.nip.io:${port}`]) {
    const refused = await send(port, 'GET', '/health', { Host: host })
    assert.equal(refused.status, 403, host)
    assert.ok(refused.body.includes(JSON.stringify(host)), `the refusal names the Host it got: ${refused.body}`)
    assert.match(refused.body, /endpoint\.json/)
    assert.doesNotMatch(refused.body, new RegExp(town.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), 'a refusal does not tell the town')
    assert.equal((await send(port, 'GET', '/health', { Host: host, Authorization: 'Bearer wrong' })).status, 403)
  }
  // A caller that holds the token is answered whatever name it used.
  const withToken = await send(port, 'GET', '/health', { Host: `evil.example:${port}`, Authorization: `Bearer ${token}` })
  assert.equal(withToken.status, 200)
  assert.equal(JSON.parse(withToken.body).town, town)
})

test('/rpc refuses a foreign Host even with the token, as an NDJSON error gt can print', async (t) => {
  const { town, port, token } = await setup(t)
  const call = JSON.stringify({ method: 'town.info', params: {} })
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
  const refused = await send(port, 'POST', '/rpc', { ...headers, Host: `evil.example:${port}` }, call)
  assert.equal(refused.status, 403)
  const error = JSON.parse(refused.body.trim()).error
  assert.equal(error.code, 'unauthorized')
  assert.match(error.message, /"evil\.example:\d+" is not this endpoint.*endpoint\.json/)

  const browser = await send(port, 'POST', '/rpc', { ...headers, Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' }, call)
  assert.equal(browser.status, 403)
  assert.match(JSON.parse(browser.body.trim()).error.message, /browser requests are not accepted/)

  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const ok = await send(port, 'POST', '/rpc', { ...headers, Host: host }, call)
    assert.equal(ok.status, 200, host)
    assert.equal(JSON.parse(ok.body.trim().split('\n').pop()!).result.town, town)
  }
})
