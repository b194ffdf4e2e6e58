// The witness and the Dogs end to end, in Chromium against gt serve, with the scripted fake agent in a real PTY
// calling the real gt: the rig's check commands set in the Rigs view (with the core's refusals shown as it
// says them); a broken build is a P0 with its output in the Inbox, in the Rigs view's check runs and in the
// Polecats table; a stuck agent is taken over from its item, answered by typing, and handed back; failing
// tests the Dogs retried reach the Inbox with their attempts, and Retry now and Restart do what they say; a
// mass death pauses dispatch town-wide behind a banner until Resume dispatch.
//
//   npx electron-vite build && npx node --import tsx --test e2e/witness.e2e.ts
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { BeadDetail } from '../src/shared/contract'
import type { Polecat, Session } from '../src/shared/domain'
import { fakeAgentCmd, requireBuild, waitForFile } from '../test/support/fixtures'
import { expectAttr, expectTerminal, expectText, launchChromium, shot, until } from './support/browser'
import { withTown, type TownScenario } from './support/scenario'
import { readCue } from './support/serve'
import { createBead, expectNoErrorToast, goTo, key, polecatOf, slingBead, submitRig, tid } from './support/ui'
import { gtOk } from './support/gt'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

// The checks read marker files the fake agent writes (as test/witness/check-failures.test.ts does). The failing
// line is put together by the shell ($(printf …)), so what the page shows of it is the command's output, not
// its text. They print a compiler's or a test runner's worth of lines first: the core keeps a check's output
// as a 16 KiB head and a tail, and gives the views only the tail — '' for an output that fits the head (see
// the report of this branch: a one-line error reaches no view).
const BUILD = 'test ! -e BROKEN_BUILD || { seq -f "compiling src/gen/module-%04g.ts" 800; echo "error: src/app.ts(3,1): cannot $(printf compile)" >&2; exit 2; }'
const TESTS = 'test ! -e FAILING_TESTS || { seq -f "ok %g - passes its case" 800; echo "not ok 801 - adds $(printf numbers)"; exit 1; }'
const checkpoint = { run: 'gt checkpoint \'{"step":"checks"}\'' }

/** gt against the scenario's town; fails with what it printed unless it exits 0. */
const gt = (t: TownScenario, args: string[]): Promise<string> => gtOk(t.town, args)
const gtJson = async <T>(t: TownScenario, args: string[]): Promise<T> => JSON.parse(await gt(t, [...args, '--json'])) as T

/** A rig added through the page, its settings set with gt rig config (the Rigs view's editing has its own test). */
async function rigWith(t: TownScenario, settings: Record<string, string>): Promise<void> {
  await submitRig(t.page, 'sample', t.repo)
  await expectText(tid(t.page, 'rig-row-sample'), t.repo, 'the rig row of sample')
  for (const [k, v] of Object.entries(settings)) await gt(t, ['rig', 'config', 'sample', k, v])
}

/** A bead slung to a fake agent with `script` through the page; the polecat's id and the bead's. */
async function slingAgent(t: TownScenario, title: string, script: unknown[], cues = t.cues): Promise<{ polecatId: string; beadId: string }> {
  const beadId = await createBead(t.page, { title, rig: 'sample' })
  await slingBead(t.page, beadId, 'sample', fakeAgentCmd(cues, script))
  return { polecatId: await polecatOf(t.page, 'sample', beadId), beadId }
}

/** The one inbox row of this incident (and polecat); its item id. */
async function incidentRow(page: Page, incident: string, polecatId?: string, timeoutMs = 45_000): Promise<string> {
  const row = page.locator(`[data-testid^="inbox-row-"][data-incident="${incident}"]`, polecatId ? { hasText: polecatId } : {})
  await until(async () => (await row.count()) === 1, `one inbox row for ${incident}${polecatId ? ` of ${polecatId}` : ''}`, timeoutMs)
  return ((await row.getAttribute('data-testid')) ?? '').slice('inbox-row-'.length)
}

