// A finished session's terminal offers no Take over: there is no PTY left to type into. `gt serve` on a
// temp town, the real gt for the setup, the fake agent in a real PTY, and the pane in real Chromium, both
// right after the session ends and after a reload (a re-attach to a session that is already over).
//
//   npx electron-vite build && npx node --import tsx --test e2e/terminal-finished.e2e.ts
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { fakeAgentCmd, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../test/support/fixtures'
import { expectAttr, expectText, launchChromium, shot, until, watchPage } from './support/browser'
import { killLeftovers, startServe, type Served } from './support/serve'
import { expectConnected, key, openTerminal, tid } from './support/ui'
import { gtOk } from './support/gt'

let browser: Browser
let served: Served | undefined
const dirs: string[] = []

before(async () => {
  requireBuild()
  browser = await launchChromium()
})
after(async () => {
  await browser?.close()
  await served?.stop('SIGTERM').catch(() => served?.proc.kill('SIGKILL'))
  for (const d of dirs) killLeftovers(d)
  dirs.forEach(removeDir)
})

async function expectNoTakeover(page: Page, polecatId: string, when: string): Promise<void> {
  const pane = tid(page, `terminal-${key(polecatId)}`)
  await until(async () => (await pane.getByTestId('terminal-takeover').count()) === 0, `no Take over button ${when}`)
  assert.equal(await pane.getByTestId('terminal-handback').count(), 0, `no Hand back button ${when}`)
}

test('the terminal of a session that ended (done, or crashed) has no Take over, also after a reload', { timeout: 60_000 }, async () => {
  const town = tempDir('e2e-town')
  const repo = makeRepo()
  const cuesRoot = tempDir('e2e-cues')
  dirs.push(town, repo, cuesRoot)
  served = await startServe(town)
  const gt = async (args: string[]) => JSON.parse(await gtOk(town, [...args, '--json']))
  await gt(['rig', 'add', 'app', repo])

  const doneCues = join(cuesRoot, 'done')
  const finishing = await gt(['bead', 'create', 'Finish with gt done', '--rig', 'app'])
  const doneScript = [
    { say: 'working' },
    { signal: 'ready' },
    { waitFor: 'finish' },
    { write: { path: 'out.txt', content: 'x\n' } },
    { commit: 'Write out.txt' },
    { run: 'gt done --summary "wrote out.txt"' },
    { exit: 0 }
  ]
  const done = await gt(['sling', finishing.id, 'app', '--agent-cmd', fakeAgentCmd(doneCues, doneScript)])
  const crashCues = join(cuesRoot, 'crash')
  const crashing = await gt(['bead', 'create', 'Crash', '--rig', 'app'])
  const crashed = await gt(['sling', crashing.id, 'app', '--agent-cmd', fakeAgentCmd(crashCues, [{ say: 'about to crash' }, { crash: 3 }])])

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  await context.addInitScript({ content: 'globalThis.__name ??= (f) => f' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const problems = watchPage(page)
  try {
    await page.goto(served.url)
    await expectConnected(page)

    // While the agent runs, the human can take over: the button is there (so its absence below means something).
    await waitForFile(join(doneCues, 'ready'))
    await openTerminal(page, done.id)
    const pane = tid(page, `terminal-${key(done.id)}`)
    await until(async () => (await pane.getByTestId('terminal-takeover').isEnabled().catch(() => false)), 'an enabled Take over while the agent runs')

    writeFileSync(join(doneCues, 'finish'), 'go')
    await expectText(pane.getByTestId('terminal-exit'), 'session ended: done', 'the status line after gt done')
    await expectAttr(tid(page, `polecat-row-${key(done.id)}`), 'data-state', 'idle', 'the polecat after gt done')
    await expectNoTakeover(page, done.id, 'once the session ended with gt done (polecat idle)')
    await shot(page, 'finished-session-no-takeover')

    await openTerminal(page, crashed.id)
    await expectText(tid(page, `terminal-${key(crashed.id)}`).getByTestId('terminal-exit'), 'crashed', 'the status line of the crashed agent')
    await expectNoTakeover(page, crashed.id, 'once the agent crashed (polecat exited)')

    // A reload attaches afresh to sessions that are already over: no exit event, the same answer.
    await page.reload()
    await expectConnected(page)
    await openTerminal(page, done.id)
    await expectText(tid(page, `terminal-${key(done.id)}`).getByTestId('terminal-exit'), 'session ended: done', 'the status line after a reload')
    await expectNoTakeover(page, done.id, 'after a reload')
    assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions in the page')
  } catch (err) {
    await shot(page, 'FAILED-finished-session').catch(() => {})
    throw err
  } finally {
    await context.close()
  }
})
