// The Convoys board's own controls in Chromium: a convoy made through the New convoy form (a molecule with a
// variable, beads in two rigs picked with the keyboard and the mouse, the fake agent as a custom command,
// mountain mode from the molecule) moves through its waves to landed while the page watches — a bead added
// from the board on the way — with no reload; a bead's history shows live beside the waves; and a gated
// convoy landed by hand is refused in the core's words, then landed by force with its bead left out.
//
//   npx electron-vite build && npx node --import tsx --test e2e/convoys-board.e2e.ts
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { ConvoyStatus } from '../src/shared/domain'
import { fakeAgentCmd, requireBuild, waitForFile } from '../test/support/fixtures'
import { BUILD, TESTS, bareOrigin } from '../test/support/merge-fixtures'
import { expectAttr, expectTerminal, expectText, launchChromium, recordAppearances, shot, until } from './support/browser'
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

/** Picks a bead in an open picker with the keyboard: filter to it, ↓ into the list, Space. */
async function pickByKeyboard(page: Page, picker: string, text: string, id: string): Promise<void> {
  await tid(page, `${picker}-filter`).fill(text)
  await tid(page, `${picker}-filter`).press('ArrowDown')
  await until(async () => (await page.evaluate(() => document.activeElement?.getAttribute('role'))) === 'listbox', 'the bead list to have focus')
  await page.keyboard.press(' ')
  await expectAttr(tid(page, `pick-${id}`), 'aria-selected', 'true', `${id} picked with Space`)
  await tid(page, `${picker}-filter`).fill('')
}

