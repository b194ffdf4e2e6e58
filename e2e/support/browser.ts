// Real Chromium for the web host, and small expect-style helpers that poll the page (never sleep).
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const SHOTS = '/tmp/e2e-shots'

/** Launches the system Chromium. A missing browser is a failure with the fix, never a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the end-to-end tests drive the control room in real Chromium.\n` +
        `Install it with:  sudo apt-get update && sudo apt-get install -y chromium\n` +
        `(or point CHROMIUM_PATH at a Chromium binary)`
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
}

/** What went wrong inside the page: uncaught exceptions and console errors. */
export function watchPage(page: Page): { pageErrors: string[]; consoleErrors: string[] } {
  const seen = { pageErrors: [] as string[], consoleErrors: [] as string[] }
  page.on('pageerror', (err) => seen.pageErrors.push(String(err.stack ?? err)))
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.consoleErrors.push(msg.text())
  })
  return seen
}

let shotNo = 0
/** A numbered full-page screenshot in /tmp/e2e-shots. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true })
  const file = join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path: file })
  return file
}

/**
 * Polls `fn` until it returns something truthy, then returns it. On timeout the error names `what`
 * and shows the last value seen, so a failure says what the page showed instead.
 */
export async function until<T>(fn: () => T | Promise<T>, what: string | (() => string), timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  let last: unknown
  let lastErr: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v as NonNullable<T>
      last = v
    } catch (err) {
      lastErr = err
    }
    if (Date.now() > end) {
      const detail = lastErr ? `last error: ${String(lastErr)}` : `last value: ${JSON.stringify(last)?.slice(0, 2000)}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what} (${detail})`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Waits until the locator's text matches. Returns the text. */
export async function expectText(loc: Locator, pattern: RegExp | string, what: string, timeoutMs = 15_000): Promise<string> {
  let text = ''
  await until(
    async () => {
      text = (await loc.count()) > 0 ? ((await loc.first().textContent()) ?? '') : '<absent>'
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)
    },
    () => `${what} to show ${String(pattern)}; it shows ${JSON.stringify(text.slice(0, 500))}`,
    timeoutMs
  )
  return text
}

/** Waits until the locator's attribute has the value. */
export async function expectAttr(loc: Locator, name: string, value: string, what: string, timeoutMs = 15_000): Promise<void> {
  await until(async () => (await loc.count()) > 0 && (await loc.first().getAttribute(name)) === value, `${what}: ${name}="${value}"`, timeoutMs)
}

/** The text in the xterm of a polecat's open terminal (window.__gtTerm), wrapped lines joined. */
export async function terminalText(page: Page, polecatId: string): Promise<string | null> {
  return page.evaluate((id) => {
    const term = (window as unknown as { __gtTerm?: { get(id: string): any } }).__gtTerm?.get(id)
    if (!term) return null
    const buf = term.buffer.active
    let text = ''
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i)
      if (!line) continue
      text += (i > 0 && !line.isWrapped ? '\n' : '') + line.translateToString(true)
    }
    return text
  }, polecatId)
}

/** Waits until the polecat's terminal shows `needle`; returns the whole text. */
export async function expectTerminal(page: Page, polecatId: string, needle: string, timeoutMs = 15_000): Promise<string> {
  let text: string | null = null
  try {
    return await until(async () => {
      text = await terminalText(page, polecatId)
      return text?.includes(needle) ? text : null
    }, `terminal ${polecatId} to show ${JSON.stringify(needle)}`, timeoutMs)
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- terminal text ---\n${text === null ? '<no xterm registered in window.__gtTerm>' : String(text).trimEnd().slice(-3000)}`)
  }
}

/** Records, from now on, every test id in `ids` that appears in the DOM even for a moment (MutationObserver). */
export async function recordAppearances(page: Page, ids: string[]): Promise<() => Promise<{ seen: string[]; texts: string[] }>> {
  // A string, not a function: tsx (esbuild keepNames) would wrap inner named functions in a __name() the page lacks.
  await page.evaluate(`(() => {
    const ids = ${JSON.stringify(ids)}
    window.__seenMo?.disconnect()
    const seen = { ids: new Set(), texts: [] }
    window.__seen = seen
    const check = () => {
      for (const id of ids) {
        const el = document.querySelector('[data-testid="' + id + '"]')
        if (!el) continue
        seen.ids.add(id)
        const t = el.textContent ?? ''
        if (seen.texts[seen.texts.length - 1] !== t) seen.texts.push(t)
      }
    }
    window.__seenMo = new MutationObserver(check)
    window.__seenMo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
  })()`)
  return () =>
    page.evaluate(`(() => {
      window.__seenMo?.disconnect()
      return { seen: [...window.__seen.ids], texts: window.__seen.texts }
    })()`) as Promise<{ seen: string[]; texts: string[] }>
}
