// The benchmark's own Chromium driver: Chromium started by us, spoken to over the DevTools protocol on a pipe,
// with only the domains the bench needs (Page, Runtime, and Performance/Profiler/Tracing when asked).
//
// Not playwright, because playwright enables the Network domain on every page it controls, and Chromium then
// copies every WebSocket frame to it (base64, in JSON): measured with the page acking a 64 MiB flood, Chromium
// spent 27-36 ms CPU per MiB instead of 8-10, and the process reading the copies 3-6 ms per MiB more; with
// playwright, that process is the core's own (bench/run.ts runs the core in-process). The product has no
// debugger attached: without Network, the bench measures what users get.
//
// Pages are driven by evaluating functions in them (no synthetic input, no actionability checks): the bench
// clicks buttons whose test ids it knows and waits on conditions it states.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'

// Playwright's own switches for a quiet, unthrottled Chromium (chromiumSwitches.ts), less those about its
// features; the bench's figures before this driver were taken with them.
const SWITCHES = [
  '--disable-field-trial-config',
  '--disable-background-networking',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-back-forward-cache',
  '--disable-breakpad',
  '--disable-component-extensions-with-background-pages',
  '--disable-component-update',
  '--no-default-browser-check',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-features=OptimizationHints,MediaRouter,PaintHolding,DestroyProfileOnBrowserClose',
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-popup-blocking',
  '--disable-prompt-on-repost',
  '--disable-renderer-backgrounding',
  '--force-color-profile=srgb',
  '--metrics-recording-only',
  '--no-first-run',
  '--password-store=basic',
  '--use-mock-keychain',
  '--no-service-autorun',
  '--disable-search-engine-choice-screen',
  '--enable-unsafe-swiftshader',
  '--headless',
  '--hide-scrollbars',
  '--mute-audio',
  '--remote-debugging-pipe'
]

/** tsx (esbuild keepNames) wraps named functions in __name(): functions shipped to the page need it defined. */
export const NAME_SHIM = 'globalThis.__name ??= (f) => f;'

type Handler = (params: Record<string, unknown>, sessionId: string | undefined) => void

export class Chromium {
  private nextId = 0
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>()
  private handlers = new Map<string, Set<Handler>>()
  private closed = false
  version = '?'

  private constructor(
    private proc: ChildProcess,
    private userDataDir: string
  ) {
    const out = proc.stdio[4] as Readable
    let buf: Buffer = Buffer.alloc(0)
    out.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d
      for (let end = buf.indexOf(0); end >= 0; end = buf.indexOf(0)) {
        const msg = JSON.parse(buf.subarray(0, end).toString('utf8')) as { id?: number; method?: string; params?: Record<string, unknown>; sessionId?: string; result?: unknown; error?: { message: string } }
        buf = buf.subarray(end + 1)
        if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id)
          this.waiting.delete(msg.id)
          if (msg.error) w?.reject(new Error(`${w.method}: ${msg.error.message}`))
          else w?.resolve(msg.result)
        } else if (msg.method) {
          for (const h of this.handlers.get(msg.method) ?? []) h(msg.params ?? {}, msg.sessionId)
        }
      }
    })
    proc.on('exit', () => {
      this.closed = true
      for (const w of this.waiting.values()) w.reject(new Error(`${w.method}: Chromium exited`))
      this.waiting.clear()
    })
  }

  /** Starts Chromium (headless, a fresh profile) and connects to it. */
  static async launch(executable: string, extraArgs: string[] = []): Promise<Chromium> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'gt-bench-chromium-'))
    const proc = spawn(executable, [...SWITCHES, ...extraArgs, `--user-data-dir=${userDataDir}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] })
    let stderr = ''
    proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    const c = new Chromium(proc, userDataDir)
    const started = await Promise.race([
      c.send<{ product: string }>('Browser.getVersion'),
      new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`Chromium exited at start (code ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`))))
    ])
    c.version = started.product.split('/')[1] ?? started.product
    return c
  }

  get pid(): number {
    return this.proc.pid ?? -1
  }

  send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${method}: Chromium is not running`))
    const id = ++this.nextId
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, method })
      ;(this.proc.stdio[3] as Writable).write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0')
    })
  }

  on(event: string, handler: Handler): () => void {
    let set = this.handlers.get(event)
    if (!set) this.handlers.set(event, (set = new Set()))
    set.add(handler)
    return () => set.delete(handler)
  }

  /** A new tab in a fresh browser context (its own cookies), sized like a desktop window. */
  async newPage(viewport: { width: number; height: number }, initScripts: string[] = []): Promise<CdpPage> {
    const { browserContextId } = await this.send<{ browserContextId: string }>('Target.createBrowserContext', { disposeOnDetach: true })
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank', browserContextId })
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true })
    const page = new CdpPage(this, sessionId, targetId, browserContextId)
    await page.send('Page.enable')
    await page.send('Runtime.enable') // for Runtime.exceptionThrown: the page's errors reach the bench's output
    await page.send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false })
    for (const source of initScripts) await page.send('Page.addScriptToEvaluateOnNewDocument', { source })
    return page
  }

  /** Records a trace of the whole browser until the returned function is called; resolves with its events. */
  async startTracing(categories: string[]): Promise<() => Promise<unknown[]>> {
    const events: unknown[] = []
    const offData = this.on('Tracing.dataCollected', (p) => events.push(...(p.value as unknown[])))
    await this.send('Tracing.start', { categories: categories.join(','), transferMode: 'ReportEvents' })
    return async () => {
      const complete = new Promise<void>((resolve) => {
        const off = this.on('Tracing.tracingComplete', () => (off(), resolve()))
      })
      await this.send('Tracing.end')
      await complete
      offData()
      return events
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()))
      await Promise.race([this.send('Browser.close').catch(() => {}), new Promise((r) => setTimeout(r, 5000))])
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (!this.closed) this.proc.kill('SIGKILL')
    }
    rmSync(this.userDataDir, { recursive: true, force: true })
  }
}

