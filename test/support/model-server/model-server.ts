// A scripted Anthropic Messages server: the one thing tests script when they run the real Claude Code.
// It plays the model on 127.0.0.1 from a list of steps, one per main model turn, and records every request
// so a test can assert what the CLI sent (tool results, is_error, resumed history). See README.md here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One main model turn. */
export type Step =
  /** Call Claude Code's Bash tool with this command. */
  | { bash: string; description?: string }
  /** Call any tool by name with this input (e.g. `Write`, `Read`, `mcp__gt__prime`). */
  | { tool: string; input: Record<string, unknown> }
  /** Say this text and end the turn (`stop_reason: "end_turn"`). */
  | { say: string }

/** Why the server classed a request as it did. */
export type RequestKind =
  /** A turn of the main conversation: it carries tools and consumed a step (or found none left). */
  | 'main'
  /** A request without tools (title, summary, warm-up, quota check): answered with plain text, no step used. */
  | 'side'
  /** A compaction (/compact, or automatic): it carries tools but asks for text only; answered with a summary, no step used. */
  | 'compact'
  /** `POST /v1/messages/count_tokens`. */
  | 'count_tokens'
  /** Anything else (`HEAD /`, unknown paths): answered 200 with an empty body or JSON `{}`. */
  | 'other'

export interface RecordedRequest {
  /** Order of arrival, from 0. */
  index: number
  method: string
  /** Path with its query string, e.g. `/v1/messages?beta=true`. */
  url: string
  headers: IncomingMessage['headers']
  /** The parsed JSON body, or undefined where there was none (or it was not JSON: see `rawBody`). */
  body?: MessagesRequestBody
  rawBody: string
  kind: RequestKind
  /** For `main` requests: the index of the step that answered it, or -1 when the script had run out. */
  step?: number
  /** Milliseconds since the server started. */
  at: number
}

/** The parts of a Messages request body tests look at; the rest is kept as it came. */
export interface MessagesRequestBody {
  model?: string
  stream?: boolean
  system?: unknown
  tools?: Array<{ name: string; [k: string]: unknown }>
  messages?: Array<{ role: string; content: string | ContentBlock[] }>
  [k: string]: unknown
}

export interface ContentBlock {
  type: string
  text?: string
  id?: string
  name?: string
  input?: unknown
  tool_use_id?: string
  content?: string | ContentBlock[]
  is_error?: boolean
  [k: string]: unknown
}

export interface ModelServerOptions {
  /** The text side requests get (default "OK"). */
  sideText?: string
  /** The text a main request gets once the steps have run out (it ends the turn). */
  exhaustedText?: string
  /** The summary a compaction request gets. */
  compactText?: string
}

export interface ModelServer {
  /** `http://127.0.0.1:PORT`: give it to Claude Code as ANTHROPIC_BASE_URL. */
  url: string
  port: number
  /** Every request so far, in order of arrival. */
  requests: RecordedRequest[]
  /** The main turns so far. */
  mainRequests(): RecordedRequest[]
  /** How many steps have been used. */
  stepsUsed(): number
  /** Appends steps (for a later turn, e.g. after a resume). */
  addSteps(...steps: Step[]): void
  /** Resolves with the first request (past or future) that matches; rejects after timeoutMs. */
  waitForRequest(match: (r: RecordedRequest) => boolean, what: string, timeoutMs?: number): Promise<RecordedRequest>
  close(): Promise<void>
}

/** Every tool_result block in a request's messages, with the text of its content. */
export function toolResults(body: MessagesRequestBody | undefined): Array<{ tool_use_id: string; is_error: boolean; text: string }> {
  const out: Array<{ tool_use_id: string; is_error: boolean; text: string }> = []
  for (const m of body?.messages ?? []) {
    if (typeof m.content === 'string') continue
    for (const b of m.content) {
      if (b.type !== 'tool_result') continue
      out.push({ tool_use_id: String(b.tool_use_id), is_error: b.is_error === true, text: blockText(b.content) })
    }
  }
  return out
}

/**
 * The text blocks of the request's messages, of one role or of all. Claude Code 2.1 sends hook context (a
 * SessionStart hook's additionalContext) and its environment notes as `role: "system"` messages; the
 * prompt and system reminders are `user` messages.
 */
export function messageTexts(body: MessagesRequestBody | undefined, role?: 'user' | 'assistant' | 'system'): string[] {
  const out: string[] = []
  for (const m of body?.messages ?? []) {
    if (role !== undefined && m.role !== role) continue
    if (typeof m.content === 'string') out.push(m.content)
    else for (const b of m.content) if (b.type === 'text' && typeof b.text === 'string') out.push(b.text)
  }
  return out
}

// Claude Code 2.1's compaction request: the whole conversation, its tools, and a last user message that
// starts with this instruction.
const COMPACTION_MARK = 'CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.'

function isCompaction(body: MessagesRequestBody): boolean {
  const last = body.messages?.at(-1)
  if (!last || last.role !== 'user') return false
  const text = typeof last.content === 'string' ? last.content : last.content.map((b) => (typeof b.text === 'string' ? b.text : '')).join('')
  return text.trimStart().startsWith(COMPACTION_MARK)
}

function blockText(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return ''
  if (typeof content === 'string') return content
  return content.map((c) => (typeof c.text === 'string' ? c.text : '')).join('')
}

