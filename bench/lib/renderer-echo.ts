// The real renderer's terminal, driven from the bench over the DevTools protocol: open a polecat's terminal
// from the Polecats view, take it over, and time keystrokes to their echo as xterm parses it — the same
// measurement as bench/run.ts phase 3 (keystroke → echo on a taken-over polecat running bench/echo.mjs),
// for phases in processes of their own.
import type { Terminal } from '@xterm/xterm'
import type { CdpPage } from './cdp'

const testId = (id: string) => `[data-testid="${id}"]`
const keyOf = (id: string) => id.replace(/\//g, '-')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Opens the polecat's terminal in the Polecats view and waits until xterm shows it live. */
export async function openTerminal(page: CdpPage, polecatId: string): Promise<void> {
  const key = keyOf(polecatId)
  await page.click(testId('nav-polecats'))
  await page.click(testId(`polecat-row-${key}`))
  await page.waitForSelector(`${testId(`terminal-${key}`)}[data-phase="live"]`)
  await page.waitForFunction((pid) => !!window.__gtTerm?.get(pid), polecatId, { timeoutMs: 15_000, what: `the terminal of ${polecatId}` })
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))))
  await sleep(200)
}

/** Takes the open terminal over (input enabled), as the user's Take over button does. */
export async function takeOver(page: CdpPage, polecatId: string): Promise<void> {
  const key = keyOf(polecatId)
  await page.click(`${testId(`terminal-${key}`)} ${testId('terminal-takeover')}`)
  await page.waitForSelector(`${testId(`terminal-${key}`)}[data-taken-over="true"]`)
  await page.waitForFunction((pid) => window.__gtTerm?.get(pid)?.options.disableStdin === false, polecatId, { timeoutMs: 15_000, what: `input enabled in ${polecatId}` })
}

/** A keystroke (or a new line) typed: when it went in and when its echo was parsed, ms since the epoch. */
export interface TypedInput {
  t0: number
  parsed: number
  /** A timed keystroke; false for the new lines between batches. */
  sample: boolean
}

/**
 * Types `n` keystrokes into the taken-over terminal of an echoing program, one at a time, each timed from
 * xterm's input to the echoed character parsed on the cursor's line (ms); a new line every 40 characters.
 * A keystroke whose echo does not come within 5 s counts as a timeout (and its 5 s as its sample). `inputs`
 * has every key and new line with its times, for a trace of where the time went (bench/run.ts phase 3).
 */
export async function typeAndTime(page: CdpPage, polecatId: string, n: number): Promise<{ samples: number[]; timeouts: number; inputs: TypedInput[] }> {
  return page.evaluate(
    async ({ pid, n }) => {
      const term = window.__gtTerm!.get(pid) as Terminal
      const line = () => {
        const b = term.buffer.active
        return b.getLine(b.baseY + b.cursorY)?.translateToString(true) ?? ''
      }
      const until = (pred: () => boolean, timeoutMs: number) =>
        new Promise<boolean>((resolve) => {
          if (pred()) return resolve(true)
          const d = term.onWriteParsed(() => {
            if (!pred()) return
            d.dispose()
            clearTimeout(t)
            resolve(true)
          })
          const t = setTimeout(() => {
            d.dispose()
            resolve(pred())
          }, timeoutMs)
        })
      const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
      const now = () => performance.timeOrigin + performance.now()
      const inputs: { t0: number; parsed: number; sample: boolean }[] = []
      const newline = async () => {
        const t0 = now()
        term.input('\r', true)
        await until(() => line() === '', 5000)
        inputs.push({ t0, parsed: now(), sample: false })
      }
      // each batch starts on a fresh line
      await newline()
      const samples: number[] = []
      let timeouts = 0
      let typed = ''
      for (let i = 0; i < n; i++) {
        if (typed.length >= 40) {
          await newline()
          typed = ''
        }
        await pause(20 + Math.random() * 40) // not in lock-step with the output batches
        const ch = String.fromCharCode(97 + (i % 26))
        const want = typed + ch
        const wt0 = now()
        const t = performance.now()
        term.input(ch, true)
        const ok = await until(() => line().endsWith(want), 5000)
        samples.push(performance.now() - t)
        inputs.push({ t0: wt0, parsed: now(), sample: true })
        if (!ok) {
          timeouts++
          // resynchronise on whatever the line shows now
          typed = line()
        } else typed = want
      }
      return { samples, timeouts, inputs }
    },
    { pid: polecatId, n }
  )
}
