// The desktop app itself, in a real Electron: the window shows the control room, the page gets
// the bridge and nothing else, and it cannot open windows or navigate away.
// Needs a runnable Electron binary (ELECTRON_PATH or the electron package's download); without
// one every test here is reported SKIPPED with the reason — never passed silently.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { _electron } from 'playwright-core'

const ROOT = join(__dirname, '..')

type Located = { path: string | null; reason: string | null }

/** scripts/start.mjs decides how `npm start` runs; the tests use the very same rule. */
async function locateElectron(): Promise<Located> {
  // A computed specifier keeps TypeScript from wanting type declarations for a .mjs file.
  const script: string = join(ROOT, 'scripts', 'start.mjs')
  const { findElectron } = (await import(script)) as { findElectron(): Located }
  return findElectron()
}

test('Electron desktop app', async (t) => {
  const electron = await locateElectron()
  if (!electron.path) return t.skip(`no Electron binary: ${electron.reason}`)
  assert.ok(existsSync(join(ROOT, 'out', 'main', 'index.js')), 'the app is not built: run `npx electron-vite build` first')

  const dir = await mkdtemp(join(tmpdir(), 'gt-electron-e2e-'))
  const town = join(dir, 'town')
  const { ELECTRON_RUN_AS_NODE: _drop, ...env } = process.env
  const app = await _electron.launch({
    executablePath: electron.path,
    // Chromium's OS sandbox refuses to start as root (CI containers); the renderer's own sandbox: true still applies.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ROOT, '--town', town],
    env: { ...env, GT_TOWN: '' },
    timeout: 60_000
  })
  t.after(async () => {
    await app.close() // quits through before-quit, which closes the core first
    await rm(dir, { recursive: true, force: true })
  })
  const page = await app.firstWindow()
  await page.waitForLoadState('domcontentloaded')

  await t.test('opens one window showing the control room', async () => {
    assert.equal(await page.title(), 'Gas Town Control Room')
    await page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0, null, { timeout: 20_000 })
    assert.ok(page.url().startsWith('file://') && page.url().includes('/out/renderer/index.html'), page.url())
    assert.equal(app.windows().length, 1)
  })

  await t.test('gives the page the bridge and nothing of Node', async () => {
    const seen = await page.evaluate(() => ({
      bridge: Object.keys((window as any).gtBridge ?? {}).sort(),
      require: typeof (globalThis as any).require,
      process: typeof (globalThis as any).process,
      module: typeof (globalThis as any).module,
      ipcRenderer: typeof (window as any).ipcRenderer
    }))
    assert.deepEqual(seen, { bridge: ['call', 'onEvent'], require: 'undefined', process: 'undefined', module: 'undefined', ipcRenderer: 'undefined' })
  })

  await t.test('answers a call through the bridge', async () => {
    const reply = await page.evaluate(() => (window as any).gtBridge.call({ method: 'town.info', params: {}, requestId: 'e2e-1' }))
    assert.equal(reply.error, undefined, JSON.stringify(reply.error))
    assert.equal(reply.result.town, town)
    const bad = await page.evaluate(() => (window as any).gtBridge.call({ method: 'town.info', params: { extra: 1 }, requestId: 'e2e-2' }))
    assert.equal(bad.error.code, 'invalid_params')
    const malformed = await page.evaluate(() => (window as any).gtBridge.call('town.info'))
    assert.equal(malformed.error.code, 'invalid_params')
  })

  await t.test('allows desktop notifications (new P0s and permission requests show natively)', async () => {
    const seen = await page.evaluate(async () => ({ permission: Notification.permission, asked: await Notification.requestPermission() }))
    assert.deepEqual(seen, { permission: 'granted', asked: 'granted' })
  })

  await t.test('denies window.open', async () => {
    // http (not https), so the handler neither opens a window nor hands the URL to the system browser.
    const blocked = await page.evaluate(() => window.open('http://example.invalid/') === null)
    assert.equal(blocked, true)
    assert.equal(app.windows().length, 1)
  })

  await t.test('prevents navigation away from the control room', async () => {
    const before = page.url()
    await page.evaluate(() => {
      location.href = 'http://example.invalid/'
    })
    // The page must still be ours and still be able to call the core.
    const reply = await page.evaluate(() => (window as any).gtBridge.call({ method: 'town.info', params: {}, requestId: 'e2e-3' }))
    assert.equal(reply.result.town, town)
    assert.equal(page.url(), before)
  })
})