/** A function shipped to the page: its source is evaluated there, so it may use only its argument and the page's globals. */
type PageFn<A, R> = (arg: A) => R | Promise<R>

export class CdpPage {
  constructor(
    private browser: Chromium,
    readonly sessionId: string,
    private targetId: string,
    private browserContextId: string
  ) {}

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId)
  }

  on(event: string, handler: (params: Record<string, unknown>) => void): () => void {
    return this.browser.on(event, (p, sessionId) => sessionId === this.sessionId && handler(p))
  }

  /** Calls `handler` with the text of every uncaught error in the page. */
  onError(handler: (message: string) => void): void {
    this.on('Runtime.exceptionThrown', (p) => {
      const d = p.exceptionDetails as { text?: string; exception?: { description?: string } }
      handler(d.exception?.description?.split('\n')[0] ?? d.text ?? 'error')
    })
  }

  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => (off(), reject(new Error(`${url} did not load within ${timeoutMs} ms`))), timeoutMs)
      const off = this.on('Page.loadEventFired', () => (clearTimeout(t), off(), resolve()))
    })
    const r = await this.send<{ errorText?: string }>('Page.navigate', { url })
    if (r.errorText) throw new Error(`cannot open ${url}: ${r.errorText}`)
    await loaded
  }

  /** Runs `fn(arg)` in the page and returns its (JSON-able) result; a throw in the page throws here. */
  async evaluate<A, R>(fn: PageFn<A, R>, arg?: A): Promise<R> {
    return this.evaluateSource<R>(`(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`)
  }

  async evaluateSource<R>(expression: string): Promise<R> {
    const r = await this.send<{ result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression: `${NAME_SHIM}(${expression})`,
      awaitPromise: true,
      returnByValue: true
    })
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`)
    return r.result.value as R
  }

  /** Resolves with `fn(arg)` once it is truthy, checked in the page every `pollMs` (one round trip in all). */
  async waitForFunction<A, R>(fn: PageFn<A, R>, arg: A, opts: { timeoutMs?: number; pollMs?: number; what?: string } = {}): Promise<R> {
    const timeoutMs = opts.timeoutMs ?? 30_000
    const pollMs = opts.pollMs ?? 50
    const what = opts.what ?? fn.toString().slice(0, 120)
    return this.evaluateSource<R>(`new Promise((resolve, reject) => {
      const f = (${fn.toString()}), arg = ${arg === undefined ? 'undefined' : JSON.stringify(arg)}, t0 = performance.now()
      const tick = async () => {
        let v
        try { v = await f(arg) } catch (e) { return reject(e) }
        if (v) return resolve(v)
        if (performance.now() - t0 > ${timeoutMs}) return reject(new Error(${JSON.stringify(`timed out after ${timeoutMs} ms waiting for ${what}`)}))
        setTimeout(tick, ${pollMs})
      }
      tick()
    })`)
  }

  /** Waits until an element matching `selector` is in the page (or, with `gone`, until none is). */
  async waitForSelector(selector: string, opts: { gone?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.waitForFunction(({ selector, gone }) => (document.querySelector(selector) === null) === gone, { selector, gone: !!opts.gone }, { timeoutMs: opts.timeoutMs ?? 15_000, what: `${selector}${opts.gone ? ' to go' : ''}` })
  }

  /** Clicks the first element matching `selector` once it is there and laid out. */
  async click(selector: string, timeoutMs = 15_000): Promise<void> {
    await this.waitForFunction(
      (sel) => {
        const el = document.querySelector(sel) as HTMLElement | null
        if (!el || el.getClientRects().length === 0) return false
        el.scrollIntoView({ block: 'center', inline: 'center' })
        el.click()
        return true
      },
      selector,
      { timeoutMs, what: `${selector} to click` }
    )
  }

  /** Replaces the document with `html` (its scripts run), as playwright's setContent does. */
  async setContent(html: string): Promise<void> {
    await this.evaluate((h) => {
      document.open()
      document.write(h)
      document.close()
    }, html)
  }

  /** Answers the page's requests for URLs starting with `prefix` from `serve` (404 when it returns null). */
  async route(prefix: string, serve: (url: string) => { body: Buffer; contentType: string } | null): Promise<void> {
    this.on('Fetch.requestPaused', (p) => {
      const url = (p.request as { url: string }).url
      const r = url.startsWith(prefix) ? serve(url) : null
      void this.send('Fetch.fulfillRequest', {
        requestId: p.requestId,
        responseCode: r ? 200 : 404,
        responseHeaders: [{ name: 'Content-Type', value: r?.contentType ?? 'text/plain' }],
        body: (r?.body ?? Buffer.from('not found')).toString('base64')
      }).catch(() => {})
    })
    await this.send('Fetch.enable', { patterns: [{ urlPattern: `${prefix}*`, requestStage: 'Request' }] })
  }

  async close(): Promise<void> {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId }).catch(() => {})
    await this.browser.send('Target.disposeBrowserContext', { browserContextId: this.browserContextId }).catch(() => {})
  }
}
