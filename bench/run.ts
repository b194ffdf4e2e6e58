// Terminal throughput and latency benchmarks for the control room, in one run (`npm run bench`).
// Figures, not assertions: it prints what it measured, the ratios against their baselines, and the targets,
// and ends with a summary table (Markdown) to paste into a note.
//
//   1. raw PTY     node-pty reading the producer's bytes directly in Node, as the core reads them (what reading a PTY costs here)
//   2. e2e solo    real core + web host + Chromium showing the terminal: until xterm has parsed the sentinel;
//                  then its baselines: xterm alone in the same page fed the same bytes from memory (the
//                  ceiling: xterm's parser, not the PTY, bounds the pipeline), and the core + WebSocket with
//                  a Node client, measured before the browser starts (the core's CPU per MiB: the median of
//                  BENCH_CORE_RUNS runs, as one run's figure swings by a third on this kind of machine)
//   3. flood       20 agents flooding at once (19 not shown, 1 shown): the shown terminal's throughput, then
//                  keystroke→echo latency on a taken-over polecat while the flood goes on
//   4-5. agents    bench/agents.ts (its own process): permission requests and escalations to the inbox on the
//                  page, Approve to the tool running, failures to the Dogs' action, the idle core's CPU
//                  (BENCH_AGENTS_PHASE=0 skips it)
//   6. recovery    bench/recovery.ts (its own process): 5 rigs and 30 polecats whose rigs/ folder was deleted,
//                  against the raw git commands it has to run (BENCH_RECOVERY_PHASE=0 skips it)
//   8. scheduler   bench/scheduler.ts (its own process): 50 beads slung at once into a town limited to 5
//                  agents, each committing and running gt done: to the last landing (merged by the refinery)
//                  against the ideal, and a session's end to the next admission (BENCH_SCHEDULER_PHASE=0 skips it)
//   9. fifty       bench/fifty-polecats.ts (its own process, --expose-gc): 50 polecats running at once for
//                  BENCH_FIFTY_MINUTES (10) after a minute's warm-up: keystroke→echo on a taken-over polecat
//                  in the real renderer, and the core's heap and RSS, sampled every 10 s, against "flat"
//                  (BENCH_FIFTY_PHASE=0 skips it)
//
// bench/core-cpu.ts measures phase 2's "core + WebSocket alone" by itself, repeated, in a minute (no Chromium),
// with optional V8 and perf profiles: the quick way to compare a change to the core's CPU per MiB.
//
// Chromium is driven over the DevTools protocol by bench/lib/cdp.ts, not playwright: playwright's Network
// domain would copy every WebSocket frame out of Chromium into this process, which is the core's.
//
// Sizes and switches (env):
//   BENCH_MB           payload per measured terminal, MiB (default 64)
//   BENCH_FLOOD_MB     the shown terminal's payload during the flood (default BENCH_MB)
//   BENCH_AGENTS       flooding agents in phase 3 (default 20)
//   BENCH_SAMPLES      keystrokes under the flood (default 60; half as many without it)
//   BENCH_UI           auto | renderer | minimal (auto: the real renderer, or the bench's own page if it fails)
//   BENCH_TIMEOUT_S    per measurement (default 120)
//   BENCH_CEILING_MB   payload of the in-page xterm check (default 16)
//   BENCH_CORE_RUNS    runs of phase 2's core + WebSocket alone (default 3; the median is the figure)
//   BENCH_E2E_RUNS     runs of phase 2's end to end (default 2), each followed by xterm alone: the figure is
//                      their mean against the mean of xterm alone before, between and after them
//   BENCH_DIAG=0       skip phase 2's where-the-time-goes checks (xterm off screen, the page without xterm);
//                      BENCH_FLOOD=0 skips phase 3
//   BENCH_KEEP=1       keep the temp dir
// Diagnostics (slow the measured phases down): BENCH_PROFILE=1 CPU profiles of the core thread and the page;
// BENCH_TRACE=1 a Chromium trace of the page's main thread.
// Experiments (change the core at runtime, printed in the header; not the product's behaviour):
//   BENCH_FLOW_HIGH / _LOW / _TYPING_HIGH / _TYPING_LOW / _BATCH_MS / _BATCH_MAX   override FLOW.highWater /
//                      lowWater / typingHighWater / typingLowWater / batchMs / batchMaxBytes
//   BENCH_NO_LOG=1       no session-log output lines
//   BENCH_EXP_BG=off|N   replace the shared budget of unwatched terminals (none, or N million bytes/s)
//   BENCH_EXP_NICE=N     renice every agent's process tree to +N
//   BENCH_EXP_HOGS=N     N busy loops during phase 3 (other work on the machine, e.g. agents compiling)
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { cpus, loadavg, release, setPriority, totalmem } from 'node:os'
import { join } from 'node:path'
import { performance as nodePerf } from 'node:perf_hooks'
import * as pty from 'node-pty'
import { transformSync } from 'esbuild'
import { Chromium, NAME_SHIM, type CdpPage } from './lib/cdp'
import { typeAndTime } from './lib/renderer-echo'
import type { Terminal } from '@xterm/xterm'
import { createCore, type Core } from '../src/main/core/core'
import { FLOW } from '../src/shared/contract'
import { BackgroundBudget } from '../src/main/core/terminals/background-budget'
import { READ_BYTES, readPtyInPlace } from '../src/main/core/terminals/pty-reader'
import type { CallContext } from '../src/main/core/connection'
import { startWebHost, type WebHost } from '../src/main/host/web'
import type { Bead, Polecat } from '../src/shared/domain'
import { GT_SCRIPT, ROOT, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { diffStats, installInstrumentation, snapshotStats, traceKeys, type KeyTrace, type StreamStats } from './lib/instrument'
import { profileSelf, selfByFile, topSelf, type CpuProfile } from './lib/profile'
import { childPids, cpuWindow, threadMsPerMiB, threadTicks, treePids, type CpuGroups, type CpuReport } from './lib/procstat'

declare global {
  interface Window {
    __bench: {
      marks: Record<string, number>
      wsIn: number
      /** text frames: chars; binary frames (terminal output): bytes */
      wsInChars: number
      wsInBytes: number
      wsOut: number
      wsOutChars: number
      /** output frames of this polecat get their arrival time recorded */
      watchPolecat: string
      watchTimes: number[]
      /** xterm render passes and rows redrawn, per terminal */
      renders: Record<string, { frames: number; rows: number }>
    }
    __benchMinimal?: { ready(): Promise<void>; open(id: string, opts?: { noXterm?: boolean }): Promise<void>; close(id: string): Promise<void>; takeover(id: string): Promise<void> }
  }
}

// ---------------------------------------------------------------- configuration

const num = (k: string, d: number): number => {
  const v = process.env[k]
  if (v === undefined || v === '') return d
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} must be a positive number, got ${v}`)
  return n
}
const MiB = 1024 * 1024
const CFG = {
  mb: num('BENCH_MB', 64),
  floodMb: num('BENCH_FLOOD_MB', num('BENCH_MB', 64)),
  agents: Math.max(1, Math.round(num('BENCH_AGENTS', 20))),
  samples: Math.max(1, Math.round(num('BENCH_SAMPLES', 60))),
  ui: (process.env.BENCH_UI ?? 'auto') as 'auto' | 'renderer' | 'minimal',
  timeoutMs: num('BENCH_TIMEOUT_S', 120) * 1000,
  keep: process.env.BENCH_KEEP === '1',
  profile: process.env.BENCH_PROFILE === '1',
  trace: process.env.BENCH_TRACE === '1',
  diag: process.env.BENCH_DIAG !== '0',
  flood: process.env.BENCH_FLOOD !== '0',
  ceilingMb: num('BENCH_CEILING_MB', 16),
  coreRuns: Math.max(1, Math.round(num('BENCH_CORE_RUNS', 3))),
  e2eRuns: Math.max(1, Math.round(num('BENCH_E2E_RUNS', 2)))
}
const PRODUCER = join(ROOT, 'bench', 'producer.mjs')
const ECHO = join(ROOT, 'bench', 'echo.mjs')
const SINK = join(ROOT, 'bench', 'ws-sink.mjs')
const MINIMAL = join(ROOT, 'bench', 'minimal')
const RENDERER = join(ROOT, 'out', 'renderer')
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'
const TARGET = { e2eVsXterm: 0.9, coreMsPerMiB: 15, floodVsSolo: 0.5, p95Ms: 50 }

const wall = (): number => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const q = (s: string) => JSON.stringify(s)
const log = (...a: unknown[]) => console.log(...a)
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—')
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—')

// ---------------------------------------------------------------- cleanup, whatever happens

const cleanups: { what: string; fn: () => unknown }[] = []
const onCleanup = (what: string, fn: () => unknown) => cleanups.push({ what, fn })
let cleaning: Promise<void> | null = null
function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    while (cleanups.length) {
      const { what, fn } = cleanups.pop()!
      if (process.env.BENCH_DEBUG_CLEANUP) console.error(`cleanup: ${what}`)
      try {
        await Promise.race([Promise.resolve().then(fn), sleep(20_000).then(() => Promise.reject(new Error('timed out')))])
      } catch (err) {
        console.error(`cleanup (${what}) failed: ${(err as Error).message}`)
      }
    }
  })())
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up…`)
    void cleanup().finally(() => process.exit(130))
  })
}

