// Side benchmark (not part of `npm run bench`): what it costs Chromium to receive terminal output over a
// WebSocket in different frame formats, without xterm. Run: `npx tsx bench/ws-format.ts` (BENCH_MB, default 32).
//   json    what the web host sent before binary frames: text frames {"event":{"type":"terminal.output",…,"data":"…"}}
//           (ESC becomes \u001b: 6 chars), JSON.parse'd by the page
//   text    the same chunks as plain text frames, no JSON
//   binary  the chunks' UTF-8 bytes as binary frames, handed on as Uint8Array (what the host sends now)
// The page acknowledges every 1 MiB so the server never runs far ahead; Chromium's CPU is read from /proc.
// Chromium is driven by bench/lib/cdp.ts, without the DevTools Network domain, which would copy every frame.
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Chromium } from './lib/cdp'
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws'
import { childPids, cpuWindow } from './lib/procstat'

const ROOT = join(__dirname, '..')
const MiB = 1024 * 1024
const MB = Number(process.env.BENCH_MB ?? 32)

async function main(): Promise<void> {
  const block = execFileSync(process.execPath, [join(ROOT, 'bench', 'producer.mjs'), '--dump'], { encoding: 'utf8', maxBuffer: 1 << 26 })
  const chunks: string[] = []
  for (let i = 0; i < block.length; i += 64 * 1024) chunks.push(block.slice(i, i + 64 * 1024))
  const totalChars = Math.round((MB * MiB * block.length) / Buffer.byteLength(block))

  const server = createServer((_req, res) => res.end('<!doctype html><title>ws-format</title>'))
  const wss = new WebSocketServer({ server })
  let mode = 'json'
  wss.on('connection', (ws: ServerSocket) => {
    let sent = 0
    let acked = 0
    let i = 0
    const pump = () => {
      while (sent < totalChars && sent - acked < 2 * MiB) {
        const data = chunks[i++ % chunks.length]
        sent += data.length
        if (mode === 'json') ws.send(JSON.stringify({ event: { type: 'terminal.output', polecatId: 'bench/nux', sessionId: 's-1', seq: i, data } }))
        else if (mode === 'text') ws.send(data)
        else ws.send(Buffer.from(data), { binary: true })
      }
      if (sent >= totalChars) ws.send(JSON.stringify({ done: true }), { binary: false })
    }
    ws.on('message', (m) => {
      acked = Number(m.toString())
      pump()
    })
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port

  const browser = await Chromium.launch(process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium', ['--no-sandbox', '--disable-gpu', '--disable-sync'])
  try {
    const pids = childPids(process.pid, /chrom/i)
    const page = await browser.newPage({ width: 1280, height: 800 })
    await page.goto(`http://127.0.0.1:${port}/`)
    console.log(`ws-format: ${MB} MiB of terminal text to Chromium ${browser.version}, no xterm`)
    for (const m of ['json', 'text', 'binary', 'json', 'text', 'binary']) {
      mode = m
      const cpu = cpuWindow(() => ({ chromium: { pids, tree: true } }))
      const ms = await page.evaluate(
        ({ url, mode }) =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(url)
            ws.binaryType = 'arraybuffer'
            let got = 0
            let lastAck = 0
            const t0 = performance.now()
            ws.onmessage = (e) => {
              let n = 0
              if (typeof e.data === 'string') {
                if (e.data.startsWith('{"done"')) {
                  ws.close()
                  return resolve(performance.now() - t0)
                }
                n = mode === 'json' ? (JSON.parse(e.data) as { event: { data: string } }).event.data.length : e.data.length
              } else n = new Uint8Array(e.data as ArrayBuffer).length
              got += n
              if (got - lastAck >= 1024 * 1024) {
                lastAck = got
                ws.send(String(got))
              }
            }
          }),
        { url: `ws://127.0.0.1:${port}/`, mode }
      )
      const r = cpu()
      const cpuMs = ((r.groups.chromium ?? 0) / 100) * r.wallS * 1000
      console.log(`  ${m.padEnd(7)} ${(MB / (ms / 1000)).toFixed(1).padStart(7)} MiB/s   chromium ${(cpuMs / MB).toFixed(1).padStart(6)} ms CPU/MiB`)
    }
  } finally {
    await browser.close()
    wss.close()
    server.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
