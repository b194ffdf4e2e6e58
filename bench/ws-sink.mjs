#!/usr/bin/env node
// A diagnostic client for the benchmark: attaches to one polecat's terminal over the web host's WebSocket
// and acknowledges output as soon as it arrives (every FLOW.ackEvery bytes, like the renderer), with no xterm at all.
// What it measures is the core + WebSocket pipeline with flow control and nothing else; it runs in its own
// process so it does not compete with the core for its event loop.
//
//   GT_WEB_TOKEN=T node --import tsx ws-sink.mjs WS_URL POLECAT_ID   (tsx: it reads frames with the app's own decoder)
// The host's token comes in the environment (not argv, which ps shows) and goes in an Authorization header.
// Prints "attached" once attached, then one JSON line {doneAt, bytes, frames} when OSC 7777;done arrives.
import WebSocket from 'ws'
import { FLOW } from '../src/shared/constants.ts'
import { decodeOutputFrame } from '../src/shared/terminal-frame.ts'
import { sentinelWatcher } from './lib/sentinel.js'

const [url, polecat] = process.argv.slice(2)
const ACK_EVERY = FLOW.ackEvery
const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${process.env.GT_WEB_TOKEN ?? ''}` } })
let nextId = 0
const pending = new Map()
const call = (method, params) =>
  new Promise((resolve, reject) => {
    const id = `s${++nextId}`
    pending.set(id, { resolve, reject })
    ws.send(JSON.stringify({ id, method, params }))
  })

const done = sentinelWatcher('\x1b]7777;done\x07')
let bytes = 0
let frames = 0
let unacked = 0
let attached = false

ws.on('message', (raw, isBinary) => {
  if (isBinary) {
    const ev = decodeOutputFrame(raw)
    if (ev.polecatId !== polecat || !attached) return
    frames++
    bytes += ev.bytes.length
    unacked += ev.bytes.length
    if (unacked >= ACK_EVERY) {
      ws.send(JSON.stringify({ method: 'terminal.ack', params: { polecat, bytes: unacked } })) // a notification, like the renderer's
      unacked = 0
    }
    if (done(ev.bytes)) {
      process.stdout.write(JSON.stringify({ doneAt: performance.timeOrigin + performance.now(), bytes, frames }) + '\n')
      ws.close()
      setTimeout(() => process.exit(0), 50)
    }
    return
  }
  const m = JSON.parse(raw.toString())
  if (m.event) return
  const p = pending.get(m.id)
  if (!p) return
  pending.delete(m.id)
  if (m.error) p.reject(new Error(m.error.message))
  else p.resolve(m.result)
})

ws.on('open', async () => {
  await call('terminal.attach', { polecat })
  attached = true
  process.stdout.write('attached\n')
})
ws.on('error', (err) => {
  console.error(`ws-sink: ${err.message}`)
  process.exit(1)
})