// ---------------------------------------------------------------- helpers

const human: CallContext = { caller: { kind: 'human' } }
const call = <T>(core: Core, method: string, params: unknown): Promise<T> => core.dispatch(method, params, human) as Promise<T>

function producerCmd(o: { bytes: number; cues: string; go: string; loop?: boolean; seed?: number }): string {
  return [q(process.execPath), q(PRODUCER), '--bytes', String(o.bytes), '--cues', q(o.cues), '--go', o.go, ...(o.loop ? ['--loop'] : []), '--seed', String(o.seed ?? 1)].join(' ')
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

async function browserMetrics(page: CdpPage): Promise<Record<string, number>> {
  const { metrics } = await page.send<{ metrics: { name: string; value: number }[] }>('Performance.getMetrics')
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]))
}

// ---------------------------------------------------------------- phase 1: raw PTY

interface RawResult {
  mibps: number
  ms: number
  bytesRead: number
  chunks: number
  cpu: CpuReport
  /** read in place, as the core does (false: through node-pty's stream, on a Node without it) */
  inPlace: boolean
}

async function rawPty(dir: string): Promise<RawResult> {
  const cues = join(dir, 'cues-raw')
  mkdirSync(cues, { recursive: true })
  const bytes = Math.round(CFG.mb * MiB)
  // Bytes, as the core reads them (encoding: null): no UTF-8 decoding in the reader.
  const p = pty.spawn(process.execPath, [PRODUCER, '--bytes', String(bytes), '--cues', cues, '--go', 'go'], {
    name: 'xterm-256color',
    cols: 120,
    rows: 32,
    cwd: dir,
    env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string>,
    encoding: null
  })
  let exited = false
  p.onExit(() => (exited = true))
  onCleanup('raw PTY producer', () => {
    if (!exited) p.kill('SIGKILL')
  })
  const SENT = Buffer.from('\x1b]7777;done\x07')
  return new Promise<RawResult>((resolve, reject) => {
    let ready = false
    let head = ''
    let tail = Buffer.alloc(0)
    let bytesRead = 0
    let chunks = 0
    let t0 = 0
    let cpu: (() => CpuReport) | null = null
    const timer = setTimeout(() => reject(new Error(`raw PTY: no sentinel after ${CFG.timeoutMs} ms (${bytesRead} bytes read)`)), CFG.timeoutMs)
    let done = false
    const onBytes = (d: Buffer) => {
      if (done) return
      if (!ready) {
        head += d.toString('latin1')
        if (head.includes('producer ready')) {
          ready = true
          cpu = cpuWindow(() => ({ bench: { pids: [process.pid], tree: false }, producer: { pids: [p.pid], tree: true } }))
          t0 = wall()
          writeFileSync(join(cues, 'go'), '')
        }
        return
      }
      bytesRead += d.length
      chunks++
      if (Buffer.concat([tail, d.subarray(0, SENT.length)]).includes(SENT) || d.includes(SENT)) {
        const ms = wall() - t0
        clearTimeout(timer)
        done = true
        const report = cpu!()
        p.kill('SIGKILL')
        resolve({ mibps: bytes / MiB / (ms / 1000), ms, bytesRead, chunks, cpu: report, inPlace })
        return
      }
      tail = Buffer.from(d.subarray(-SENT.length))
    }
    // Read as the core reads (terminals/pty-reader.ts): into a buffer of its own where this Node allows it.
    const buf = Buffer.allocUnsafe(READ_BYTES)
    const inPlace = readPtyInPlace(p, () => buf, (n) => onBytes(buf.subarray(0, n)))
    if (!inPlace) p.onData((data: string | Buffer) => onBytes(typeof data === 'string' ? Buffer.from(data) : data))
  })
}

// ---------------------------------------------------------------- the browser side

interface Ui {
  kind: 'renderer' | 'minimal'
  open(id: string): Promise<void>
  close(id: string): Promise<void>
  takeover(id: string): Promise<void>
}

const keyOf = (id: string) => id.replace(/\//g, '-')

const testId = (id: string) => `[data-testid="${id}"]`

function rendererUi(page: CdpPage): Ui {
  return {
    kind: 'renderer',
    async open(id) {
      const key = keyOf(id)
      await page.click(testId('nav-polecats'))
      await page.click(testId(`polecat-row-${key}`))
      await page.waitForSelector(`${testId(`terminal-${key}`)}[data-phase="live"]`)
      await page.waitForFunction((pid) => !!window.__gtTerm?.get(pid), id, { timeoutMs: 15_000, what: `the terminal of ${id}` })
      // let the pane fit itself to its box before anything is measured
      await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))))
      await sleep(200)
    },
    async close(id) {
      await page.click(`[aria-label="Close terminal ${id}"]`)
      await page.waitForSelector(testId(`terminal-${keyOf(id)}`), { gone: true })
    },
    async takeover(id) {
      const key = keyOf(id)
      await page.click(`${testId(`terminal-${key}`)} ${testId('terminal-takeover')}`)
      await page.waitForSelector(`${testId(`terminal-${key}`)}[data-taken-over="true"]`)
      await page.waitForFunction((pid) => window.__gtTerm?.get(pid)?.options.disableStdin === false, id, { timeoutMs: 15_000, what: `input enabled in ${id}` })
    }
  }
}

function minimalUi(page: CdpPage): Ui {
  return {
    kind: 'minimal',
    open: (id) => page.evaluate((pid) => window.__benchMinimal!.open(pid), id),
    close: (id) => page.evaluate((pid) => window.__benchMinimal!.close(pid), id),
    takeover: (id) => page.evaluate((pid) => window.__benchMinimal!.takeover(pid), id)
  }
}

/** Counts WebSocket frames in the page, and holds the marks the OSC 7777 handlers record. */
function initScript(): void {
  const b = (window.__bench = { marks: {}, wsIn: 0, wsInChars: 0, wsInBytes: 0, wsOut: 0, wsOutChars: 0, watchPolecat: '', watchTimes: [] as number[], renders: {} })
  const utf8 = new TextDecoder()
  const Native = window.WebSocket
  class Counted extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.addEventListener('message', (e) => {
        b.wsIn++
        if (typeof e.data === 'string') {
          b.wsInChars += e.data.length
          return
        }
        // a binary frame: terminal output (src/shared/terminal-frame.ts), its header names the polecat
        const u = new Uint8Array(e.data as ArrayBuffer)
        b.wsInBytes += u.length
        if (!b.watchPolecat) return
        const header = JSON.parse(utf8.decode(u.subarray(3, 3 + ((u[1] << 8) | u[2])))) as { polecatId: string }
        if (header.polecatId === b.watchPolecat) b.watchTimes.push(performance.timeOrigin + performance.now())
      })
    }
    send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      b.wsOut++
      if (typeof data === 'string') b.wsOutChars += data.length
      super.send(data)
    }
  }
  window.WebSocket = Counted
}

