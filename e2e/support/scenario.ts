// One scenario of the control room end to end: a temp town, a real git repository, a cue folder for the fake
// agent, `gt serve` on the town and a page on its URL in real Chromium; cleaned up whatever happens, with a
// screenshot when it fails.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { makeRepo, removeDir, tempDir } from '../../test/support/fixtures'
import { shot, watchPage } from './browser'
import { killLeftovers, startServe, type Served } from './serve'
import { expectConnected } from './ui'

/** A fresh browser context and page, watched for page errors, sized like a laptop screen. */
export async function newPage(browser: Browser, opts: { permissions?: string[] } = {}): Promise<{ context: BrowserContext; page: Page; problems: ReturnType<typeof watchPage> }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...(opts.permissions ? { permissions: opts.permissions } : {}) })
  // tsx (esbuild keepNames) wraps named functions in __name(); functions shipped to the page need it too.
  await context.addInitScript({ content: 'globalThis.__name ??= (f) => f' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return { context, page, problems: watchPage(page) }
}

/** One scenario's town, repository, cue folder, `gt serve` and page. */
export interface TownScenario {
  town: string
  repo: string
  cuesRoot: string
  cues: string
  served: Served
  context: BrowserContext
  page: Page
  problems: ReturnType<typeof watchPage>
  /** Starts gt serve again on the same town and opens its new URL. */
  restart(): Promise<void>
  /** A temp folder removed with the scenario. */
  tempDir(prefix: string): string
}

export interface ScenarioOptions {
  /** Written to <town>/settings.json before gt serve starts. */
  settings?: Record<string, unknown>
  /** The whole environment of gt serve (and so of its agents); by default the tests' own plus a git identity. */
  env?: NodeJS.ProcessEnv
  /** Browser permissions granted to the page (e.g. notifications). */
  permissions?: string[]
  /** Runs before the page first opens (e.g. init scripts). */
  beforeOpen?(context: BrowserContext): Promise<void>
}

export async function withTown(browser: Browser, name: string, body: (t: TownScenario) => Promise<void>, opts: ScenarioOptions = {}): Promise<void> {
  const town = tempDir('e2e-town')
  const repo = makeRepo()
  const cuesRoot = tempDir('e2e-cues')
  const dirs = [town, repo, cuesRoot]
  const t = { town, repo, cuesRoot, cues: join(cuesRoot, 'cues') } as TownScenario
  let context: BrowserContext | undefined
  try {
    if (opts.settings) {
      mkdirSync(town, { recursive: true, mode: 0o700 })
      writeFileSync(join(town, 'settings.json'), JSON.stringify(opts.settings, null, 2) + '\n', { mode: 0o600 })
    }
    t.served = await startServe(town, opts.env ? { env: opts.env } : {})
    const opened = await newPage(browser, opts)
    context = opened.context
    t.context = opened.context
    t.page = opened.page
    t.problems = opened.problems
    t.restart = async () => {
      t.served = await startServe(town, opts.env ? { env: opts.env } : {})
      await t.page.goto(t.served.url)
      await expectConnected(t.page)
    }
    t.tempDir = (prefix) => {
      const dir = tempDir(prefix)
      dirs.push(dir)
      return dir
    }
    await opts.beforeOpen?.(opened.context)
    await t.page.goto(t.served.url)
    await expectConnected(t.page)
    await body(t)
    assert.deepEqual(t.problems.pageErrors, [], 'uncaught exceptions in the page')
  } catch (err) {
    if (t.page) await shot(t.page, `FAILED-${name}`).catch(() => {})
    throw err
  } finally {
    await context?.close()
    await t.served?.stop('SIGTERM').catch(() => t.served?.proc.kill('SIGKILL'))
    const leftovers = killLeftovers(cuesRoot)
    for (const dir of dirs) removeDir(dir)
    if (leftovers.length) console.log(`# killed ${leftovers.length} agent process(es) left behind: ${leftovers.join(', ')}`)
  }
}
