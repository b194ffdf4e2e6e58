// The Scheduler panel in Chromium: two rigs on the same source (twins) and one on another; a limit of 1 set on
// each twin from the panel, a pause with a reason and a resume, the first twin parked from the panel with a reason;
// two beads slung into the parked rig: the first starts in its twin and says "from" the rig it was slung into (why
// on hover) and shows in the recent routing, the second waits with its why (its rig parked, its twin full); Unpark
// from the panel, with the keyboard, and the queue drains into the rig it was slung into. Live, without a reload.
//
//   npx electron-vite build && npx node --import tsx --test e2e/scheduler-panel.e2e.ts
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { SchedulerStatus } from '../src/shared/scheduler'
import { fakeAgentCmd, requireBuild, waitForFile } from '../test/support/fixtures'
import { bareOrigin } from '../test/support/merge-fixtures'
import { runGt } from '../test/support/run-gt'
import { expectAttr, expectTerminal, expectText, launchChromium, shot, until } from './support/browser'
import { withTown } from './support/scenario'
import { expectNoErrorToast, tid } from './support/ui'
import { gtOk } from './support/gt'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

test('the Scheduler panel: limits and park set there, a start routed to a twin, one waiting with its why, the queue drained on unpark', { timeout: 240_000 }, async () => {
  await withTown(browser, 'scheduler-panel', async (t) => {
    const gt = (...args: string[]) => gtOk(t.town, args)
    const shared = bareOrigin().source
    await gt('rig', 'add', 'alpha', shared)
    await gt('rig', 'add', 'alpha2', shared)
    await gt('rig', 'add', 'other', bareOrigin().source)

    await tid(t.page, 'nav-convoys').click()
    const panel = tid(t.page, 'scheduler-panel')
    await expectText(tid(t.page, 'scheduler-rig-alpha'), /alpha2/, 'alpha lists alpha2 as its twin')
    await expectText(tid(t.page, 'scheduler-rig-alpha2'), /alpha(?!2)/, 'alpha2 lists alpha as its twin')
    await expectText(tid(t.page, 'scheduler-rig-other'), /other[\s\S]*—/, 'other has no twin')
    await expectText(tid(t.page, 'scheduler-town-source'), /default for \d+ cores/, "the town's default and where it comes from")

    // A limit of 1 on each twin, typed and sent with Enter; a bad number is refused before any call.
    await tid(t.page, 'scheduler-limit-alpha-input').fill('0')
    assert.equal(await tid(t.page, 'scheduler-limit-alpha-set').isDisabled(), true, 'a limit of 0 is not sent')
    for (const rig of ['alpha', 'alpha2']) {
      await tid(t.page, `scheduler-limit-${rig}-input`).fill('1')
      await tid(t.page, `scheduler-limit-${rig}-input`).press('Enter')
      await expectText(tid(t.page, `scheduler-rig-${rig}-alive`), '0/1', `${rig}'s limit of 1`)
      await expectText(tid(t.page, `scheduler-limit-${rig}`), /set/, `${rig}'s limit is set, not the default`)
    }
    // Set on other and back to the default from the panel.
    await tid(t.page, 'scheduler-limit-other-input').fill('7')
    await tid(t.page, 'scheduler-limit-other-set').click()
    await expectText(tid(t.page, 'scheduler-rig-other-alive'), '0/7', "other's limit of 7")
    await tid(t.page, 'scheduler-limit-other-default').click()
    await until(async () => (await tid(t.page, 'scheduler-rig-other-alive').textContent()) !== '0/7', 'other back to the default limit')
    const viaCli = JSON.parse(await gt('scheduler', 'status', '--json')) as SchedulerStatus
    assert.deepEqual(
      viaCli.rigs.map((r) => [r.rig, r.limit === 1 ? 1 : 'other', r.source]),
      [
        ['alpha', 1, 'set'],
        ['alpha2', 1, 'set'],
        ['other', viaCli.town.limit === 1 ? 1 : 'other', 'default']
      ],
      'the limits as the core has them'
    )

    // Pause with a reason, then Resume: the banner says why while it holds.
    await tid(t.page, 'scheduler-pause').click()
    await tid(t.page, 'scheduler-pause-form-input').fill('lunch <i>break</i>')
    await tid(t.page, 'scheduler-pause-form-input').press('Enter')
    await expectText(tid(t.page, 'scheduler-paused'), 'The scheduler is paused: lunch <i>break</i>', 'the pause and its reason, as text')
    assert.equal((JSON.parse(await gt('scheduler', 'status', '--json')) as SchedulerStatus).paused, 'lunch <i>break</i>', 'paused in the core')
    await tid(t.page, 'scheduler-resume').click()
    await until(async () => (await tid(t.page, 'scheduler-paused').count()) === 0, 'the banner gone on Resume')
    await expectText(tid(t.page, 'scheduler-pause'), 'Pause', 'Pause offered again')

    // Park alpha from the panel with the keyboard: Enter on Park…, a reason typed, Enter. Escape cancels first.
    // Found by its accessible name, as a screen reader would.
    await t.page.getByRole('button', { name: 'Park rig alpha', exact: true }).focus()
    await t.page.keyboard.press('Enter')
    await expectAttr(tid(t.page, 'scheduler-park-form-alpha-input'), 'aria-label', 'Why park rig alpha', 'the reason asked for')
    await t.page.keyboard.press('Escape')
    await until(async () => (await tid(t.page, 'scheduler-park-form-alpha').count()) === 0, 'Escape to cancel parking')
    await tid(t.page, 'scheduler-park-alpha').focus()
    await t.page.keyboard.press('Enter')
    await until(async () => (await t.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) === 'scheduler-park-form-alpha-input', 'the reason field focused')
    await t.page.keyboard.type('moving <b>disks</b>')
    await t.page.keyboard.press('Enter')
    await expectAttr(tid(t.page, 'scheduler-rig-alpha'), 'data-parked', 'true', 'alpha parked')
    await expectText(tid(t.page, 'scheduler-rig-alpha-condition'), 'parked by human: moving <b>disks</b>', 'who parked it and why, as text')
    await expectNoErrorToast(t.page, 'after parking')

    // Each agent holds its slot until its cue.
    const agentCmd = fakeAgentCmd(t.cues, [{ say: 'fake-agent: on {{GT_BEAD}}' }, { signal: 'alive-{{GT_BEAD}}' }, { waitFor: 'go-{{GT_BEAD}}' }, { exit: 0 }])
    const bead = async (title: string) => JSON.parse(await gt('bead', 'create', title, '--rig', 'alpha', '--json')).id as string
    const first = await bead('First fix slung into alpha')
    const second = await bead('Second fix slung into alpha')
    await gt('sling', first, 'alpha', '--agent-cmd', agentCmd)
    await waitForFile(join(t.cues, `alive-${first}`), 60_000)
    // The second sling waits in the queue: the call returns only once it has started.
    const secondSling = runGt(['sling', second, 'alpha', '--agent-cmd', agentCmd], { GT_TOWN: t.town })

    const slot = tid(t.page, `scheduler-slot-${first}`)
    await expectAttr(slot, 'data-rig', 'alpha2', 'the first started in the twin')
    await expectText(tid(t.page, `scheduler-slot-${first}-from`), 'from alpha', 'the rig it was slung into')
    assert.match((await tid(t.page, `scheduler-slot-${first}-from`).getAttribute('title')) ?? '', /alpha/, 'why it moved, on hover')
    await expectText(tid(t.page, `scheduler-routed-${first}`), /alpha → alpha2/, 'the routing decision listed')
    // A page opened later reads the decision from the ledger.
    await t.page.reload()
    await tid(t.page, 'nav-convoys').click()
    await expectText(tid(t.page, `scheduler-routed-${first}`), /alpha → alpha2[\s\S]*rig alpha is parked/, 'the routing decision listed after a reload')
    await expectText(tid(t.page, 'scheduler-rig-alpha2-alive'), '1/1', 'the twin full')

    const waiting = tid(t.page, `scheduler-queue-${second}`)
    await expectText(waiting, /Second fix slung into alpha/, 'the second bead waits in the queue', 30_000)
    const why = await expectText(tid(t.page, `scheduler-queue-${second}-why`), /parked[\s\S]*alpha2/, 'why it waits: its rig parked, its twin full')
    assert.match(why, /moving <b>disks<\/b>|parked/, why)
    await expectText(waiting, /^1/, 'first in the queue')
    await expectText(tid(t.page, 'scheduler-summary'), /^1\/\d+ alive · 1 queued · 1 parked$/, 'the head sums it up')
    await tid(t.page, 'scheduler-rig-alpha').scrollIntoViewIfNeeded()
    await panel.screenshot({ path: '/tmp/scheduler-panel.png' })
    await shot(t.page, 'scheduler-panel-routed-and-waiting')

    // The routed slot's polecat opens its terminal; back on the board the panel is as it was.
    const polecat = (await slot.getByRole('button', { name: /^alpha2\// }).textContent())!.trim()
    await slot.getByRole('button', { name: polecat }).click()
    await expectTerminal(t.page, polecat, `fake-agent: on ${first}`)
    await tid(t.page, 'nav-convoys').click()
    await expectAttr(tid(t.page, `scheduler-queue-${second}`), 'data-wait', 'rig_parked', 'still waiting for its parked rig')

    // Unpark with the keyboard: the queue drains into alpha, the rig it was slung into.
    await t.page.getByRole('button', { name: 'Unpark rig alpha', exact: true }).focus()
    await t.page.keyboard.press(' ')
    await expectAttr(tid(t.page, 'scheduler-rig-alpha'), 'data-parked', 'false', 'alpha unparked')
    await expectText(tid(t.page, 'scheduler-queue'), /Nothing waits to start/, 'the queue drained', 60_000)
    await expectAttr(tid(t.page, `scheduler-slot-${second}`), 'data-rig', 'alpha', 'the second started in alpha', 30_000)
    await expectAttr(tid(t.page, `scheduler-slot-${second}`), 'data-routed-from', '', 'not routed')
    await expectText(tid(t.page, 'scheduler-rig-alpha-alive'), '1/1', 'alpha full now')
    const r = await secondSling
    assert.equal(r.code, 0, `the waiting sling finished once started: ${r.stderr}`)
    assert.match(r.stderr, /parked|wait/i, `the waiting sling said why it waited: ${r.stderr}`)

    // Both agents let go: their slots free, live.
    for (const id of [first, second]) writeFileSync(join(t.cues, `go-${id}`), '')
    await expectText(tid(t.page, 'scheduler-slots'), /No agent alive/, 'the slots released', 60_000)
    await expectNoErrorToast(t.page, 'at the end')
  })
})
