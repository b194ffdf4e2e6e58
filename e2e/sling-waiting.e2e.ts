// A sling from the Work view that has to wait for room: the form says why it waits while it waits, and
// when the router starts it in a twin rig (same source repository) the toast says where it went.
//   npx electron-vite build && npx node --import tsx --test e2e/sling-waiting.e2e.ts
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { Polecat } from '../src/shared/domain'
import { fakeAgentCmd, requireBuild, waitForFile } from '../test/support/fixtures'
import { expectText, launchChromium, shot, until } from './support/browser'
import { withTown, type TownScenario } from './support/scenario'
import { createBead, goTo, tid } from './support/ui'
import { gtOk } from './support/gt'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

const gt = (t: TownScenario, args: string[]): Promise<string> => gtOk(t.town, args)

async function slingFromForm(t: TownScenario, beadId: string, rig: string, agentCmd: string): Promise<void> {
  await goTo(t.page, 'work')
  await tid(t.page, `bead-row-${beadId}`).click()
  const detail = tid(t.page, 'bead-detail')
  await expectText(detail, beadId, 'the bead detail')
  await detail.getByTestId('sling-rig').selectOption(rig)
  await detail.getByTestId('sling-runtime').selectOption('custom')
  await detail.getByTestId('sling-agent-cmd').fill(agentCmd)
  await detail.getByTestId('sling-submit').click()
}

test('a sling waiting for room says why in the form; once started in a twin, the toast says where', { timeout: 180_000 }, async () => {
  await withTown(browser, 'sling-waiting', async (t) => {
    await gt(t, ['rig', 'add', 'sample', t.repo])
    await gt(t, ['scheduler', 'limit', 'sample', '1'])
    const hold = [{ signal: 'up' }, { waitFor: 'finish' }, { exit: 0 }]
    const first = JSON.parse(await gt(t, ['bead', 'create', 'Holds the slot', '--rig', 'sample', '--json'])) as { id: string }
    const firstCues = join(t.cuesRoot, 'first')
    JSON.parse(await gt(t, ['sling', first.id, 'sample', '--agent-cmd', fakeAgentCmd(firstCues, hold), '--json'])) as Polecat
    await waitForFile(join(firstCues, 'up'), 60_000)

    const second = await createBead(t.page, { title: 'Waits for room', rig: 'sample' })
    const secondCues = join(t.cuesRoot, 'second')
    await slingFromForm(t, second, 'sample', fakeAgentCmd(secondCues, hold))
    await expectText(tid(t.page, 'sling-waiting'), 'waiting to start (1 in the queue): rig sample is at its limit (1 of 1 in use)', 'the form says why it waits', 30_000)
    assert.equal(await tid(t.page, 'sling-submit').textContent(), 'Slinging…')
    await shot(t.page, 'sling-waiting')

    // A twin appears (the same repository added again): the waiting sling starts there at once.
    await gt(t, ['rig', 'add', 'sample2', t.repo])
    await waitForFile(join(secondCues, 'up'), 60_000)
    await until(async () => (await tid(t.page, 'info-toast').allTextContents()).some((s) => s.includes(`${second} slung to sample2/`) && s.includes('started in a twin of sample')), 'the toast naming the twin', 30_000)
    assert.equal(await tid(t.page, 'sling-waiting').count(), 0, 'the waiting line is gone')
    writeFileSync(join(firstCues, 'finish'), '')
    writeFileSync(join(secondCues, 'finish'), '')
  })
})
