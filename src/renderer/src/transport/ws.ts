// WebSocket transport for the headless host. The host may restart at any time, so the socket
// reconnects with backoff; calls made while it is down wait for it rather than failing at once.
// Each connection attempt asks `target` for its URL, since each handshake needs a fresh single-use ticket;
// when `target` throws SignedOut the host has refused this page for good, and the transport stops.
import type { CoreEvent, HumanMethod, NotifyMethod, ParamsIn, Result, ViewEvent } from '../../../shared/contract'
import { decodeOutputFrame } from '../../../shared/terminal-frame'
import { SignedOut } from './web-session'
import { ClientError, Listeners, asContractError, nextRequestId, type ConnStatus, type ProgressFn, type Transport } from './types'

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
  onProgress?: ProgressFn
}

interface Queued {
  frame: string
  id: string
  timer: ReturnType<typeof setTimeout>
}

/** How long a call waits for a connection before it gives up. */
const QUEUE_TIMEOUT_MS = 20_000
const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 5_000

export class WsTransport implements Transport {
  readonly kind = 'ws' as const
  private socket: WebSocket | null = null
  private state: ConnStatus = 'connecting'
  private opens = 0
  private attempt = 0
  private pending = new Map<string, Pending>()
  private queue: Queued[] = []
  private events = new Listeners<[ViewEvent]>()
  private statusListeners = new Listeners<[ConnStatus, number]>()
  private signedOut: string | null = null

  constructor(private target: () => Promise<string>) {
    void this.connect()
  }

  call<M extends HumanMethod>(method: M, params: ParamsIn<M>, opts?: { onProgress?: ProgressFn }): Promise<Result<M>> {
    const id = nextRequestId()
    const frame = JSON.stringify({ id, method, params: params ?? {} })
    return new Promise<Result<M>>((resolve, reject) => {
      if (this.signedOut !== null) return reject(new ClientError({ code: 'unauthorized', message: this.signedOut }))
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts?.onProgress })
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(frame)
        return
      }
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((q) => q.id !== id)
        this.fail(id, 'not connected to the control room core (still reconnecting)')
      }, QUEUE_TIMEOUT_MS)
      this.queue.push({ frame, id, timer })
    })
  }

  notify<M extends NotifyMethod>(method: M, params: ParamsIn<M>): void {
    // No id, no reply. While the socket is down it is dropped: the re-attach after a reconnect starts afresh.
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ method, params }))
  }

  onEvent(listener: (event: ViewEvent) => void): () => void {
    return this.events.add(listener)
  }

  status(): ConnStatus {
    return this.state
  }

  epoch(): number {
    return this.opens
  }

  onStatus(listener: (status: ConnStatus, epoch: number) => void): () => void {
    return this.statusListeners.add(listener)
  }

  private setStatus(status: ConnStatus): void {
    this.state = status
    this.statusListeners.emit(status, this.opens)
  }

  private async connect(): Promise<void> {
    let url: string
    try {
      url = await this.target()
    } catch (err) {
      if (err instanceof SignedOut) return this.signOut(err.message)
      console.warn(`control room unreachable: ${(err as Error).message}`)
      this.scheduleReconnect()
      return
    }
    let socket: WebSocket
    try {
      socket = new WebSocket(url)
    } catch (err) {
      console.error('websocket failed to open', err)
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.binaryType = 'arraybuffer' // terminal output: handed to xterm as bytes, never made a string here
    socket.onopen = () => {
      this.attempt = 0
      this.opens += 1
      const queued = this.queue
      this.queue = []
      for (const q of queued) {
        clearTimeout(q.timer)
        socket.send(q.frame)
      }
      this.setStatus('connected')
    }
    socket.onmessage = (msg) => this.receive(msg.data)
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      // Calls already sent can't be replayed safely (rigs.add, sling are not idempotent): fail them.
      for (const id of [...this.pending.keys()]) {
        if (!this.queue.some((q) => q.id === id)) this.fail(id, 'connection to the core was lost before it answered')
      }
      this.setStatus(this.opens > 0 ? 'reconnecting' : 'connecting')
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt)
    this.attempt += 1
    setTimeout(() => void this.connect(), base / 2 + Math.random() * (base / 2))
  }

  /** The host refused this page's session: every waiting call fails with the host's message, and no reconnect follows. */
  private signOut(message: string): void {
    this.signedOut = message
    for (const q of this.queue) clearTimeout(q.timer)
    this.queue = []
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id)
      p.reject(new ClientError({ code: 'unauthorized', message }))
    }
    console.error(message)
    this.setStatus('signed-out')
  }

  private receive(raw: unknown): void {
    if (raw instanceof ArrayBuffer) return this.receiveOutput(raw)
    if (typeof raw !== 'string') return
    let msg: { id?: string; result?: unknown; error?: unknown; event?: CoreEvent }
    try {
      msg = JSON.parse(raw)
    } catch {
      console.error('unparseable frame from host')
      return
    }
    if (msg.event) {
      const ev = msg.event
      if (ev.type === 'progress') this.pending.get(ev.requestId)?.onProgress?.(ev.message, ev.percent)
      this.events.emit(ev)
      return
    }
    if (!msg.id) return
    const p = this.pending.get(msg.id)
    if (!p) return
    this.pending.delete(msg.id)
    if ('error' in msg && msg.error !== undefined) p.reject(new ClientError(asContractError(msg.error)))
    else p.resolve(msg.result)
  }

  private receiveOutput(raw: ArrayBuffer): void {
    let f
    try {
      f = decodeOutputFrame(new Uint8Array(raw))
    } catch (err) {
      console.error(`bad terminal frame from host: ${(err as Error).message}`)
      return
    }
    this.events.emit({ type: 'terminal.output', polecatId: f.polecatId, sessionId: f.sessionId, seq: f.seq, data: f.bytes })
  }

  private fail(id: string, message: string): void {
    const p = this.pending.get(id)
    if (!p) return
    this.pending.delete(id)
    p.reject(new ClientError({ code: 'failed', message }))
  }
}