const ledgerKinds = async (t: TownScenario, beadId: string): Promise<string[]> => (await gtJson<BeadDetail>(t, ['bead', 'show', beadId])).events.map((e) => e.kind)
const count = (kinds: string[], kind: string) => kinds.filter((k) => k === kind).length

test('check commands set in the Rigs view; a broken build is a P0 with its output, in the Inbox, the check runs and the Polecats table', { timeout: 120_000 }, async () => {
  await withTown(browser, 'witness-build', async (t) => {
    const { page } = t
    await submitRig(page, 'sample', t.repo)
    await tid(page, 'rig-row-sample').click()
    const settings = tid(page, 'rig-settings-sample')
    await expectText(settings, 'Check commands', 'the settings of the rig')
    await expectText(tid(page, 'check-runs-sample'), 'No check commands yet', 'the check runs before any command is set')

    // Set by typing and Enter; each shows as set, with its meaning beside it.
    await tid(page, 'rig-setting-input-build').fill(BUILD)
    await tid(page, 'rig-setting-input-build').press('Enter')
    await expectAttr(tid(page, 'rig-setting-build'), 'data-set', 'true', 'the build command, set')
    await tid(page, 'rig-setting-input-test').fill(TESTS)
    await tid(page, 'rig-setting-save-test').click()
    await expectAttr(tid(page, 'rig-setting-test'), 'data-set', 'true', 'the test command, set')
    // A value the core refuses: its words, as it says them; the field keeps what was typed.
    await tid(page, 'rig-setting-input-stuck_s').fill('0')
    await tid(page, 'rig-setting-input-stuck_s').press('Enter')
    await expectText(tid(page, 'rig-setting-error-stuck_s'), 'sample stuck_s: "0" is not accepted: at least 1', 'the refusal')
    assert.equal(await tid(page, 'rig-setting-input-stuck_s').inputValue(), '0')
    await expectAttr(tid(page, 'rig-setting-stuck_s'), 'data-set', 'false', 'stuck_s, still the default')
    await tid(page, 'rig-setting-input-escalation.p1_threshold').fill('test_coverage_drop > five')
    await tid(page, 'rig-setting-input-escalation.p1_threshold').press('Enter')
    await expectText(tid(page, 'rig-setting-error-escalation.p1_threshold'), 'is not a condition', "the escalation rules' own words")
    await tid(page, 'rig-setting-input-escalation.p1_threshold').press('Escape')
    assert.equal(await tid(page, 'rig-setting-error-escalation.p1_threshold').count(), 0, 'Esc drops the edit and its error')
    // Set, then back to the default with its button (an emptied field does the same).
    await tid(page, 'rig-setting-input-check_timeout_s').fill('120')
    await tid(page, 'rig-setting-input-check_timeout_s').press('Enter')
    await expectAttr(tid(page, 'rig-setting-check_timeout_s'), 'data-set', 'true', 'the time limit, set')
    await shot(page, 'witness-rig-settings')
    await tid(page, 'rig-setting-reset-check_timeout_s').click()
    await expectAttr(tid(page, 'rig-setting-check_timeout_s'), 'data-set', 'false', 'the time limit, back to its default')
    await tid(page, 'rig-setting-input-stuck_s').fill('')
    await tid(page, 'rig-setting-input-stuck_s').press('Enter')
    await until(async () => (await tid(page, 'rig-setting-error-stuck_s').count()) === 0, 'the refusal to go once the field is emptied (back to the default)')
    // What the page set is what the core has (and what gt rig config shows).
    const listed = await gt(t, ['rig', 'config', 'sample'])
    assert.match(listed, /build\s+test ! -e BROKEN_BUILD .*\s+set\s/)
    assert.match(listed, /check_timeout_s\s+900\s+default/)
    // A change from the command line shows in the page (the rigs topic).
    await gt(t, ['rig', 'config', 'sample', 'max_retries', '0'])
    await expectAttr(tid(page, 'rig-setting-max_retries'), 'data-set', 'true', 'max_retries set with gt rig config')
    assert.equal(await tid(page, 'rig-setting-input-max_retries').inputValue(), '0')

    // The agent breaks the build and checkpoints: the checks run in its worktree in the background.
    const { polecatId } = await slingAgent(t, 'Break the build', [{ write: { path: 'BROKEN_BUILD', content: 'x' } }, checkpoint, { signal: 'checkpointed' }, { hang: true }])
    await waitForFile(join(t.cues, 'checkpointed'))

    // A P0, straight to the Inbox (not to the Dogs), with the failing command and its output.
    await goTo(page, 'inbox')
    const id = await incidentRow(page, 'check_failed', polecatId)
    await expectAttr(tid(page, `inbox-row-${id}`), 'data-severity', 'P0', 'the broken build')
    await tid(page, `inbox-row-${id}`).click()
    await expectText(tid(page, 'inbox-incident'), "the rig's checks failed on its worktree", 'the incident in words')
    await expectText(tid(page, 'inbox-detail-title'), `${polecatId}'s checks: P0: build failed (exit code 2)`, 'the title')
    const excerpt = await expectText(tid(page, 'inbox-detail-excerpt'), 'error: src/app.ts(3,1): cannot compile', 'the failing output')
    assert.match(excerpt, /compiling src\/gen\/module-0800\.ts\n/, 'the lines before it')
    await expectText(tid(page, 'inbox-attempts'), 'a P0 comes to you at once: the Dogs did not retry it', 'no retry for a P0')
    for (const a of ['retry', 'restart', 'takeover', 'stop', 'ack']) assert.equal(await tid(page, `inbox-action-${a}`).count(), 1, `the ${a} action on the item`)
    await expectText(tid(page, 'inbox-action-retry'), 'Retry now n', 'Retry now with its key')
    await shot(page, 'witness-p0-build-inbox')

    // The Polecats table: its last check, P0, failed.
    await goTo(page, 'polecats')
    const lastCheck = tid(page, `polecat-last-check-${key(polecatId)}`)
    await expectAttr(lastCheck, 'data-severity', 'P0', 'the last check in the Polecats table')
    await expectText(lastCheck, /P0 failed · \d+ s ago/, 'the last check in words')
    await expectText(tid(page, `polecat-heuristic-${key(polecatId)}`), 'judged from output alone', 'a runtime without hooks, labelled')
    await expectText(tid(page, `polecat-last-activity-${key(polecatId)}`), /\d+ s ago/, 'its last activity')
    await shot(page, 'witness-polecats-health')

    // Its cell opens the run in the Rigs view: each check, its command, its result and output.
    await lastCheck.locator('button').click()
    await expectAttr(tid(page, 'nav-rigs'), 'aria-current', 'page', 'the Rigs view, from the last check')
    const run = page.locator('[data-testid^="check-run-"][data-trigger="checkpoint"]')
    await expectAttr(run, 'data-status', 'failed', 'the check run')
    await expectAttr(run, 'data-severity', 'P0', 'the check run')
    const detail = run.getByTestId('check-run-detail')
    await expectText(detail.getByTestId('check-run-reasons'), 'build failed (exit code 2)', 'the reasons')
    await expectAttr(detail.getByTestId('check-run-check-build'), 'data-status', 'failed', 'the build check')
    assert.equal(await detail.getByTestId('check-run-command-build').textContent(), BUILD)
    await expectText(detail.getByTestId('check-run-output-build'), 'error: src/app.ts(3,1): cannot compile', 'the build output')
    await expectAttr(detail.getByTestId('check-run-check-test'), 'data-status', 'skipped', 'the test check after a broken build')
    await shot(page, 'witness-rig-check-runs')

    // Run checks on demand: queued, then its result arrives without a reload (the checks topic).
    await tid(page, 'check-run-submit').click()
    const manual = page.locator('[data-testid^="check-run-"][data-trigger="manual"]')
    await until(async () => (await manual.count()) === 1, 'the manual run in the list')
    await expectAttr(manual, 'data-status', 'failed', 'the manual run, finished', 45_000)
    await expectText(manual.getByTestId('check-run-output-build'), 'cannot compile', 'its output, open as the newest run')
    await expectNoErrorToast(page, 'in the build flow')
  })
})

