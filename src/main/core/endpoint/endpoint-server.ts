// The loopback HTTP endpoint the gt command calls: POST /rpc with `Authorization: Bearer <token>` and
// `{ method, params }`. The answer is NDJSON: progress lines, then one result or error line, so long calls
// (rigs.add) can show progress in a terminal. GET /health says the endpoint is up (town, pid).
// Both answer only a Host header that names this loopback address, so a DNS-rebinding page (evil.example
// resolving to 127.0.0.1) is refused whatever it sends; /health also answers a valid token from anywhere.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { CoreError } from '../../../shared/contract'
import type { CoreApi } from '../connection'

const MAX_BODY = 1024 * 1024

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new CoreError('invalid_params', 'request body over 1 MiB')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function errorJson(err: unknown) {
  if (err instanceof CoreError) return err.toJSON()
  return { code: 'failed' as const, message: err instanceof Error ? err.message : String(err) }
}

function refuseRpc(res: ServerResponse, message: string): void {
  res.writeHead(403, { 'content-type': 'application/x-ndjson' })
  res.end(JSON.stringify({ error: { code: 'unauthorized', message } }) + '\n')
}

export async function startEndpointServer(core: Pick<CoreApi, 'authenticate' | 'dispatch' | 'town'>): Promise<{ server: Server; url: string }> {
  let port = 0
  const loopbackHost = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`
  const wrongHost = (host: string | undefined) =>
    `Host ${JSON.stringify(host ?? '')} is not this endpoint (127.0.0.1:${port}): gt connects to the url in <town>/endpoint.json or GT_ENDPOINT\n`

  const server = createServer(async (req, res) => {
    const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null
    if (req.method === 'GET' && req.url === '/health') {
      if (!loopbackHost(req.headers.host) && !core.authenticate(bearer)) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(wrongHost(req.headers.host))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ ok: true, town: core.town, pid: process.pid }))
      return
    }
    if (req.method !== 'POST' || req.url !== '/rpc') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    // /rpc refusals are NDJSON error lines like every other answer, so gt shows their message as it is.
    if (!loopbackHost(req.headers.host)) return refuseRpc(res, wrongHost(req.headers.host).trimEnd())
    // Browsers send an Origin; the gt command never does. Refusing them stops a web page from posting here.
    if (req.headers.origin) return refuseRpc(res, `browser requests are not accepted here (Origin ${req.headers.origin}): the endpoint is for the gt command`)
    const caller = core.authenticate(bearer)
    if (!caller) {
      res.writeHead(401, { 'content-type': 'application/x-ndjson' })
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'no valid token: agents need their GT_TOKEN; humans run gt on the town machine' } }) + '\n')
      return
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' })
    // A caller that goes away (a hook killed by its agent, a gt interrupted) aborts a call that waits for it.
    const gone = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) gone.abort()
    })
    try {
      const body = JSON.parse(await readBody(req)) as { method?: unknown; params?: unknown }
      if (typeof body.method !== 'string') throw new CoreError('invalid_params', 'expected { method, params }')
      const result = await core.dispatch(body.method, body.params ?? {}, {
        caller,
        client: { id: `gt-${randomBytes(4).toString('hex')}`, send: () => {} },
        progress: (message, percent) => res.write(JSON.stringify({ progress: { message, percent } }) + '\n'),
        signal: gone.signal
      })
      res.end(JSON.stringify({ result: result ?? null }) + '\n')
    } catch (err) {
      const error = err instanceof SyntaxError ? { code: 'invalid_params', message: 'request body is not JSON' } : errorJson(err)
      res.end(JSON.stringify({ error }) + '\n')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return { server, url: `http://127.0.0.1:${port}` }
}