test('a convoy made on the board from a molecule and beads in two rigs lands there, live', { timeout: 240_000 }, async () => {
  await withTown(browser, 'convoys-board', async (t) => {
    const gt = (...args: string[]) => gtOk(t.town, args)
    for (const rig of ['alpha', 'beta']) {
      await gt('rig', 'add', rig, bareOrigin().source)
      for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS })) await gt('rig', 'config', rig, key, value)
    }
    const bead = async (title: string, rig: string, ...more: string[]) => JSON.parse(await gt('bead', 'create', title, '--rig', rig, ...more, '--json')).id as string
    const first = await bead('Alpha first fix', 'alpha')
    const second = await bead('Beta fix after alpha', 'beta', '--blocked-by', first)
    const extra = await bead('Alpha extra fix', 'alpha')
    const other = await bead('Beta unrelated chore', 'beta')
    // Each agent commits, then waits for its cue before gt done: the first bead is held working so its card's
    // Diff and Terminal can be opened while it runs; the others are let through at once.
    const agentCmd = fakeAgentCmd(t.cues, [
      { say: 'fake-agent: working on {{GT_BEAD}}' },
      { run: 'echo "fixed by $GT_BEAD" > "$GT_BEAD.txt"' },
      { commit: 'Fix of {{GT_BEAD}}' },
      { signal: 'committed-{{GT_BEAD}}' },
      { waitFor: 'go-{{GT_BEAD}}' },
      { run: 'gt done --summary "fixed"' },
      { exit: 0 }
    ])
    for (const id of [second, extra]) writeFileSync(join(t.cues, `go-${id}`), '')

    await tid(t.page, 'nav-convoys').click()
    await expectText(tid(t.page, 'convoys-view'), /No convoys yet/, 'the empty board')

    // n opens the form, Esc cancels it.
    await t.page.keyboard.press('n')
    await expectText(tid(t.page, 'new-convoy'), /New convoy/, 'the form opened with n')
    await t.page.keyboard.press('Escape')
    await until(async () => (await tid(t.page, 'new-convoy').count()) === 0, 'Esc to close the form')

    await tid(t.page, 'convoy-new').click()
    await tid(t.page, 'new-convoy-title').fill('Two rigs of fixes')
    // A molecule with a required variable holds the form back until it is given.
    await tid(t.page, 'new-convoy-molecule').selectOption('feature')
    await expectText(tid(t.page, 'new-convoy-molecule-detail'), /Build[\s\S]*feature \(required\)/, "feature's description, steps and its required variable")
    await until(async () => (await tid(t.page, 'new-convoy-var-feature').count()) === 1, 'the required variable asked for')
    assert.match((await tid(t.page, 'new-convoy-submit').getAttribute('title')) ?? '', /feature needs "feature"/, 'Create held back until it is given')
    await tid(t.page, 'new-convoy-molecule').selectOption('bugfix')
    await expectText(tid(t.page, 'new-convoy-molecule-detail'), /Reproduce the bug/, "bugfix's steps")
    await tid(t.page, 'new-convoy-var-symptom').fill('it crashes on start')
    await expectText(tid(t.page, 'new-convoy-mode'), /mountain \(the molecule's\)/, "the mode defaults to the molecule's")
    await tid(t.page, 'new-convoy-agent-cmd').fill(agentCmd)

    // Every open bead of both rigs is offered; one picked with the keyboard, one with the mouse.
    for (const id of [first, second, extra, other]) assert.equal(await tid(t.page, `pick-${id}`).count(), 1, `${id} offered`)
    assert.equal(await tid(t.page, 'new-convoy-submit').isDisabled(), true, 'nothing picked: Create is held back')
    await pickByKeyboard(t.page, 'bead-picker', 'alpha first', first)
    await tid(t.page, `pick-${second}`).click()
    await expectText(tid(t.page, 'bead-picker-count'), /^2 picked/, 'two beads picked')
    await shot(t.page, 'convoys-board-new-convoy-form')
    await t.page.keyboard.press('Control+Enter')
    await until(async () => (await tid(t.page, 'new-convoy').count()) === 0, 'Ctrl+Enter to create the convoy and close the form', 20_000)

    const c = JSON.parse(await gt('convoy', 'list', '--json')) as ConvoyStatus[]
    assert.equal(c.length, 1)
    const id = c[0]!.id
    assert.equal(c[0]!.mode, 'mountain', "the molecule's mode")
    assert.equal(c[0]!.molecule, 'bugfix')
    assert.deepEqual(c[0]!.moleculeVars, { symptom: 'it crashes on start' }, 'the variable typed')
    assert.equal(c[0]!.agentCmd, agentCmd)

    const record = await recordAppearances(t.page, [`convoy-bead-${second}`])
    await expectText(tid(t.page, `convoy-row-${id}`), /Two rigs of fixes/, 'the convoy on the board')
    await expectText(tid(t.page, 'convoy-wave-1'), new RegExp(first), 'wave 1 holds the first bead')
    await expectText(tid(t.page, 'convoy-wave-2'), new RegExp(second), 'wave 2 holds the bead of the other rig that needs it')
    await shot(t.page, 'convoys-board-created')

    // While the first bead is worked on: its card opens the polecat's branch diff and its terminal.
    await waitForFile(join(t.cues, `committed-${first}`), 60_000)
    await expectAttr(tid(t.page, `convoy-bead-${first}`), 'data-state', 'working', 'the first bead worked on')
    await tid(t.page, `convoy-diff-${first}`).click()
    await expectText(tid(t.page, 'diff-file-list'), `${first}.txt`, "the first bead's change on its polecat's branch")
    await shot(t.page, 'convoys-board-working-diff')
    await tid(t.page, 'diff-close').click()
    const polecat = (JSON.parse(await gt('convoy', 'status', id, '--json')) as ConvoyStatus).beads.find((b) => b.id === first)!.polecatId!
    await tid(t.page, `convoy-terminal-${first}`).click()
    await expectTerminal(t.page, polecat, `fake-agent: working on ${first}`)
    await tid(t.page, 'nav-convoys').click()

    // The first bead's history, open while it runs, grows without being reopened.
    await tid(t.page, `convoy-history-${first}`).click()
    await expectText(tid(t.page, 'convoy-history-events'), /bead\.created/, 'the history of the first bead')
    await expectText(tid(t.page, 'convoy-history-events'), /molecule\.poured/, 'the molecule poured on it')
    writeFileSync(join(t.cues, `go-${first}`), '')

    // A bead added from the board on the way (+) goes in wave 1 (it needs nothing).
    await t.page.keyboard.press('+')
    await expectText(tid(t.page, 'add-beads'), /Add beads to Two rigs of fixes/, 'the add form opened with +')
    assert.equal(await tid(t.page, `pick-${first}`).count(), 0, 'a bead of the convoy that is moving is not offered again')
    await pickByKeyboard(t.page, 'add-picker', 'extra', extra)
    await t.page.keyboard.press('Control+Enter')
    await until(async () => (await tid(t.page, 'add-beads').count()) === 0, 'the beads added')
    await expectText(tid(t.page, 'convoy-wave-1'), new RegExp(extra), 'the added bead in wave 1')

    await expectAttr(tid(t.page, `convoy-bead-${first}`), 'data-state', 'landed', 'the first bead landed', 120_000)
    await expectText(tid(t.page, 'convoy-history-events'), /bead\.closed/, 'its closing in the open history, live', 20_000)
    await shot(t.page, 'convoys-board-wave-1-landed')
    await expectAttr(tid(t.page, `convoy-bead-${extra}`), 'data-state', 'landed', 'the added bead landed', 120_000)
    await expectAttr(tid(t.page, `convoy-bead-${second}`), 'data-state', 'landed', 'the second bead landed', 120_000)
    await expectAttr(tid(t.page, 'convoy-detail'), 'data-state', 'landed', 'the convoy landed')
    await expectText(tid(t.page, `convoy-row-${id}`), /landed[\s\S]*3\/3/, 'its row: landed, 3 of 3')
    const seen = await record()
    assert.match(seen.texts.join('\n'), /waiting/, 'the second bead was seen waiting for the first')
    await shot(t.page, 'convoys-board-landed')

    // A landed bead's diff is what it landed: its own file, not the others' merged around it.
    await tid(t.page, `convoy-diff-${second}`).click()
    await expectText(tid(t.page, 'diff-file-list'), `${second}.txt`, "the second bead's landed change")
    assert.doesNotMatch((await tid(t.page, 'diff-file-list').textContent()) ?? '', new RegExp(`${first}\\.txt`), "the first bead's file is not in the second's landed diff")
    await tid(t.page, 'diff-close').click()

    // Another bead's history; Esc closes it.
    await tid(t.page, `convoy-history-${second}`).click()
    await expectText(tid(t.page, 'convoy-history'), new RegExp(`${second}[\\s\\S]*bead\\.closed`), "the second bead's history")
    await t.page.keyboard.press('Escape')
    await until(async () => (await tid(t.page, 'convoy-history').count()) === 0, 'Esc to close the history')

    // Rig beta's own bugfix needs a variable the town-wide one does not: the core refuses the pour on beta's
    // bead, the form shows it in the core's words and stays filled.
    mkdirSync(join(t.town, 'rigs', 'beta', 'molecules'), { recursive: true })
    writeFileSync(
      join(t.town, 'rigs', 'beta', 'molecules', 'bugfix.toml'),
      '[molecule]\nname = "bugfix"\ndescription = "Beta\'s bug fix"\n\n[vars.ticket]\ndescription = "the ticket number"\nrequired = true\n\n[[steps]]\nid = "fix"\ntitle = "Fix {{ticket}}"\ndescription = "Fix it"\n'
    )
    await tid(t.page, 'convoy-new').click()
    await tid(t.page, 'new-convoy-title').fill('Held chore')
    await tid(t.page, 'new-convoy-molecule').selectOption('bugfix')
    await tid(t.page, 'new-convoy-agent-cmd').fill(agentCmd)
    assert.equal(await tid(t.page, `pick-${first}`).count(), 0, 'a closed bead is not offered')
    await tid(t.page, `pick-${other}`).click()
    await expectText(tid(t.page, 'new-convoy-molecule-detail'), /Reproduce the bug/, 'the town-wide bugfix')
    await tid(t.page, 'new-convoy-submit').click()
    await expectText(tid(t.page, 'new-convoy-error'), new RegExp(`could not pour molecule bugfix on ${other}: .*"ticket"`), "the core's refusal of the pour")
    await shot(t.page, 'convoys-board-create-refused')
    assert.equal(await tid(t.page, 'new-convoy-title').inputValue(), 'Held chore', 'the form kept what was typed')
    // A gated convoy waits for approval; landing it by hand is refused in the core's words, then forced.
    await tid(t.page, 'new-convoy-molecule').selectOption('')
    await tid(t.page, 'new-convoy-mode').selectOption('gated')
    await tid(t.page, 'new-convoy-submit').click()
    await until(async () => (await tid(t.page, 'new-convoy').count()) === 0, 'the gated convoy created')
    await expectAttr(tid(t.page, `convoy-bead-${other}`), 'data-state', 'approval', 'the bead waits for approval')
    await tid(t.page, 'convoy-land').click()
    await tid(t.page, 'confirm-dialog-confirm').click()
    await expectText(t.page.getByRole('alert'), /cannot land: 1 of 1 beads are not closed/, "the core's refusal")
    await shot(t.page, 'convoys-board-land-refused')
    await t.page.getByRole('button', { name: /Land anyway, leaving 1 out/ }).click()
    await expectAttr(tid(t.page, 'convoy-detail'), 'data-state', 'landed', 'the gated convoy landed by force')
    await expectText(tid(t.page, 'convoy-detail'), new RegExp(`left out: ${other}`), 'the bead left out')

    const navigations = await t.page.evaluate(() => performance.getEntriesByType('navigation').length)
    assert.equal(navigations, 1, 'the page was never reloaded')
  })
})