test('a stuck agent: the user takes it over from its item, types a line the agent receives, and hands back', { timeout: 90_000 }, async () => {
  await withTown(browser, 'witness-stuck', async (t) => {
    const { page } = t
    await rigWith(t, { stuck_s: '2', max_retries: '0', retry_backoff_s: '0' })
    const script = [{ say: 'fake-agent: thinking…' }, { ask: 'fake-agent: what now? ' }, { signal: 'answered' }, { hang: true }]
    const { polecatId } = await slingAgent(t, 'Think quietly', script)

    await goTo(page, 'inbox')
    const id = await incidentRow(page, 'stuck', polecatId)
    await tid(page, `inbox-row-${id}`).click()
    await expectAttr(tid(page, `inbox-row-${id}`), 'data-severity', 'P1', 'stuck')
    await expectText(tid(page, 'inbox-incident'), 'looks stuck', 'the incident in words')
    await expectText(tid(page, 'inbox-heuristic'), 'judged from output alone', 'a runtime without hooks: a heuristic, labelled')
    await expectText(tid(page, 'inbox-detail-body'), /no activity for \d+ s \(judged from its output alone/, "the witness's words")
    await expectText(tid(page, 'inbox-detail-screen'), 'fake-agent: what now?', 'its last lines')
    await shot(page, 'witness-stuck-item')

    // t: its live terminal, taken over, the keyboard in it; what the user types reaches the agent.
    await page.keyboard.press('t')
    const pane = tid(page, `terminal-${key(polecatId)}`)
    await expectAttr(pane, 'data-taken-over', 'true', 'the terminal taken over from the item')
    await until(() => page.evaluate((k) => !!document.activeElement?.closest(`[data-testid="terminal-${k}"]`), key(polecatId)), 'the keyboard in the taken-over terminal')
    await page.keyboard.type('use the cached fixtures')
    await page.keyboard.press('Enter')
    assert.equal(await readCue(join(t.cues, 'answer')), 'use the cached fixtures', 'the agent received the line')
    await expectTerminal(page, polecatId, 'fake-agent: got "use the cached fixtures"')
    await shot(page, 'witness-stuck-taken-over')
    // Ctrl+Shift+H: handed back, and back on the item; acknowledged with e.
    await page.keyboard.press('Control+Shift+H')
    await expectAttr(pane, 'data-taken-over', 'false', 'handed back')
    await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', id, 'back on the item')
    // Handed back, its clock starts again: a second "stuck" may arrive; e acknowledges the selected one.
    await page.keyboard.press('e')
    await until(async () => (await tid(page, `inbox-row-${id}`).count()) === 0, 'the acknowledged item to leave the list')
    await expectNoErrorToast(page, 'in the stuck flow')
  })
})

test('failing tests: a P1 the Dogs retried shows its attempts; Retry now nudges at once and Restart starts a new session', { timeout: 150_000 }, async () => {
  await withTown(browser, 'witness-tests', async (t) => {
    const { page } = t
    await rigWith(t, { build: BUILD, test: TESTS, max_retries: '2', retry_backoff_s: '0' })
    const script = [{ write: { path: 'FAILING_TESTS', content: 'x' } }, checkpoint, { waitFor: 'again-1' }, checkpoint, { waitFor: 'again-2' }, checkpoint, { hang: true }]
    const { polecatId, beadId } = await slingAgent(t, 'Fail the tests', script)
    // Each checkpoint fails the tests; the Dogs nudge the agent twice (max_retries 2), the third reaches the Inbox.
    for (const [n, cue] of [[1, 'again-1'], [2, 'again-2']] as const) {
      await until(async () => count(await ledgerKinds(t, beadId), 'dogs.nudged') === n, `the Dogs' nudge ${n}`, 60_000)
      if (n === 1) {
        await goTo(page, 'polecats')
        await expectText(tid(page, `polecat-retries-${key(polecatId)}`), '1 · check failed', 'the retries used, while the Dogs work')
        await expectAttr(tid(page, `polecat-last-check-${key(polecatId)}`), 'data-severity', 'P1', 'the last check, P1')
      }
      writeFileSync(join(t.cues, cue), '')
    }
    await goTo(page, 'inbox')
    const id = await incidentRow(page, 'check_failed', polecatId, 60_000)
    await tid(page, `inbox-row-${id}`).click()
    await expectAttr(tid(page, `inbox-row-${id}`), 'data-severity', 'P1', 'failing tests')
    await expectText(tid(page, 'inbox-detail-title'), '(the Dogs tried 2 times)', 'the title with the attempts')
    await expectText(tid(page, 'inbox-attempts'), 'the Dogs tried 2 times before it came to you', 'the attempts')
    await expectText(tid(page, `inbox-row-${id}`), 'the Dogs tried 2×', 'the attempts in the row')
    await expectText(tid(page, 'inbox-detail-excerpt'), 'not ok 801 - adds numbers', 'the failing test output')
    await shot(page, 'witness-p1-retried')

    // Retry now (n): the Dogs act at once; what they did is in the ledger and the toast says it.
    const before = await ledgerKinds(t, beadId)
    await page.keyboard.press('n')
    await expectText(page.locator('[data-testid="info-toast"]', { hasText: 'Retry now' }), `Retry now: the Dogs told ${polecatId} what went wrong (attempt 3)`, 'what the Dogs did')
    const afterRetry = await ledgerKinds(t, beadId)
    assert.equal(count(afterRetry, 'dogs.retry-now'), count(before, 'dogs.retry-now') + 1, 'the human asked, in the ledger')
    assert.equal(count(afterRetry, 'dogs.nudged'), count(before, 'dogs.nudged') + 1, "the Dogs' attempt, in the ledger")

    // Restart (R): a new session on its worktree and branch.
    const sessionsBefore = await gtJson<Session[]>(t, ['session', 'list', '--polecat', polecatId])
    const branch = (await gtJson<Polecat[]>(t, ['polecat', 'list'])).find((p) => p.id === polecatId)!.branch
    await page.keyboard.press('Shift+R')
    await expectText(page.locator('[data-testid="info-toast"]', { hasText: 'Restarted' }), `Restarted ${polecatId}: a new session on ${branch}`, 'the restart')
    const sessions = await until(async () => {
      const s = await gtJson<Session[]>(t, ['session', 'list', '--polecat', polecatId])
      return s.length === sessionsBefore.length + 1 ? s : null
    }, 'a new session for the polecat')
    assert.ok(!sessionsBefore.some((s) => s.id === sessions[0].id), 'the newest session is a new one')
    assert.equal(sessionsBefore[0].endReason, null, 'the running session was live before the restart')
    assert.ok((await ledgerKinds(t, beadId)).includes('inbox.restarted'), 'the restart, in the ledger')
    await goTo(page, 'history')
    await until(async () => (await page.locator(`[data-testid="session-row-${sessions[0].id}"]`).count()) === 1, 'the new session in Seance')
    await shot(page, 'witness-restarted-session')
    await expectNoErrorToast(page, 'in the retry flow')
  })
})

test('three agents dying together pause dispatch: a P0 and a banner in every view until Resume dispatch; the health table sorts by mouse and keys', { timeout: 120_000 }, async () => {
  await withTown(browser, 'witness-mass-death', async (t) => {
    const { page } = t
    // Backoff long enough that the Dogs restart nothing before the third death.
    await rigWith(t, { max_retries: '3', retry_backoff_s: '5' })
    const doomed = [{ waitFor: 'die' }, { crash: 1 }]
    const ids: string[] = []
    for (const n of [1, 2, 3]) {
      const bead = (await gtJson<{ id: string }>(t, ['bead', 'create', `Doomed ${n}`, '--rig', 'sample'])).id
      ids.push((await gtJson<Polecat>(t, ['sling', bead, 'sample', '--agent-cmd', fakeAgentCmd(t.cues, doomed)])).id)
    }
    assert.equal(await tid(page, 'dispatch-banner').count(), 0, 'no banner while dispatch runs')
    writeFileSync(join(t.cues, 'die'), '')

    const banner = tid(page, 'dispatch-banner')
    await expectText(tid(page, 'dispatch-why'), '3 agents died within 30 s: dispatch is paused town-wide', 'the banner', 30_000)
    await goTo(page, 'inbox')
    const id = await incidentRow(page, 'mass_death')
    await tid(page, `inbox-row-${id}`).click()
    await expectAttr(tid(page, `inbox-row-${id}`), 'data-severity', 'P0', 'the mass death')
    await expectText(tid(page, 'inbox-incident'), 'several agents died together', 'the incident in words')
    for (const p of ids) await expectText(tid(page, 'inbox-detail-body'), p, 'the agents that died')
    assert.equal(await tid(page, 'inbox-resume-dispatch').count(), 1, 'Resume dispatch on the item too')
    await shot(page, 'witness-mass-death')
    // Nothing is slung while paused: the page says why.
    const beadId = await createBead(page, { title: 'Not yet', rig: 'sample' })
    await tid(page, `bead-row-${beadId}`).click()
    const detail = tid(page, 'bead-detail')
    await detail.getByTestId('sling-rig').selectOption('sample')
    await detail.getByTestId('sling-runtime').selectOption('custom')
    await detail.getByTestId('sling-agent-cmd').fill(fakeAgentCmd(join(t.cuesRoot, 'later'), [{ signal: 'up' }, { hang: true }]))
    await detail.getByTestId('sling-submit').click()
    const refused = tid(page, 'error-toast')
    await expectText(refused, 'Sling failed: dispatch is paused: 3 agents died within 30 s', 'the refusal to sling')
    await refused.getByRole('button', { name: 'Dismiss' }).click()
    assert.equal(await banner.count(), 1, 'the banner in the Beads view too')

    // Resume dispatch, from the banner: gone, and the core runs dispatch again.
    await banner.getByTestId('dispatch-resume').click()
    await until(async () => (await banner.count()) === 0, 'the banner to go')
    assert.match(await gt(t, ['town', 'status']), /^Dispatch runs\./)
    await slingBead(page, beadId, 'sample', fakeAgentCmd(join(t.cuesRoot, 'later'), [{ signal: 'up' }, { hang: true }]))
    await waitForFile(join(t.cuesRoot, 'later', 'up'))
    const alive = await polecatOf(page, 'sample', beadId)

    // The health table: by state (the default), working first; a click on a header sorts by it, again reverses.
    const order = () => page.locator('[data-testid^="polecat-row-"]').evaluateAll((rows) => rows.map((r) => (r.querySelector('td')?.textContent ?? '').trim()))
    await until(async () => (await order()).length === 4, 'four polecats')
    assert.equal((await order())[0], alive, 'the working polecat first')
    await tid(page, 'polecat-sort-polecat').locator('button').click()
    await expectAttr(tid(page, 'polecat-sort-polecat'), 'aria-sort', 'ascending', 'sorted by name')
    const byName = [...ids, alive].sort()
    assert.deepEqual(await order(), byName)
    await tid(page, 'polecat-sort-polecat').locator('button').click()
    await expectAttr(tid(page, 'polecat-sort-polecat'), 'aria-sort', 'descending', 'by name, reversed')
    assert.deepEqual(await order(), [...byName].reverse())
    // By keys: o sorts by the next column (state), O reverses it; a focused header answers Enter.
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('o')
    await expectAttr(tid(page, 'polecat-sort-state'), 'aria-sort', 'ascending', 'o: by state')
    assert.equal((await order())[0], alive)
    await page.keyboard.press('Shift+O')
    await expectAttr(tid(page, 'polecat-sort-state'), 'aria-sort', 'descending', 'O: reversed')
    assert.equal((await order())[3], alive, 'the working polecat last')
    await tid(page, 'polecat-sort-retries').locator('button').focus()
    await page.keyboard.press('Enter')
    await expectAttr(tid(page, 'polecat-sort-retries'), 'aria-sort', 'ascending', 'Enter on a header')
    await shot(page, 'witness-polecats-sorted')
    await expectNoErrorToast(page, 'after resuming')
  })
})