const VIEWPORT = { width: 1400, height: 900 }

async function openPage(browser: Chromium, host: WebHost, kind: 'renderer' | 'minimal'): Promise<{ page: CdpPage; ui: Ui }> {
  const page = await browser.newPage(VIEWPORT, [NAME_SHIM, `(${initScript.toString()})()`])
  page.onError((message) => console.error(`  [page error] ${message}`))
  if (kind === 'renderer') {
    await page.goto(host.url)
    await page.waitForSelector(testId('nav-polecats'), { timeoutMs: 20_000 })
    return { page, ui: rendererUi(page) }
  }
  const origin = `http://127.0.0.1:${host.port}`
  const files: Record<string, { path: string; type: string; ts?: true }> = {
    'client.js': { path: join(MINIMAL, 'client.js'), type: 'text/javascript' },
    'sentinel.js': { path: join(ROOT, 'bench', 'lib', 'sentinel.js'), type: 'text/javascript' },
    'terminal-frame.js': { path: join(ROOT, 'src', 'shared', 'terminal-frame.ts'), type: 'text/javascript', ts: true },
    'xterm.js': { path: join(ROOT, 'node_modules', '@xterm', 'xterm', 'lib', 'xterm.js'), type: 'text/javascript' },
    'xterm.css': { path: join(ROOT, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), type: 'text/css' }
  }
  // The page's scripts are served as if by the host itself (same origin as its WebSocket)...
  await page.route(`${origin}/__bench/`, (url) => {
    const f = files[new URL(url).pathname.replace('/__bench/', '')]
    if (!f) return null
    const body = f.ts ? Buffer.from(transformSync(readFileSync(f.path, 'utf8'), { loader: 'ts', format: 'esm' }).code) : readFileSync(f.path)
    return { body, contentType: f.type }
  })
  // ...but the document itself must come from the host's real loopback address: Chromium's Local Network
  // Access checks refuse a loopback WebSocket from a document it cannot place on loopback (an intercepted one).
  // So load a page the host really serves (its 404, with its CSP), then write the minimal page into it.
  await page.goto(`${origin}/__bench-minimal?token=${encodeURIComponent(host.token)}`)
  await page.setContent(readFileSync(join(MINIMAL, 'index.html'), 'utf8'))
  await page.waitForFunction(() => !!window.__benchMinimal, null, { timeoutMs: 20_000, what: 'the minimal page' })
  await page.evaluate(() => window.__benchMinimal!.ready())
  return { page, ui: minimalUi(page) }
}

/** Records when xterm's parser reaches OSC 7777;start and OSC 7777;done in this terminal. */
async function armMarks(page: CdpPage, id: string): Promise<void> {
  await page.evaluate((pid) => {
    const term = window.__gtTerm!.get(pid) as Terminal
    term.parser.registerOscHandler(7777, (data) => {
      window.__bench.marks[`${pid}:${data}`] = performance.timeOrigin + performance.now()
      return true
    })
    const r = (window.__bench.renders[pid] = { frames: 0, rows: 0 })
    term.onRender((e) => {
      r.frames++
      r.rows += e.end - e.start + 1
    })
  }, id)
}

// ---------------------------------------------------------------- measuring one terminal's throughput

interface StreamResult {
  mibps: number
  ms: number
  firstByteMs: number
  cpu: CpuReport
  shown: StreamStats
  hidden: StreamStats
  elu: number
  browser: Record<string, number>
  ws: { in: number; inChars: number; inBytes: number; out: number; outChars: number }
  renders: { frames: number; rows: number }
  /** the core process's CPU per MiB by thread (name, ms) */
  coreThreads: [string, number][]
}

interface Ctx {
  core: Core
  browser: Chromium
  page: CdpPage
  cpuGroups: (shown: string[], hidden: string[]) => () => CpuGroups
}

async function measureStream(c: Ctx, id: string, goFile: string, bytes: number, hidden: string[]): Promise<StreamResult> {
  await armMarks(c.page, id)
  const s0 = snapshotStats()
  const th0 = threadTicks(process.pid)
  const cpu = cpuWindow(c.cpuGroups([id], hidden))
  const elu0 = nodePerf.eventLoopUtilization()
  const m0 = await browserMetrics(c.page)
  const w0 = await c.page.evaluate(() => ({ ...window.__bench, marks: undefined, renders: undefined }))
  const prof = CFG.profile ? await startProfiles(c.page) : null
  const trace = CFG.trace ? await startTrace(c.browser) : null
  const t0 = wall()
  writeFileSync(goFile, '')
  await c.page.waitForFunction((k) => !!window.__bench.marks[k], `${id}:done`, { pollMs: 100, timeoutMs: CFG.timeoutMs, what: 'the sentinel to be parsed' })
  const cpuReport = cpu()
  const th1 = threadTicks(process.pid)
  if (prof) await prof()
  if (trace) await trace()
  const elu = nodePerf.eventLoopUtilization(elu0).utilization
  const s1 = snapshotStats()
  const m1 = await browserMetrics(c.page)
  const w1 = await c.page.evaluate(() => ({ ...window.__bench }))
  const ms = w1.marks[`${id}:done`] - t0
  const browser: Record<string, number> = {}
  for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration']) browser[k] = (m1[k] ?? 0) - (m0[k] ?? 0)
  return {
    mibps: bytes / MiB / (ms / 1000),
    ms,
    firstByteMs: (w1.marks[`${id}:start`] ?? NaN) - t0,
    cpu: cpuReport,
    shown: diffStats(s0, s1, [id]),
    hidden: diffStats(s0, s1, hidden),
    elu,
    browser,
    renders: w1.renders[id] ?? { frames: 0, rows: 0 },
    coreThreads: threadMsPerMiB(th0, th1, bytes / MiB),
    ws: { in: w1.wsIn - w0.wsIn, inChars: w1.wsInChars - w0.wsInChars, inBytes: w1.wsInBytes - w0.wsInBytes, out: w1.wsOut - w0.wsOut, outChars: w1.wsOutChars - w0.wsOutChars }
  }
}

/** A Chromium trace of the page's renderer main thread, summarised as total time per top-level task type. */
async function startTrace(browser: Chromium): Promise<() => Promise<void>> {
  const stop = await browser.startTracing(['devtools.timeline', 'blink', 'v8', 'disabled-by-default-devtools.timeline', 'toplevel'])
  return async () => {
    const traceEvents = (await stop()) as { name: string; ph: string; dur?: number; tid: number; pid: number; args?: { name?: string } }[]
    const mainTid = traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
    const main = traceEvents.filter((e) => e.ph === 'X' && e.dur !== undefined && mainTid && e.tid === mainTid.tid && e.pid === mainTid.pid)
    const agg = new Map<string, number>()
    for (const e of main) agg.set(e.name, (agg.get(e.name) ?? 0) + e.dur! / 1000)
    log('    trace, page main thread: total ms per event type (nested events overlap their parents)')
    for (const [name, ms] of [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 22)) log(`      ${f1(ms).padStart(8)} ms  ${name}`)
  }
}

async function startProfiles(cdp: CdpPage): Promise<() => Promise<void>> {
  const stopSelf = await profileSelf()
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 })
  await cdp.send('Profiler.start')
  return async () => {
    const page = (await cdp.send<{ profile: CpuProfile }>('Profiler.stop')).profile
    const core = await stopSelf()
    for (const [label, p] of [['core thread (bench process)', core], ['page main thread', page]] as const) {
      log(`    profile, ${label}: top self time`)
      for (const r of topSelf(p, 14)) log(`      ${f1(r.pct).padStart(5)}%  ${f1(r.ms).padStart(7)} ms  ${r.name}`)
      log(`    profile, ${label}: self time by file`)
      for (const r of selfByFile(p, 12)) log(`      ${f1(r.pct).padStart(5)}%  ${f1(r.ms).padStart(7)} ms  ${r.name}`)
    }
  }
}

// ---------------------------------------------------------------- keystroke → echo latency