function validateSteps(steps: Step[]): void {
  steps.forEach((s, i) => {
    const keys = Object.keys(s)
    const ok =
      ('bash' in s && typeof s.bash === 'string' && keys.every((k) => k === 'bash' || k === 'description')) ||
      ('tool' in s && typeof s.tool === 'string' && typeof s.input === 'object' && s.input !== null && keys.length === 2) ||
      ('say' in s && typeof s.say === 'string' && keys.length === 1)
    if (!ok) throw new Error(`model-server: step ${i} ${JSON.stringify(s)} is not {bash, description?}, {tool, input} or {say}`)
  })
}

export async function startModelServer(initialSteps: Step[], opts: ModelServerOptions = {}): Promise<ModelServer> {
  validateSteps(initialSteps)
  const steps = [...initialSteps]
  const requests: RecordedRequest[] = []
  const waiters: Array<{ match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }> = []
  const started = Date.now()
  let used = 0
  let ids = 0

  const record = (r: RecordedRequest): void => {
    requests.push(r)
    for (const w of [...waiters]) {
      if (w.match(r)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(r)
      }
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req)
    let body: MessagesRequestBody | undefined
    try {
      body = rawBody ? (JSON.parse(rawBody) as MessagesRequestBody) : undefined
    } catch {
      body = undefined
    }
    const url = req.url ?? '/'
    const path = url.split('?')[0]
    const base = { index: requests.length, method: req.method ?? 'GET', url, headers: req.headers, body, rawBody, at: Date.now() - started }

    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      record({ ...base, kind: 'count_tokens' })
      return sendJson(res, { input_tokens: Math.max(1, Math.ceil(rawBody.length / 4)) })
    }
    if (req.method === 'POST' && path === '/v1/messages' && body) {
      const model = typeof body.model === 'string' ? body.model : 'claude-scripted'
      const isMain = Array.isArray(body.tools) && body.tools.length > 0
      let reply: Reply
      if (!isMain) {
        record({ ...base, kind: 'side' })
        reply = { kind: 'text', text: opts.sideText ?? 'OK' }
      } else if (isCompaction(body)) {
        record({ ...base, kind: 'compact' })
        reply = { kind: 'text', text: opts.compactText ?? '<summary>Scripted summary: the conversation so far, compacted.</summary>' }
      } else if (used < steps.length) {
        const i = used++
        record({ ...base, kind: 'main', step: i })
        reply = replyFor(steps[i], () => `toolu_scripted_${++ids}`)
      } else {
        record({ ...base, kind: 'main', step: -1 })
        reply = { kind: 'text', text: opts.exhaustedText ?? 'The scripted model has no more steps.' }
      }
      const msgId = `msg_scripted_${++ids}`
      if (body.stream === true) return sendStream(res, msgId, model, reply)
      return sendJson(res, messageJson(msgId, model, reply))
    }
    record({ ...base, kind: 'other' })
    if (req.method === 'HEAD') {
      res.writeHead(200)
      res.end()
      return
    }
    sendJson(res, {})
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: `model-server: ${String(err)}` } }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    mainRequests: () => requests.filter((r) => r.kind === 'main'),
    stepsUsed: () => used,
    addSteps: (...more: Step[]) => {
      validateSteps(more)
      steps.push(...more)
    },
    waitForRequest: (match, what, timeoutMs = 60_000) =>
      new Promise<RecordedRequest>((resolve, reject) => {
        const found = requests.find(match)
        if (found) return resolve(found)
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(new Error(`model-server: timed out after ${timeoutMs} ms waiting for ${what} (${requests.length} requests so far: ${requests.map((r) => `${r.method} ${r.url} ${r.kind}`).join(', ')})`))
        }, timeoutMs)
        const w = {
          match,
          resolve: (r: RecordedRequest) => {
            clearTimeout(timer)
            resolve(r)
          }
        }
        waiters.push(w)
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

type Reply = { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; input: Record<string, unknown> }

function replyFor(step: Step, newId: () => string): Reply {
  if ('say' in step) return { kind: 'text', text: step.say }
  if ('bash' in step) {
    return { kind: 'tool', id: newId(), name: 'Bash', input: { command: step.bash, description: step.description ?? 'Run a scripted command' } }
  }
  return { kind: 'tool', id: newId(), name: step.tool, input: step.input }
}

function usage(): Record<string, number> {
  return { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
}

function messageJson(id: string, model: string, reply: Reply): Record<string, unknown> {
  const content =
    reply.kind === 'text' ? [{ type: 'text', text: reply.text }] : [{ type: 'tool_use', id: reply.id, name: reply.name, input: reply.input }]
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null, usage: usage() }
}

function sendJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value)
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function sendStream(res: ServerResponse, id: string, model: string, reply: Reply): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  const send = (event: string, data: Record<string, unknown>): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`)
  }
  send('message_start', {
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage(), output_tokens: 1 } }
  })
  if (reply.kind === 'text') {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: reply.text } })
  } else {
    send('content_block_start', { index: 0, content_block: { type: 'tool_use', id: reply.id, name: reply.name, input: {} } })
    send('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(reply.input) } })
  }
  send('content_block_stop', { index: 0 })
  send('message_delta', { delta: { stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null }, usage: { output_tokens: 10 } })
  send('message_stop', {})
  res.end()
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
