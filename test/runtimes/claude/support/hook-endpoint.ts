// A loopback stand-in for the core's side of `gt hook`, for tests of the hook path before the lead wires
// `agent.hook` into the real core: POST /rpc with the agent's Bearer token, `{method: "agent.hook", params:
// {runtime, event, input}}`, answered in NDJSON as the real endpoint answers (headers at once, then one
// result line). It records every call, lets the test decide each answer (and take as long as it likes), and
// notices a caller that hangs up before its answer (Claude Code killed the hook).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HookCall {
  event: string
  input: Record<string, unknown>
  /** Set when the caller went away before an answer was sent. */
  abandoned: boolean
  answered: boolean
}

export type HookAnswer = { stdout?: string; exitCode?: number } | null

export interface HookEndpoint {
  url: string
  token: string
  calls: HookCall[]
  waitForCall(match: (c: HookCall) => boolean, what: string, timeoutMs?: number): Promise<HookCall>
  close(): Promise<void>
}

export async function startHookEndpoint(token: string, answer: (call: HookCall) => Promise<HookAnswer> | HookAnswer): Promise<HookEndpoint> {
  const calls: HookCall[] = []
  const waiters: Array<() => void> = []
  const notify = () => {
    for (const w of [...waiters]) w()
  }
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/rpc') {
      res.writeHead(404).end()
      return
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/x-ndjson' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'bad token' } }) + '\n')
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      let body: { method?: string; params?: { event?: string; input?: Record<string, unknown> } }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        res.end(JSON.stringify({ error: { code: 'invalid_params', message: 'not JSON' } }) + '\n')
        return
      }
      if (body.method !== 'agent.hook' || typeof body.params?.event !== 'string') {
        res.end(JSON.stringify({ error: { code: 'invalid_params', message: `expected agent.hook, got ${body.method}` } }) + '\n')
        return
      }
      const call: HookCall = { event: body.params.event, input: body.params.input ?? {}, abandoned: false, answered: false }
      calls.push(call)
      res.on('close', () => {
        if (!call.answered) {
          call.abandoned = true
          notify()
        }
      })
      notify()
      Promise.resolve(answer(call)).then(
        (a) => {
          if (call.abandoned) return
          call.answered = true
          res.end(JSON.stringify({ result: a }) + '\n')
          notify()
        },
        (err: unknown) => res.end(JSON.stringify({ error: { code: 'failed', message: String(err) } }) + '\n')
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    calls,
    waitForCall: (match, what, timeoutMs = 60_000) =>
      new Promise<HookCall>((resolve, reject) => {
        const check = () => {
          const c = calls.find(match)
          if (!c) return
          waiters.splice(waiters.indexOf(check), 1)
          clearTimeout(timer)
          resolve(c)
        }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1)
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; calls so far: ${calls.map((c) => c.event).join(', ')}`))
        }, timeoutMs)
        waiters.push(check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
