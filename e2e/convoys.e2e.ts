// The Convoys board in Chromium: a convoy made from a molecule with gt (two waves, one rig, the fake agent and
// the real refinery) appears on the board and moves to landing while the page watches, with no reload: each
// bead card goes to landed and the convoy shows landed with its progress full.
//
//   npx electron-vite build && npx node --import tsx --test e2e/convoys.e2e.ts
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { ConvoyStatus } from '../src/shared/domain'
import { fakeAgentCmd, requireBuild } from '../test/support/fixtures'
import { BUILD, TESTS, bareOrigin } from '../test/support/merge-fixtures'
import { expectAttr, expectText, launchChromium } from './support/browser'
import { withTown } from './support/scenario'
import { tid } from './support/ui'
import { gtOk } from './support/gt'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

test('a convoy from a molecule lands on the board, live', { timeout: 180_000 }, async () => {
  await withTown(browser, 'convoys', async (t) => {
    const gt = (...args: string[]) => gtOk(t.town, args)
    const o = bareOrigin()
    await gt('rig', 'add', 'board', o.source)
    for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS })) await gt('rig', 'config', 'board', key, value)
    const first = JSON.parse(await gt('bead', 'create', 'Fix the first bug', '--rig', 'board', '--json')).id as string
    const second = JSON.parse(await gt('bead', 'create', 'Fix the bug after it', '--rig', 'board', '--blocked-by', first, '--json')).id as string

    await tid(t.page, 'nav-convoys').click()
    await expectText(tid(t.page, 'convoys-view'), /No convoys yet/, 'the empty board')

    const agentCmd = fakeAgentCmd(t.cues, [
      { run: 'echo "fixed by $GT_BEAD" > "$GT_BEAD.txt"' },
      { commit: 'Fix of {{GT_BEAD}}' },
      { run: 'gt done --summary "fixed"' },
      { exit: 0 }
    ])
    const c = JSON.parse(await gt('convoy', 'create', 'Two bugs', first, second, '--molecule', 'bugfix', '--agent-cmd', agentCmd, '--json')) as ConvoyStatus
    assert.equal(c.mode, 'mountain', "bugfix's convoy mode")

    await expectText(tid(t.page, `convoy-row-${c.id}`), /Two bugs/, 'the convoy on the board')
    await expectText(tid(t.page, 'convoy-wave-1'), new RegExp(first), 'wave 1 holds the first bead')
    await expectText(tid(t.page, 'convoy-wave-2'), new RegExp(second), 'wave 2 holds the bead that needs it')
    await expectAttr(tid(t.page, `convoy-bead-${first}`), 'data-state', 'landed', 'the first bead landed', 90_000)
    await expectAttr(tid(t.page, `convoy-bead-${second}`), 'data-state', 'landed', 'the second bead landed', 90_000)
    await expectAttr(tid(t.page, 'convoy-detail'), 'data-state', 'landed', 'the convoy landed')
    await expectText(tid(t.page, `convoy-row-${c.id}`), /landed[\s\S]*2\/2/, 'its row: landed, 2 of 2')
    const navigations = await t.page.evaluate(() => performance.getEntriesByType('navigation').length)
    assert.equal(navigations, 1, 'the page was never reloaded')
  })
})
