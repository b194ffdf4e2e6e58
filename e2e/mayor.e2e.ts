// The AI mayor from the Convoys view in Chromium: the town's default runtime is the scripted fake agent; the
// user starts the mayor from the Mayor panel, sees it run its gt tools in its terminal (a mayor tool answers,
// an inbox approval is refused by name), types to it, and stops it.
//
//   npx electron-vite build && npx node --import tsx --test e2e/mayor.e2e.ts
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { FAKE_AGENT, requireBuild, tempDir } from '../test/support/fixtures'
import { expectText, expectTerminal, launchChromium } from './support/browser'
import { withTown } from './support/scenario'
import { tid } from './support/ui'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

const root = tempDir('e2e-mayor')
const cues = join(root, 'cues')
mkdirSync(cues, { recursive: true })
const script = join(root, 'mayor-script.json')
writeFileSync(
  script,
  JSON.stringify([
    { say: 'mayor: looking at the town' },
    { run: 'gt rig list' },
    { run: 'gt inbox approve inbox-nothing' },
    { ask: 'mayor> ' },
    { say: 'mayor heard: {{answer}}' },
    { hang: true }
  ])
)

test('the mayor starts from the Convoys view, runs its tools in its terminal and takes what the user types', { timeout: 120_000 }, async () => {
  await withTown(
    browser,
    'mayor',
    async (t) => {
      await tid(t.page, 'nav-convoys').click()
      const panel = tid(t.page, 'mayor-panel')
      await expectText(panel, /Not running/, 'the panel before a start')
      await expectText(tid(t.page, 'mayor-runtime'), /Fake mayor \(default\)/, "the town's default runtime offered first")
      await tid(t.page, 'mayor-start').click()

      const text = await expectTerminal(t.page, 'mayor', 'mayor> ', 30_000)
      assert.match(text, /`gt rig list` exited 0/, 'a mayor tool answers its token')
      assert.match(text, /the mayor may not call inbox\.approve/, 'an inbox approval is refused by name')
      await expectText(tid(t.page, 'mayor-status'), /fake/, 'the panel says it runs')

      // Talking to it: the terminal takes keystrokes with no takeover.
      await tid(t.page, 'terminal-mayor').locator('.term-host').click()
      await t.page.keyboard.type('sling the docs bead')
      await t.page.keyboard.press('Enter')
      await expectTerminal(t.page, 'mayor', 'mayor heard: sling the docs bead')

      await tid(t.page, 'mayor-stop').click()
      await expectText(tid(t.page, 'mayor-exit'), /session ended: stopped/, 'the terminal shows how it ended')
      await expectText(panel, /Start/, 'it can be started again')
    },
    {
      settings: {
        defaultRuntime: 'fake',
        runtimes: { fake: { label: 'Fake mayor', command: [process.execPath, FAKE_AGENT, '--cues', cues, '--script', script] } }
      }
    }
  )
})