interface LatencyResult {
  samples: number[]
  timeouts: number
  p50: number
  p95: number
  p99: number
  max: number
  cpu: CpuReport
  elu: number
  browser: Record<string, number>
  wallS: number
  /** per-stage medians and p95s over the samples, ms */
  stages: { name: string; p50: number; p95: number }[]
}

async function measureLatency(c: Ctx, echoId: string, n: number, shown: string[], hidden: string[]): Promise<LatencyResult> {
  const cpu = cpuWindow(c.cpuGroups(shown, hidden))
  const elu0 = nodePerf.eventLoopUtilization()
  const m0 = await browserMetrics(c.page)
  const t0 = performance.now()
  const keys = traceKeys(echoId)
  await c.page.evaluate((pid) => {
    window.__bench.watchPolecat = pid
    window.__bench.watchTimes = []
  }, echoId)
  const typed = await typeAndTime(c.page, echoId, n)
  const r = { ...typed, recv: await c.page.evaluate(() => window.__bench.watchTimes.slice()) }
  const wallS = (performance.now() - t0) / 1000
  const cpuReport = cpu()
  const elu = nodePerf.eventLoopUtilization(elu0).utilization
  const m1 = await browserMetrics(c.page)
  const browser: Record<string, number> = {}
  for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration']) browser[k] = (m1[k] ?? 0) - (m0[k] ?? 0)
  await c.page.evaluate(() => {
    window.__bench.watchPolecat = ''
  })
  const sorted = [...r.samples].sort((a, b) => a - b)
  return {
    stages: latencyStages(r.inputs, r.recv, keys),
    samples: r.samples,
    timeouts: r.timeouts,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    cpu: cpuReport,
    elu,
    browser,
    wallS
  }
}


// ---------------------------------------------------------------- diagnostics: where the time goes

/** The core + JSON + WebSocket pipeline alone: a Node client in its own process that acks on receipt. */
async function sinkThroughput(host: WebHost, id: string, goFile: string, bytes: number, groups: () => CpuGroups): Promise<{ mibps: number; ms: number; frames: number; cpu: CpuReport; shown: StreamStats; elu: number; coreThreads: [string, number][] }> {
  const url = `ws://127.0.0.1:${host.port}/ws`
  const child = spawn(process.execPath, ['--import', 'tsx', SINK, url, id], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GT_WEB_TOKEN: host.token } })
  onCleanup('ws sink', () => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const lines = createInterface({ input: child.stdout! })
  const next = () => new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('ws sink: timed out')), CFG.timeoutMs)
    lines.once('line', (l) => {
      clearTimeout(t)
      resolve(l)
    })
  })
  if ((await next()) !== 'attached') throw new Error('ws sink did not attach')
  const s0 = snapshotStats()
  const th0 = threadTicks(process.pid)
  const cpu = cpuWindow(() => ({ ...groups(), 'ws sink': { pids: [child.pid!], tree: false } }))
  const elu0 = nodePerf.eventLoopUtilization()
  const t0 = wall()
  writeFileSync(goFile, '')
  const done = JSON.parse(await next()) as { doneAt: number; bytes: number; frames: number }
  const report = cpu()
  const coreThreads = threadMsPerMiB(th0, threadTicks(process.pid), bytes / MiB)
  const elu = nodePerf.eventLoopUtilization(elu0).utilization
  const ms = done.doneAt - t0
  return { mibps: bytes / MiB / (ms / 1000), ms, frames: done.frames, cpu: report, shown: diffStats(s0, snapshotStats(), [id]), elu, coreThreads }
}

/**
 * xterm alone in the same page: a second Terminal (same class, options and size as the shown one) fed the
 * producer's output from page memory as the pipeline feeds it: UTF-8 bytes with the PTY's CR before each LF,
 * in 64 KiB writes, at most 2 in flight. `onScreen: false` puts it off screen, where xterm stops rendering:
 * parse cost only.
 */
async function xtermCeiling(page: CdpPage, refId: string, block: string, bytes: number, onScreen: boolean, chromiumPids: number[]): Promise<{ mibps: number; ms: number; cpu: CpuReport; frames: number; rows: number }> {
  const cpu = cpuWindow(() => ({ chromium: { pids: chromiumPids, tree: true } }))
  const ms = await page.evaluate(
    async ({ refId, text, total, onScreen }) => {
      const block = new TextEncoder().encode(text)
      const ref = window.__gtTerm!.get(refId) as Terminal
      const Ctor = ref.constructor as new (o: object) => Terminal
      const box = ref.element!.getBoundingClientRect()
      const host = document.createElement('div')
      host.style.cssText = `position:fixed;top:${box.top}px;left:${onScreen ? box.left : -10000}px;width:${box.width}px;height:${box.height}px;z-index:9999;background:#000`
      document.body.appendChild(host)
      const o = ref.options
      const term = new Ctor({ cols: ref.cols, rows: ref.rows, fontSize: o.fontSize, fontFamily: o.fontFamily, lineHeight: o.lineHeight, scrollback: o.scrollback, theme: o.theme, disableStdin: true })
      term.open(host)
      window.__gtTerm!.prepare?.(term) // what the app's terminals get: their renderer and xterm fixes
      let frames = 0
      let rows = 0
      term.onRender((e) => {
        frames++
        rows += e.end - e.start + 1
      })
      const CH = 64 * 1024
      let off = 0
      let sent = 0
      let inflight = 0
      const t0 = performance.now()
      await new Promise<void>((resolve) => {
        const pump = () => {
          while (inflight < 2 && sent < total) {
            const n = Math.min(CH, total - sent, block.length - off)
            const piece = block.subarray(off, off + n)
            off = (off + n) % block.length
            sent += n
            inflight++
            term.write(piece, () => {
              inflight--
              if (sent >= total && inflight === 0) resolve()
              else pump()
            })
          }
        }
        pump()
      })
      const dt = performance.now() - t0
      term.dispose()
      host.remove()
      return { dt, frames, rows }
    },
    { refId, text: block.replace(/\n/g, '\r\n'), total: bytes, onScreen }
  )
  return { mibps: bytes / MiB / (ms.dt / 1000), ms: ms.dt, cpu: cpu(), frames: ms.frames, rows: ms.rows }
}


/** The browser's side of the WebSocket without xterm: the bench page receives, parses and acks on arrival. */
async function pageSinkThroughput(browser: Chromium, host: WebHost, id: string, goFile: string, bytes: number, chromiumPids: number[]): Promise<{ mibps: number; cpu: CpuReport }> {
  const { page } = await openPage(browser, host, 'minimal')
  try {
    await page.evaluate((pid) => window.__benchMinimal!.open(pid, { noXterm: true }), id)
    const cpu = cpuWindow(() => ({ 'core (bench process)': { pids: [process.pid], tree: false }, chromium: { pids: chromiumPids, tree: true } }))
    const t0 = wall()
    writeFileSync(goFile, '')
    await page.waitForFunction((k) => !!window.__bench.marks[k], `${id}:done`, { pollMs: 100, timeoutMs: CFG.timeoutMs, what: 'the sentinel to be parsed' })
    const report = cpu()
    const done = await page.evaluate((k) => window.__bench.marks[k], `${id}:done`)
    return { mibps: bytes / MiB / ((done - t0) / 1000), cpu: report }
  } finally {
    await page.close()
  }
}

/**
 * xterm alone in the same page, on screen, fed the producer's bytes from memory: the ceiling of the
 * end-to-end figure, MiB/s. Measured just before and just after the end-to-end run, so load from other
 * processes that comes and goes weighs on both sides of the ratio alike.
 */
async function xtermAlone(page: CdpPage, refId: string, chromiumPids: number[], when: string | null): Promise<number> {
  const block = execFileSync(process.execPath, [PRODUCER, '--dump', '--seed', '1'], { encoding: 'utf8', maxBuffer: 16 * MiB })
  const bytes = Math.round(Math.min(CFG.ceilingMb, CFG.mb) * MiB)
  const mib = bytes / MiB
  const on = await xtermCeiling(page, refId, block, bytes, true, chromiumPids)
  if (when === null) return on.mibps // a warm-up, not a figure
  log(`  xterm alone in this page ${when}, same size, the producer's bytes from memory [${Math.round(mib)} MiB]: ${f1(on.mibps)} MiB/s (chromium ${cpuMsPerMiB(on.cpu, 'chromium', mib)}, ${f1(on.frames / mib)} xterm renders/MiB, ${f1(on.frames / (on.ms / 1000))}/s)`)
  if (CFG.diag && when === 'after') {
    const off = await xtermCeiling(page, refId, block, bytes, false, chromiumPids)
    log(`    off screen, parse only: ${f1(off.mibps)} MiB/s (chromium ${cpuMsPerMiB(off.cpu, 'chromium', mib)})`)
  }
  return on.mibps
}

