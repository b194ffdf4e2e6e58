// The benchmark's own minimal browser client, used when the real renderer's terminal view is not usable
// (or with BENCH_UI=minimal, to compare against it). It speaks the host's WebSocket protocol exactly as the
// renderer does: text frames {"id","method","params"} → {"id","result"|"error"} and {"event": CoreEvent};
// terminal output arrives as binary frames (read with the app's own decoder, served transpiled), is written
// to xterm as bytes and acknowledged with terminal.ack (a notification) once xterm's write callback says it was parsed, every
// FLOW.ackEvery (5000) bytes or after 100 ms of quiet.
/* global Terminal */
import { decodeOutputFrame } from '/__bench/terminal-frame.js'
import { sentinelWatcher } from '/__bench/sentinel.js'
{
  const ACK_EVERY = 5000
  const ACK_IDLE_MS = 100
  // Signs in as the renderer does (src/renderer/src/transport/web-session.ts): token → page session → one ticket.
  const signIn = async (path, credential) => {
    const res = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${credential}` } })
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
    return res.json()
  }
  const { session } = await signIn('/auth/session', new URLSearchParams(location.search).get('token') ?? '')
  const { ticket } = await signIn('/auth/ticket', session)
  const ws = new WebSocket(`ws://${location.host}/ws?ticket=${encodeURIComponent(ticket)}`)
  ws.binaryType = 'arraybuffer'
  let nextId = 0
  const pending = new Map()
  const views = new Map()

  const opened = new Promise((resolve, reject) => {
    ws.onopen = resolve
    ws.onerror = () => reject(new Error('websocket failed'))
  })

  function call(method, params) {
    return new Promise((resolve, reject) => {
      const id = `m${++nextId}`
      pending.set(id, { resolve, reject })
      ws.send(JSON.stringify({ id, method, params }))
    })
  }

  /** A notification, as the renderer sends acks: no id, no reply. */
  function notify(method, params) {
    ws.send(JSON.stringify({ method, params }))
  }

  ws.onmessage = (msg) => {
    if (msg.data instanceof ArrayBuffer) {
      const f = decodeOutputFrame(new Uint8Array(msg.data))
      views.get(f.polecatId)?.output({ seq: f.seq, data: f.bytes })
      return
    }
    const m = JSON.parse(msg.data)
    if (m.event) return
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    if (m.error) p.reject(new Error(`${m.error.code}: ${m.error.message}`))
    else p.resolve(m.result)
  }

  /** No xterm at all: counts and acknowledges output on arrival, marks the sentinel (browser-side WS cost only). */
  class Sink {
    constructor(id) {
      this.id = id
      this.lastSeq = -1
      this.attached = false
      this.unacked = 0
      this.done = sentinelWatcher('\x1b]7777;done\x07')
    }
    async attach() {
      const snap = await call('terminal.attach', { polecat: this.id })
      this.lastSeq = snap.seq
      this.attached = true
    }
    output(ev) {
      if (!this.attached || ev.seq <= this.lastSeq) return
      this.lastSeq = ev.seq
      this.unacked += ev.data.length
      if (this.unacked >= ACK_EVERY) {
        const bytes = this.unacked
        this.unacked = 0
        notify('terminal.ack', { polecat: this.id, bytes })
      }
      if (this.done(ev.data)) window.__bench.marks[`${this.id}:done`] = performance.timeOrigin + performance.now()
    }
    async close() {
      this.attached = false
      await call('terminal.detach', { polecat: this.id }).catch(() => {})
    }
  }

  class View {
    constructor(id) {
      this.id = id
      this.el = document.createElement('div')
      this.el.className = 'pane'
      this.el.dataset.testid = `terminal-${id.replace(/\//g, '-')}`
      document.getElementById('grid').appendChild(this.el)
      this.term = new Terminal({
        fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', monospace",
        fontSize: 12,
        lineHeight: 1.15,
        scrollback: 10000,
        disableStdin: true,
        cursorBlink: false,
        cols: 120,
        rows: 32
      })
      this.term.open(this.el)
      this.lastSeq = -1
      this.attached = false
      this.early = []
      this.unacked = 0
      this.ackTimer = null
      this.inputBuf = ''
      this.inputBusy = false
      this.term.onData((d) => {
        if (this.term.options.disableStdin) return
        this.inputBuf += d
        if (!this.inputBusy) void this.pump()
      })
    }
    async attach() {
      const snap = await call('terminal.attach', { polecat: this.id })
      this.lastSeq = snap.seq
      if (snap.data) this.term.write(snap.data)
      this.attached = true
      for (const ev of this.early.splice(0)) this.output(ev)
      await call('terminal.resize', { polecat: this.id, cols: this.term.cols, rows: this.term.rows })
      this.el.dataset.phase = 'live'
      return snap
    }
    output(ev) {
      if (!this.attached) return void this.early.push(ev)
      if (ev.seq <= this.lastSeq) return
      this.lastSeq = ev.seq
      const bytes = ev.data.length
      this.term.write(ev.data, () => {
        this.el.dataset.seq = String(ev.seq)
        this.unacked += bytes
        if (this.unacked >= ACK_EVERY) this.ack()
        else if (!this.ackTimer) this.ackTimer = setTimeout(() => this.ack(), ACK_IDLE_MS)
      })
    }
    ack() {
      if (this.ackTimer) clearTimeout(this.ackTimer)
      this.ackTimer = null
      if (this.unacked <= 0) return
      const bytes = this.unacked
      this.unacked = 0
      notify('terminal.ack', { polecat: this.id, bytes })
    }
    async pump() {
      this.inputBusy = true
      while (this.inputBuf) {
        const data = this.inputBuf.slice(0, 65536)
        this.inputBuf = this.inputBuf.slice(data.length)
        await call('terminal.input', { polecat: this.id, data }).catch(() => {})
      }
      this.inputBusy = false
    }
    async close() {
      this.attached = false
      await call('terminal.detach', { polecat: this.id }).catch(() => {})
      this.term.dispose()
      this.el.remove()
    }
  }

  window.__gtTerm = { get: (id) => views.get(id)?.term }
  window.__benchMinimal = {
    ready: () => opened,
    async open(id, opts) {
      await opened
      const v = opts && opts.noXterm ? new Sink(id) : new View(id)
      views.set(id, v)
      await v.attach()
    },
    async close(id) {
      const v = views.get(id)
      views.delete(id)
      await v?.close()
    },
    async takeover(id) {
      await call('terminal.takeover', { polecat: id })
      const v = views.get(id)
      v.term.options.disableStdin = false
      v.term.focus()
    }
  }
}
