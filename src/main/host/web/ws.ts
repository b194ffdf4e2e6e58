// The WebSocket transport of the contract. Each socket is one ClientConnection of the core.
//   client → host: {"id", "method", "params"}, or {"method", "params"} for a notification (NOTIFY_METHODS: no reply)
//   host → client: {"id", "result"} | {"id", "error"} | {"event": CoreEvent}, as JSON text frames,
//                  except terminal output: binary frames (src/shared/terminal-frame.ts)
import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { ClientConnection, CoreApi } from '../../core/connection'
import type { CoreEvent } from '../../../shared/contract'
import { encodeOutputFrameHead } from '../../../shared/terminal-frame'
import { dispatchAsHuman, isContractError, readEnvelope, toContractError } from '../call'
import { bearer, hostAllowed, originAllowed, tokenMatches } from './auth'
import { TICKET_PATH, type Gate } from './http'

export const WS_PATH = '/ws'
const MAX_FRAME = 1024 * 1024
const CLOSE_GRACE_MS = 1000

export interface WsHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): Promise<void>
}

export function createWsHub(opts: { core: CoreApi; gate: Gate }): WsHub {
  const { core, gate } = opts
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME })

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${gate.port}`)
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'No WebSocket here; use /ws.')
    if (!hostAllowed(req.headers.host, gate.port)) {
      return refuse(socket, 403, `Host ${JSON.stringify(req.headers.host ?? '')} is not this control room (127.0.0.1:${gate.port} or localhost:${gate.port}): connect to the address gt serve printed.`)
    }

    // Origin first, whatever credential comes with it: a browser page of another origin (another local port
    // included) never gets a socket, and a refused handshake does not use up the ticket it carried.
    const origin = req.headers.origin
    if (origin !== undefined && !originAllowed(origin, gate.port)) {
      return refuse(socket, 403, `Foreign Origin ${origin}: only the control room's own page (http://127.0.0.1:${gate.port}) may open this socket.`)
    }
    // Two credentials, one per kind of client: a page's single-use ticket (from POST /auth/ticket), or a tool's
    // Authorization: Bearer <token>. The token is never taken from the URL, and no cookie is ever looked at.
    const ticket = url.searchParams.get('ticket')
    const allowed = ticket !== null ? gate.sessions.redeem(ticket) : tokenMatches(gate.token, bearer(req))
    if (!allowed) {
      return refuse(
        socket,
        401,
        ticket !== null
          ? `The ticket is unknown, used or expired: get a fresh one (POST ${TICKET_PATH}) for each connection.`
          : `No credential: pages connect with ?ticket= from POST ${TICKET_PATH} (open the URL gt serve printed); tools send Authorization: Bearer <token>.`
      )
    }

    wss.handleUpgrade(req, socket, head, (ws) => serve(ws))
  }

  function serve(ws: WebSocket): void {
    const client: ClientConnection = {
      id: `ws-${randomUUID()}`,
      send: (event) => sendEvent(ws, event)
    }
    let disconnect: () => void
    try {
      disconnect = core.connect(client)
    } catch (err) {
      ws.close(1011, 'the core is not accepting connections')
      console.error('web host: core.connect failed:', toContractError(err).message)
      return
    }
    ws.on('close', () => disconnect())
    ws.on('error', () => ws.terminate()) // e.g. a frame over maxPayload; 'close' follows and disconnects.

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return write(ws, { id: null, error: { code: 'invalid_params', message: 'send calls as JSON text frames' } })
      let raw: unknown
      try {
        raw = JSON.parse(rawToString(data))
      } catch {
        return write(ws, { id: null, error: { code: 'invalid_params', message: 'a frame must be JSON' } })
      }
      const call = readEnvelope(raw, 'id')
      if (isContractError(call)) return write(ws, { id: idOf(raw), error: call })
      // Calls run concurrently; replies carry the id, so their order does not matter. Notifications get none.
      void dispatchAsHuman(core, call, client).then((reply) => {
        if (call.id !== null) write(ws, { id: call.id, ...reply })
      })
    })
  }

  async function close(): Promise<void> {
    // wss.close() calls back once every socket is gone; sockets get a moment for the closing handshake, then are cut.
    const closed = new Promise<void>((resolve) => wss.close(() => resolve()))
    for (const ws of wss.clients) ws.close(1001, 'server shutting down')
    const grace = setTimeout(() => {
      for (const ws of wss.clients) ws.terminate()
    }, CLOSE_GRACE_MS)
    await closed
    clearTimeout(grace)
  }

  return { handleUpgrade, close }
}

// A terminal sends one event object to all its viewers, one after another: each socket watching it reuses
// the one frame head (the last one made; a WeakMap entry per chunk was work for the garbage collector).
let headOf: { event: CoreEvent; head: Uint8Array } | null = null

function sendEvent(ws: WebSocket, event: CoreEvent): void {
  if (event.type !== 'terminal.output') return write(ws, { event })
  if (ws.readyState !== WebSocket.OPEN) return
  if (headOf?.event !== event) headOf = { event, head: encodeOutputFrameHead(event) }
  const head = headOf.head
  // One message in two fragments, the frame's head and the output as it is: a frame of both copied every
  // byte of output once more, into a fresh buffer for each chunk (bench/core-cpu.ts). Corked, the two go to
  // the kernel in one write, as one frame did, so the page is woken once per chunk, not twice.
  const socket = (ws as unknown as { _socket?: Duplex })._socket
  socket?.cork()
  ws.send(head, { binary: true, fin: false })
  ws.send(event.data, { binary: true, fin: true })
  socket?.uncork()
}

/** Sends one JSON message if the socket is still open. ws queues when the peer is slow; the core's terminal.ack does the flow control. */
function write(ws: WebSocket, message: object): void {
  if (ws.readyState !== WebSocket.OPEN) return
  let json: string
  try {
    json = JSON.stringify(message)
  } catch (err) {
    const id = (message as { id?: unknown }).id ?? null
    json = JSON.stringify({ id, error: { code: 'failed', message: `reply could not be encoded: ${toContractError(err).message}` } })
  }
  ws.send(json)
}

/** The id of a rejected frame, when it has a usable one, so the client can fail the right request. */
function idOf(raw: unknown): string | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined
  return typeof id === 'string' ? id : null
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = message + '\n'
  // As ws does it: let the response flush, then close the socket.
  socket.once('finish', () => socket.destroy())
  socket.on('error', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}