/**
 * The core with the WebSocket but no browser: a Node client acks on receipt, once per sink polecat. Returns
 * the median of the runs' CPU per MiB of the core, ms. Phase 1's bare node-pty reader of the same output is
 * printed beside it: what reading a PTY costs here before the core does anything with the bytes.
 */
async function coreAlone(host: WebHost, sinks: Polecat[], cues: string, pidOf: (id: string) => number, raw: { cpu: CpuReport }): Promise<number> {
  log(`  core + WebSocket alone (Node client acking on receipt, no browser yet), ${sinks.length} run(s) of ${f1(CFG.mb)} MiB:`)
  const runs: { ms: number; sink: Awaited<ReturnType<typeof sinkThroughput>> }[] = []
  for (const [i, p] of sinks.entries()) {
    const sink = await sinkThroughput(host, p.id, join(cues, `go-sink-${i}`), Math.round(CFG.mb * MiB), () => ({
      'core (bench process)': { pids: [process.pid], tree: false },
      agent: { pids: [pidOf(p.id)], tree: true }
    }))
    const ms = msPerMiB(sink.cpu, 'core (bench process)', CFG.mb)
    runs.push({ ms, sink })
    log(`    run ${i + 1}: ${f1(sink.mibps)} MiB/s (${sink.frames} frames); CPU per MiB: core ${f1(ms)} ms (${threadsLine(sink.coreThreads)}), agent ${cpuMsPerMiB(sink.cpu, 'agent', CFG.mb)}`)
    log(`      CPU: ${cpuLine(sink.cpu)}; core event loop utilisation ${f1(sink.elu * 100)}%`)
  }
  const median = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]
  const bare = msPerMiB(raw.cpu, 'bench', CFG.mb)
  log(`    median: core ${f1(median.ms)} ms CPU/MiB; phase 1's bare node-pty reader ${f1(bare)} (the core's own work on top of reading: ${f1(median.ms - bare)})`)
  for (const l of streamLines('terminal (the median run)', median.sink.shown, median.sink.ms / 1000)) log(l)
  return median.ms
}

/**
 * Splits each keystroke's round trip into stages, from the page's and the core's timestamps (one wall clock).
 * The i-th input the page sent is the i-th terminal.input the core ran (one keystroke at a time, each waited for).
 */
function latencyStages(inputs: { t0: number; parsed: number; sample: boolean }[], recv: number[], k: KeyTrace): { name: string; p50: number; p95: number }[] {
  const firstAfter = (list: number[], t: number) => list.find((x) => x >= t) ?? NaN
  const names = [
    'page → core (input call: page, ws, JSON, zod)',
    'core handles terminal.input (db, write, input log + fsync)',
    'PTY → echo program → PTY → node-pty read',
    'core batching (5 ms timer) + flush + send',
    'core → page (ws frame arrives)',
    'page: JSON, TermSession, xterm queue + parse'
  ]
  const cols: number[][] = names.map(() => [])
  if (k.inputs.length !== inputs.length) return [{ name: `(breakdown unavailable: ${inputs.length} inputs sent, ${k.inputs.length} seen by the core)`, p50: NaN, p95: NaN }]
  inputs.forEach((inp, i) => {
    if (!inp.sample) return
    const ci = k.inputs[i]
    const read = firstAfter(k.reads, ci.start)
    const flush = firstAfter(k.flushes, read)
    const got = firstAfter(recv, read)
    const st = [ci.start - inp.t0, ci.end - ci.start, read - ci.end, flush - read, got - flush, inp.parsed - got]
    st.forEach((v, j) => cols[j].push(Math.max(0, v)))
  })
  return names.map((name, j) => {
    const sorted = cols[j].filter(Number.isFinite).sort((a, b) => a - b)
    return { name, p50: percentile(sorted, 50), p95: percentile(sorted, 95) }
  })
}

// ---------------------------------------------------------------- reporting

/** A Markdown table, aligned as plain text too: it pastes into a note either way. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n')
}

/** The commit the bench ran on, marked when the work tree has changes. */
function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return 'commit unknown'
  }
}

/** CPU time all measured groups spent together per MiB moved, ms. */
function groupsMsPerMiB(r: CpuReport, mib: number): number {
  const pct = Object.values(r.groups).reduce((a, b) => a + b, 0)
  return ((pct / 100) * r.wallS * 1000) / mib
}

/** CPU time a group spent per MiB moved, ms: far less sensitive to other load than MiB/s. */
function msPerMiB(r: CpuReport, group: string, mib: number): number {
  return (((r.groups[group] ?? NaN) / 100) * r.wallS * 1000) / mib
}

function cpuMsPerMiB(r: CpuReport, group: string, mib: number): string {
  return `${f1(msPerMiB(r, group, mib))} ms CPU/MiB`
}

/** CPU per group in % of one core; "everything else" is the machine's busy time not in any group (other processes). */
function cpuLine(r: CpuReport): string {
  const ours = Object.values(r.groups).reduce((a, b) => a + b, 0)
  const others = Math.max(0, r.machineBusyPct * cpus().length - ours)
  return `${Object.entries(r.groups)
    .map(([g, v]) => `${g} ${f1(v)}%`)
    .join(', ')}, everything else ${f1(others)}% (of one core); machine ${f1(r.machineBusyPct)}% busy (${cpus().length} cores)`
}

function streamLines(label: string, s: StreamStats, wallS: number, terminals = 1): string[] {
  if (!s.dataEvents && !s.flushes) return [`    ${label}: no output`]
  const per = (v: number) => `${f1(v / wallS)} ms/s`
  return [
    `    ${label}: read ${f1(s.dataBytes / MiB / wallS)} MiB/s in ${s.dataEvents} node-pty reads (avg ${f1(s.dataBytes / Math.max(1, s.dataEvents) / 1024)} KiB), ` +
      `${s.flushes} batches (avg ${f1(s.flushBytes / Math.max(1, s.flushes) / 1024)} KiB)`,
    `      core main thread: onData ${per(s.dataMs)}, flush ${per(s.flushMs)} = session log ${per(s.logMs)} + frame/ws/replay ${per(s.flushMs - s.logMs)}`,
    `      flow control: ${s.pauses} pauses, paused ${f1((s.pausedMs / 1000 / wallS) * 100)}% of the time, ${s.acks} acks` +
      (s.throttles ? `; background budget: ${s.throttles} pauses, each terminal paused ${f1((s.throttledMs / 1000 / wallS / terminals) * 100)}% of the time` : '')
  ]
}

/** The core process's CPU per MiB by thread: its event loop, libuv's pool (fsync), V8's helpers (GC, JIT). */
function threadsLine(threads: [string, number][]): string {
  return threads.map(([name, ms]) => `${name} ${f1(ms)}`).join(', ')
}

function logStages(l: LatencyResult): void {
  log('    stages of a keystroke (p50 / p95 ms; the p95s of stages do not add up to the total):')
  for (const st of l.stages) log(`      ${f1(st.p50).padStart(6)} / ${f1(st.p95).padStart(6)}  ${st.name}`)
}

function browserLine(b: Record<string, number>, wallS: number): string {
  const pct = (k: string) => `${f1(((b[k] ?? 0) / wallS) * 100)}%`
  return `    browser main thread: busy ${pct('TaskDuration')} (script ${pct('ScriptDuration')}, layout ${pct('LayoutDuration')}, style ${pct('RecalcStyleDuration')})`
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now()
  requireBuild()
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set BENCH_CHROMIUM)`)
  gitIdentityEnv()
  const experiments: string[] = []
  const flow = FLOW as { -readonly [K in keyof typeof FLOW]: number }
  for (const [env, key] of [
    ['BENCH_FLOW_HIGH', 'highWater'],
    ['BENCH_FLOW_LOW', 'lowWater'],
    ['BENCH_FLOW_TYPING_HIGH', 'typingHighWater'],
    ['BENCH_FLOW_TYPING_LOW', 'typingLowWater'],
    ['BENCH_FLOW_BATCH_MS', 'batchMs'],
    ['BENCH_FLOW_BATCH_MAX', 'batchMaxBytes']
  ] as const) {
    if (process.env[env]) {
      flow[key] = num(env, flow[key])
      experiments.push(`FLOW.${key}=${flow[key]}`)
    }
  }
  // the core's shared budget for unwatched terminals (BackgroundBudget): 'off' or N million bytes/s
  const bgExp = process.env.BENCH_EXP_BG
  const bgBytes = bgExp === undefined || bgExp === '' ? null : bgExp === 'off' ? Number.MAX_SAFE_INTEGER : num('BENCH_EXP_BG', 8) * 1e6
  if (bgBytes !== null) experiments.push(bgExp === 'off' ? 'no budget for unwatched terminals' : `unwatched terminals share ${bgExp} MB/s`)
  const nice = process.env.BENCH_EXP_NICE ? num('BENCH_EXP_NICE', 0) : 0
  if (nice) experiments.push(`agents reniced to +${nice}`)
  const hogs = process.env.BENCH_EXP_HOGS ? Math.round(num('BENCH_EXP_HOGS', 0)) : 0
  if (hogs) experiments.push(`${hogs} CPU-bound processes running during the flood`)
  const noLog = process.env.BENCH_NO_LOG === '1'
  if (noLog) experiments.push('no session log output')
  const unmeasured = installInstrumentation({ noLog })

  const root = tempDir('bench')
  onCleanup('temp dir', () => (CFG.keep ? log(`kept ${root}`) : removeDir(root)))

  log('Gas Town Control Room — terminal benchmarks')
  if (experiments.length) log(`  EXPERIMENT — core changed at runtime: ${experiments.join(', ')}`)
  if (unmeasured.length) log(`  (the core no longer has ${unmeasured.join(', ')}: not measured)`)
  log(`  payload ${CFG.mb} MiB solo, ${CFG.floodMb} MiB on screen in the flood, ${CFG.agents} flooding agents, ${CFG.samples} keystrokes`)

  // Others share this machine (tests, builds): say so, since every figure here is CPU-bound.
  const idle = cpuWindow(() => ({}))
  await sleep(1000)
  const before = idle()
  log(`  machine before the run: ${f1(before.machineBusyPct)}% busy over 1 s${before.machineBusyPct > 20 ? ' — other processes are running: figures will be lower and noisier' : ''}`)

  // 1. raw PTY, before anything else runs
  log('\n[1/3] raw PTY throughput (node-pty in Node, no core)…')
  const raw = await rawPty(root)
  log(`  ${f1(raw.mibps)} MiB/s (${f1(raw.ms)} ms; ${raw.bytesRead} bytes read in ${raw.chunks} reads, avg ${f1(raw.bytesRead / raw.chunks / 1024)} KiB, ${raw.inPlace ? 'in place, as the core reads' : "through node-pty's stream: this Node cannot read in place"})`)
  log(`    CPU: ${cpuLine(raw.cpu)}; per MiB: reader ${cpuMsPerMiB(raw.cpu, 'bench', CFG.mb)}, producer ${cpuMsPerMiB(raw.cpu, 'producer', CFG.mb)}`)

  // the town, the rig, the host, the browser
  const town = join(root, 'town')
  const repo = join(root, 'repo')
  mkdirSync(repo)
  makeRepo(repo)
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  // The flood runs CFG.agents agents at once, whatever the scheduler's default for this machine.
  await core.dispatch('scheduler.limit', { limit: 1000 }, { caller: { kind: 'human' } })
  onCleanup('core', () => core.close())
  await call(core, 'rigs.add', { name: 'bench', source: repo })
  if (bgBytes !== null) {
    const p = core.polecats as unknown as { background?: { dispose(): void } }
    if (!p.background) throw new Error('BENCH_EXP_BG: the core has no background budget (Polecats.background) any more')
    p.background.dispose()
    p.background = new BackgroundBudget(bgBytes)
  }
  const host = await startWebHost({ core, rendererDir: RENDERER })
  onCleanup('web host', () => host.close())

  const cues = join(root, 'cues')
  mkdirSync(cues, { recursive: true })
  const sling = async (title: string, agentCmd: string): Promise<Polecat> => {
    const bead = await call<Bead>(core, 'beads.create', { title, rig: 'bench' })
    return call<Polecat>(core, 'sling', { bead: bead.id, rig: 'bench', agentCmd })
  }
  const tSetup = performance.now()
  const solos: Polecat[] = []
  for (let i = 0; i < CFG.e2eRuns; i++) solos.push(await sling(`bench: solo producer, run ${i + 1}`, producerCmd({ bytes: Math.round(CFG.mb * MiB), cues, go: `go-solo-${i}`, seed: 1 })))
  const solo = solos[0]
  const pageSinkSolo = await sling('bench: solo producer for the page sink', producerCmd({ bytes: Math.round(CFG.mb * MiB), cues, go: 'go-page-sink', seed: 1 }))
  const sinks: Polecat[] = []
  for (let i = 0; i < CFG.coreRuns; i++) sinks.push(await sling(`bench: solo producer for the ws sink, run ${i + 1}`, producerCmd({ bytes: Math.round(CFG.mb * MiB), cues, go: `go-sink-${i}`, seed: 1 })))
  const flooders: Polecat[] = []
  for (let i = 0; i < (CFG.flood ? CFG.agents : 0); i++) {
    flooders.push(await sling(`bench: flooder ${i}`, producerCmd({ bytes: Math.round(CFG.floodMb * MiB), cues, go: 'go-flood', loop: true, seed: i + 2 })))
  }
  const echo = await sling('bench: echo', `${q(process.execPath)} ${q(ECHO)}`)
  log(`\n  set up a town with ${flooders.length + 4} polecats (worktrees + PTYs) in ${f1((performance.now() - tSetup) / 1000)} s`)
  // What the slings set off is not the terminal pipeline: the ledger branch they changed is written now (it
  // forks git several times, 5 s after the last change), not inside a measured window.
  await core.ledgerSync.flush()
  const pidOf = (id: string) => core.polecats.streamOf(id)?.pid ?? -1
  if (nice) for (const p of [...solos, ...sinks, ...flooders, echo]) for (const pid of treePids(pidOf(p.id))) setPriority(pid, nice)

  // 2, first: the core with the WebSocket and no browser, before the browser starts (an idle Chromium beside
  // it is still a process on the same two cores)
  log('\n[2/3] one agent: the core alone, then end to end on screen…')
  const coreMsPerMiB = await coreAlone(host, sinks, cues, pidOf, raw)

  const browser = await Chromium.launch(CHROMIUM, ['--no-sandbox', '--disable-gpu', '--disable-sync'])
  onCleanup('chromium', () => browser.close())
  const chromiumPids = childPids(process.pid, /chrom/i)

  // The real renderer if its terminal view works, else the bench's own minimal page.
  let opened: { page: CdpPage; ui: Ui } | null = null
  let uiNote = ''
  if (CFG.ui !== 'minimal') {
    try {
      opened = await openPage(browser, host, 'renderer')
      await opened.ui.open(solo.id)
    } catch (err) {
      if (CFG.ui === 'renderer') throw err
      uiNote = ` (the real renderer's terminal view failed: ${(err as Error).message.split('\n')[0]})`
      await opened?.page.close()
      opened = null
    }
  }
  if (!opened) {
    opened = await openPage(browser, host, 'minimal')
    await opened.ui.open(solo.id)
  }
  const { page, ui } = opened
  const uiName = ui.kind === 'renderer' ? 'the real renderer (out/renderer, TermSession + xterm)' : 'the bench minimal page (bench/minimal, xterm + the same WS protocol)'
  log(`  browser side: ${uiName}${uiNote}`)
  await page.send('Performance.enable')

  const ctx: Ctx = {
    core,
    browser,
    page,
    cpuGroups: (shown, hidden) => () => ({
      'core (bench process)': { pids: [process.pid], tree: false },
      'agent on screen': { pids: shown.map(pidOf), tree: true },
      ...(hidden.length ? { 'agents off screen': { pids: hidden.map(pidOf), tree: true } } : {}),
      chromium: { pids: chromiumPids, tree: true }
    })
  }

  // 2. one agent end to end
  // xterm alone and the pipeline swing by a fifth from one minute to the next here: the runs alternate, and
  // the figure is the mean of each. The page's JIT warms up on the first MiBs xterm parses (cold, xterm alone ran at two thirds of its later
  // speed): a run thrown away first, so the baseline is xterm at its best.
  await xtermAlone(page, solo.id, chromiumPids, null)
  const xtermRuns = [await xtermAlone(page, solo.id, chromiumPids, 'before')]
  const e2e = await measureStream(ctx, solo.id, join(cues, 'go-solo-0'), Math.round(CFG.mb * MiB), [])
  log(`  end to end, run 1: ${f1(e2e.mibps)} MiB/s (${f1(e2e.ms)} ms, first byte parsed after ${f1(e2e.firstByteMs)} ms)`)
  log(`    CPU: ${cpuLine(e2e.cpu)}; core event loop utilisation ${f1(e2e.elu * 100)}%`)
  log(`    CPU per MiB: core ${cpuMsPerMiB(e2e.cpu, 'core (bench process)', CFG.mb)} (${threadsLine(e2e.coreThreads)}), chromium ${cpuMsPerMiB(e2e.cpu, 'chromium', CFG.mb)}, agent ${cpuMsPerMiB(e2e.cpu, 'agent on screen', CFG.mb)}`)
  {
    // Every process of the pipeline shares this machine's cores: its CPU per MiB bounds the throughput.
    const e2eCost = groupsMsPerMiB(e2e.cpu, CFG.mb)
    const rawCost = groupsMsPerMiB(raw.cpu, CFG.mb)
    const bound = (cpus().length * 1000) / e2eCost
    log(`    CPU bound: the pipeline costs ${f1(e2eCost)} ms CPU per MiB in all (core, agent, Chromium), raw reading ${f1(rawCost)}; ${cpus().length} cores can carry at most ${f1(bound)} MiB/s of it = ${f2(bound / raw.mibps)} of raw`)
  }
  for (const l of streamLines('shown terminal', e2e.shown, e2e.ms / 1000)) log(l)
  log(browserLine(e2e.browser, e2e.ms / 1000))
  log(`    websocket: ${e2e.ws.in} frames in (${f1(e2e.ws.inBytes / MiB)} MiB binary, ${f1(e2e.ws.inChars / MiB)} Mchar text), ${e2e.ws.out} frames out (acks)`)
  log(`    xterm: ${f1(e2e.renders.frames / CFG.mb)} renders/MiB (${f1(e2e.renders.frames / (e2e.ms / 1000))}/s, avg ${f1(e2e.renders.rows / Math.max(1, e2e.renders.frames))} rows each)`)

  const e2eRuns = [e2e.mibps]
  for (let i = 1; i < solos.length; i++) {
    xtermRuns.push(await xtermAlone(page, solos[i - 1].id, chromiumPids, `after run ${i}`))
    await ui.close(solos[i - 1].id)
    await ui.open(solos[i].id)
    const r = await measureStream(ctx, solos[i].id, join(cues, `go-solo-${i}`), Math.round(CFG.mb * MiB), [])
    e2eRuns.push(r.mibps)
    log(`  end to end, run ${i + 1}: ${f1(r.mibps)} MiB/s (${f1(r.ms)} ms); CPU per MiB: core ${cpuMsPerMiB(r.cpu, 'core (bench process)', CFG.mb)}, chromium ${cpuMsPerMiB(r.cpu, 'chromium', CFG.mb)}`)
  }
  const shown = solos[solos.length - 1]
  xtermRuns.push(await xtermAlone(page, shown.id, chromiumPids, 'after'))
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const xtermMibps = mean(xtermRuns)
  const e2eMibps = mean(e2eRuns)
  log(`  end to end ${e2eRuns.map(f1).join(', ')} MiB/s (mean ${f1(e2eMibps)}); xterm alone ${xtermRuns.map(f1).join(', ')} (mean ${f1(xtermMibps)}): ${f2(e2eMibps / xtermMibps)}`)
  if (CFG.diag) {
    const ps = await pageSinkThroughput(browser, host, pageSinkSolo.id, join(cues, 'go-page-sink'), Math.round(CFG.mb * MiB), chromiumPids)
    log(`  the page's WebSocket path alone (bench page, frame header + ack on arrival, no xterm): ${f1(ps.mibps)} MiB/s (chromium ${cpuMsPerMiB(ps.cpu, 'chromium', CFG.mb)}, core ${cpuMsPerMiB(ps.cpu, 'core (bench process)', CFG.mb)})`)
  }
  await ui.close(shown.id)

  // 3. the flood
  let flood: StreamResult | null = null
  let lat: LatencyResult | null = null
  let quiet: LatencyResult | null = null
  if (CFG.flood) {
    log(`\n[3/3] ${CFG.agents} agents flooding (${CFG.agents - 1} off screen, 1 on screen)…`)
    const shownId = flooders[0].id
    const hiddenIds = flooders.slice(1).map((p) => p.id)
    for (let i = 0; i < hogs; i++) {
      const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
      // the hogs stand for the agents' own work (builds, tests): with the nice experiment they are niced too
      if (nice && hog.pid) setPriority(hog.pid, nice)
      onCleanup('cpu hog', () => {
        if (hog.exitCode === null) hog.kill('SIGKILL')
      })
    }
    await ui.open(shownId)
    flood = await measureStream(ctx, shownId, join(cues, 'go-flood'), Math.round(CFG.floodMb * MiB), hiddenIds)
    log(`  on screen: ${f1(flood.mibps)} MiB/s (${f1(flood.ms)} ms, first byte parsed after ${f1(flood.firstByteMs)} ms)`)
    log(`    CPU: ${cpuLine(flood.cpu)}; core event loop utilisation ${f1(flood.elu * 100)}%`)
    for (const l of streamLines('shown terminal', flood.shown, flood.ms / 1000)) log(l)
    for (const l of streamLines(`${hiddenIds.length} off-screen terminals together`, flood.hidden, flood.ms / 1000, hiddenIds.length)) log(l)
    log(browserLine(flood.browser, flood.ms / 1000))
    log(`    websocket: ${flood.ws.in} frames in (${f1(flood.ws.inBytes / MiB)} MiB binary, ${f1(flood.ws.inChars / MiB)} Mchar text), ${flood.ws.out} frames out (acks)`)
    log(`    xterm: ${f1(flood.renders.frames / CFG.floodMb)} renders/MiB (${f1(flood.renders.frames / (flood.ms / 1000))}/s)`)

    log(`  keystroke → echo under the flood (${CFG.samples} samples on a taken-over polecat running ${'bench/echo.mjs'})…`)
    await ui.open(echo.id)
    await ui.takeover(echo.id)
    lat = await measureLatency(ctx, echo.id, CFG.samples, [shownId, echo.id], hiddenIds)
    log(`    p50 ${f1(lat.p50)} ms, p95 ${f1(lat.p95)} ms, p99 ${f1(lat.p99)} ms, max ${f1(lat.max)} ms, ${lat.timeouts} timeouts (${f1(lat.wallS)} s)`)
    log(`    CPU: ${cpuLine(lat.cpu)}; core event loop utilisation ${f1(lat.elu * 100)}%`)
    log(browserLine(lat.browser, lat.wallS))
    logStages(lat)

    // the same keystrokes with the flood stopped: what the pipeline costs when nothing competes
    for (const p of flooders) await call(core, 'polecats.stop', { polecat: p.id }).catch(() => {})
    const deadline = Date.now() + 10_000
    while (flooders.some((p) => core.polecats.isRunning(p.id)) && Date.now() < deadline) await sleep(100)
    await sleep(300)
    quiet = await measureLatency(ctx, echo.id, Math.max(20, Math.round(CFG.samples / 2)), [echo.id], [])
    log(`  keystroke → echo without the flood: p50 ${f1(quiet.p50)} ms, p95 ${f1(quiet.p95)} ms, max ${f1(quiet.max)} ms`)
    logStages(quiet)
  }

  // 4-5. the agents: the inbox and the witness (bench/agents.ts, in a process of its own so its CPU is its own)
  let agentRows: string[][] = []
  if (process.env.BENCH_AGENTS_PHASE !== '0') {
    for (const p of flooders) await call(core, 'polecats.stop', { polecat: p.id }).catch(() => {})
    log('\n[4-5] the inbox and the witness with 20 agents (bench/agents.ts)…')
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'agents.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      for (const l of d.split('\n')) if (l && !l.startsWith('AGENT_ROWS ') && !l.startsWith('|')) log(l)
    })
    await new Promise((r) => child.once('exit', r))
    const m = /^AGENT_ROWS (.*)$/m.exec(out)
    agentRows = m ? (JSON.parse(m[1]) as string[][]) : [['4-5. the agents bench failed (see above)', '—', '—', '—', '—', 'MISS']]
  }
  // 6. recovery of a town whose rigs/ is gone (bench/recovery.ts, its own process)
  if (process.env.BENCH_RECOVERY_PHASE !== '0') {
    log('\n[6] recovery of 5 rigs and 30 polecats after rigs/ was deleted (bench/recovery.ts)…')
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'recovery.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      for (const l of d.split('\n')) if (l && !l.startsWith('RECOVERY_ROWS ') && !l.startsWith('|')) log(l)
    })
    await new Promise((r) => child.once('exit', r))
    const m = /^RECOVERY_ROWS (.*)$/m.exec(out)
    agentRows.push(...(m ? (JSON.parse(m[1]) as string[][]) : [['6. the recovery bench failed (see above)', '—', '—', '—', '—', 'MISS']]))
  }

  // 7. the refinery against merging one at a time (bench/refinery.ts, its own process)
  if (process.env.BENCH_REFINERY_PHASE !== '0') {
    log('\n[7] the merge queue: 16 requests, 2 culprits, 2 s checks (bench/refinery.ts)…')
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'refinery.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      for (const l of d.split('\n')) if (l && !l.startsWith('REFINERY_ROWS ') && !l.startsWith('|')) log(l)
    })
    await new Promise((r) => child.once('exit', r))
    const m = /^REFINERY_ROWS (.*)$/m.exec(out)
    agentRows.push(...(m ? (JSON.parse(m[1]) as string[][]) : [['7. the refinery bench failed (see above)', '—', '—', '—', '—', 'MISS']]))
  }

  // 8. the scheduler: 50 beads slung at once into a town limited to 5 agents (bench/scheduler.ts, its own process)
  if (process.env.BENCH_SCHEDULER_PHASE !== '0') {
    log('\n[8] the scheduler: 50 beads slung at once, town limit 5 (bench/scheduler.ts)…')
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'scheduler.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      for (const l of d.split('\n')) if (l && !l.startsWith('SCHEDULER_ROWS ') && !l.startsWith('|')) log(l)
    })
    await new Promise((r) => child.once('exit', r))
    const m = /^SCHEDULER_ROWS (.*)$/m.exec(out)
    agentRows.push(...(m ? (JSON.parse(m[1]) as string[][]) : [['8. the scheduler bench failed (see above)', '—', '—', '—', '—', 'MISS']]))
  }

  // 9. fifty polecats running for minutes: echo latency and the core's memory (bench/fifty-polecats.ts, its own process)
  if (process.env.BENCH_FIFTY_PHASE !== '0') {
    log(`\n[9] 50 polecats running at once for ${process.env.BENCH_FIFTY_MINUTES ?? 10} min: echo latency and the core's memory (bench/fifty-polecats.ts)…`)
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'fifty-polecats.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      for (const l of d.split('\n')) if (l && !l.startsWith('FIFTY_ROWS ') && !l.startsWith('|')) log(l)
    })
    await new Promise((r) => child.once('exit', r))
    const m = /^FIFTY_ROWS (.*)$/m.exec(out)
    agentRows.push(...(m ? (JSON.parse(m[1]) as string[][]) : [['9. the fifty-polecats bench failed (see above)', '—', '—', '—', '—', 'MISS']]))
  }

  // ---------------------------------------------------------------- the table
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS')
  const e2eCore = msPerMiB(e2e.cpu, 'core (bench process)', CFG.mb)
  const rows = [
    ['figure', 'value', 'baseline', 'ratio', 'target', 'result'],
    [`1. end to end, 1 agent, parsed by xterm in the page (mean of ${e2eRuns.length})`, `${f1(e2eMibps)} MiB/s`, `xterm alone ${f1(xtermMibps)}`, f2(e2eMibps / xtermMibps), `≥ ${TARGET.e2eVsXterm}`, verdict(e2eMibps / xtermMibps >= TARGET.e2eVsXterm)],
    // The old target (≥ 0.5 of raw) is retired: the raw read is 4-6 times what xterm can parse in the page.
    ['   the same against the raw PTY read (node-pty → Node)', `${f1(e2eMibps)} MiB/s`, `raw ${f1(raw.mibps)}`, f2(e2eMibps / raw.mibps), '—', '—'],
    [`2. core CPU per MiB, 1 agent, core + WebSocket (median of ${CFG.coreRuns})`, `${f1(coreMsPerMiB)} ms`, `bare reader ${f1(msPerMiB(raw.cpu, 'bench', CFG.mb))}`, '—', `≤ ${TARGET.coreMsPerMiB} ms`, verdict(coreMsPerMiB <= TARGET.coreMsPerMiB)],
    ['   the same, end to end (phase 2 run 1, paced by the page)', `${f1(e2eCore)} ms`, '—', '—', '—', '—'],
    flood
      ? [
          `3a. on screen, ${CFG.agents} agents flooding`,
          `${f1(flood.mibps)} MiB/s`,
          `solo ${f1(e2eMibps)}`,
          f2(flood.mibps / e2eMibps),
          `≥ ${TARGET.floodVsSolo}`,
          verdict(flood.mibps / e2eMibps >= TARGET.floodVsSolo)
        ]
      : ['3a. on screen, agents flooding', 'skipped', '—', '—', `≥ ${TARGET.floodVsSolo}`, '—'],
    lat && quiet
      ? [
          `3b. keystroke→echo p95 under the flood (n=${lat.samples.length})`,
          `${f1(lat.p95)} ms`,
          `quiet ${f1(quiet.p95)}`,
          f2(lat.p95 / quiet.p95),
          `< ${TARGET.p95Ms} ms`,
          verdict(lat.p95 < TARGET.p95Ms && lat.timeouts === 0)
        ]
      : ['3b. keystroke→echo p95 under the flood', 'skipped', '—', '—', `< ${TARGET.p95Ms} ms`, '—'],
    ...agentRows
  ]
  log(`\nSummary (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${gitDescribe()}; machine ${f1(before.machineBusyPct)}% busy before the run)\n`)
  log(table(rows))
  log(`\n  measured on: ${uiName}`)
  log(
    `  machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${f1(totalmem() / 1024 ** 3)} GiB RAM, Linux ${release()}, ` +
      `load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`
  )
  log(`  node ${process.version} (${process.execPath}); chromium ${browser.version} (${CHROMIUM}, driven over the DevTools protocol without its Network domain); xterm ${readPkgVersion('@xterm/xterm')}; node-pty ${readPkgVersion('node-pty')}`)
  log(`  MiB = 2^20 bytes of producer output (the PTY adds a CR per line); total run ${f1((performance.now() - started) / 1000)} s`)
}

function readPkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

main()
  .then(
    () => 0,
    (err) => {
      console.error(`\nbenchmark failed: ${(err as Error).stack ?? err}`)
      return 1
    }
  )
  .then(async (code) => {
    await cleanup()
    process.exit(code)
  })
