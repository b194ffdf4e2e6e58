// The control room end to end, as a user drives it: `gt serve` on a temp town, the renderer in real
// Chromium, a real git repository as rig, the scripted fake agent in a real PTY calling the real gt.
// Waits are on the fake agent's cue files and on what the page shows, never on sleeps.
//
//   npx electron-vite build && npx node --import tsx --test e2e/control-room.e2e.ts
//
// Screenshots go to /tmp/e2e-shots. Chromium must be at /usr/bin/chromium (or CHROMIUM_PATH): a missing
// browser fails these tests with the install command.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { fakeAgentCmd, requireBuild, sh, waitForFile } from '../test/support/fixtures'
import { SHOTS, expectAttr, expectTerminal, expectText, launchChromium, shot, terminalText, until } from './support/browser'
import { withTown } from './support/scenario'
import { pidsMentioning, readCue } from './support/serve'
import { createBead, expectNoErrorToast, goTo, key, openTerminal, polecatOf, slingBead, submitRig, tid } from './support/ui'

let browser: Browser

before(async () => {
  requireBuild()
  assert.ok(existsSync(join(__dirname, '..', 'out', 'renderer', 'index.html')), 'the renderer is not built: run `npx electron-vite build` first')
  rmSync(SHOTS, { recursive: true, force: true })
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

test('a user adds a rig, slings a bead to an agent, takes over its terminal, and it all survives a restart', { timeout: 60_000 }, async () => {
  await withTown(browser, 'restart', async (t) => {
    const { town, repo, cuesRoot, cues, page, problems } = t
    const notRepo = t.tempDir('e2e-not-a-repo')
    // 1. withTown started the control room headless and opened the URL it printed.
    assert.equal(await page.title(), 'Gas Town Control Room')
    await shot(page, 'connected-empty-town')

    // 2. Rigs: add the repository through the form; progress shows, then the row.
    const added = await submitRig(page, 'sample', repo)
    assert.ok(added.seen.includes('rig-add-progress'), `the add-rig progress strip never showed (saw ${JSON.stringify(added)})`)
    assert.ok(!added.seen.includes('rig-add-error'), `adding a real repository showed an error: ${JSON.stringify(added.texts)}`)
    await expectText(tid(page, 'rig-row-sample'), repo, 'the rig row of sample')
    // A plain folder is refused with a message that says why, right at the form.
    const refused = await submitRig(page, 'notrepo', notRepo)
    assert.ok(refused.seen.includes('rig-add-progress'), 'the progress strip shows while the core checks the source')
    await expectText(tid(page, 'rig-add-error'), `${notRepo} is not a git repository`, 'the add-rig error')
    assert.equal(await tid(page, 'rig-row-notrepo').count(), 0, 'a refused rig gets no row')
    await shot(page, 'rigs-added-and-refused')

    // 3. Work: create a bead and sling it to rig sample with the fake agent as custom command.
    const title = 'Write the answer'
    const beadId = await createBead(page, { title, description: 'Ask the human what to write, then write it to answer.txt.', priority: 1, rig: 'sample' })
    await expectAttr(tid(page, `bead-row-${beadId}`), 'data-status', 'open', 'the new bead row')
    await expectText(tid(page, `bead-row-${beadId}`), 'P1', 'the new bead row priority')
    await shot(page, 'bead-created')
    await slingBead(page, beadId, 'sample', fakeAgentCmd(cues))
    await shot(page, 'bead-slung')

    // 4. Polecats: watch the agent's terminal live, take over, answer its question, hand back.
    const polecatId = await polecatOf(page, 'sample', beadId)
    const name = polecatId.split('/')[1]
    const pane = tid(page, `terminal-${key(polecatId)}`)
    await openTerminal(page, polecatId)
    await waitForFile(join(cues, 'primed'))
    await expectTerminal(page, polecatId, `On your hook: ${beadId}`)
    await expectTerminal(page, polecatId, 'fake-agent: what should I write?')
    assert.equal(await tid(page, 'terminal-banner').count(), 0, 'no takeover banner before taking over')
    await shot(page, 'terminal-live')

    await pane.getByTestId('terminal-takeover').click()
    await expectText(pane.getByTestId('terminal-banner'), 'TAKEN OVER', 'the takeover banner')
    await expectAttr(pane, 'data-taken-over', 'true', 'the terminal pane')
    await expectText(tid(page, `polecat-row-${key(polecatId)}`), 'taken over', 'the polecat row input column')
    await pane.locator('.xterm').click()
    await page.keyboard.type('forty-two')
    await page.keyboard.press('Enter')
    assert.equal(await readCue(join(cues, 'answer')), 'forty-two', 'the agent read what the human typed')
    await expectTerminal(page, polecatId, 'fake-agent: got "forty-two"')
    await shot(page, 'terminal-taken-over')

    await pane.getByTestId('terminal-handback').click()
    await until(async () => (await pane.getByTestId('terminal-banner').count()) === 0, 'the takeover banner to go')
    await expectAttr(pane, 'data-taken-over', 'false', 'the terminal pane after hand back')
    await until(async () => !((await tid(page, `polecat-row-${key(polecatId)}`).textContent()) ?? '').includes('taken over'), 'the polecat row to drop its "taken over" badge')
    // Typing now must not reach the agent: checked below in the terminal echo and the session log.
    await pane.locator('.xterm').click()
    await page.keyboard.type('not-for-the-agent')
    await page.keyboard.press('Enter')

    // The agent commits, checkpoints, notes; then on cue calls gt done and exits.
    assert.equal((await readCue(join(cues, 'run-note.status'))).trim(), '0', 'gt note from the agent works')
    writeFileSync(join(cues, 'finish'), 'go')
    await waitForFile(join(cues, 'done'))
    const doneStatus = (await readCue(join(cues, 'run-done.status'))).trim()
    assert.equal(doneStatus, '0', `gt done failed:\n${(await terminalText(page, polecatId))?.slice(-2000)}`)
    const finalText = await expectTerminal(page, polecatId, 'fake-agent: finished')
    assert.ok(!finalText.includes('not-for-the-agent'), 'keystrokes after hand back reached the PTY (their echo is in the terminal)')
    await expectText(pane.getByTestId('terminal-exit'), 'session ended: done', 'the terminal status line')
    await expectAttr(tid(page, `polecat-row-${key(polecatId)}`), 'data-state', 'idle', 'the polecat after gt done')
    await shot(page, 'terminal-done')

    // The bead is ready for merge, and its branch with the agent's commit reached the source repository.
    await goTo(page, 'work')
    await tid(page, `bead-row-${beadId}`).click()
    await expectText(tid(page, 'bead-ready-for-merge'), 'ready for merge', 'the bead detail')
    await expectText(tid(page, `bead-row-${beadId}`), 'ready for merge', 'the bead row')
    const branch = `polecat/${name}/${beadId}`
    assert.match(sh(repo, 'git', ['branch', '--list', branch]), new RegExp(branch.replace(/\//g, '\\/')), `branch ${branch} is in the source repository`)
    assert.match(sh(repo, 'git', ['log', '-1', '--format=%s', branch]), /Write the answer: forty-two/)
    await shot(page, 'bead-ready-for-merge')

    // History (Seance): the session ended with done; its transcript has the answer and one human input.
    await goTo(page, 'history')
    const sessionRow = page.locator('[data-testid^="session-row-"]', { hasText: polecatId })
    await expectText(sessionRow, /done, exit 0/, 'the session row')
    const sessionId = ((await sessionRow.getAttribute('data-testid')) ?? '').slice('session-row-'.length)
    await sessionRow.click()
    await expectText(tid(page, 'session-transcript-text'), 'fake-agent: got "forty-two"', 'the session transcript')
    const transcript = (await tid(page, 'session-transcript-text').textContent()) ?? ''
    assert.ok(!transcript.includes('not-for-the-agent'), 'input after hand back is not in the transcript')
    // Keystrokes reach the core in batches, each one "human input" line in the timeline; together they are exactly what was typed.
    const inputs = (await tid(page, 'session-transcript').locator('.tl-input code').allTextContents()).map((t) => JSON.parse(t) as string)
    assert.equal(inputs.join(''), 'forty-two\r', `the human input in the session timeline: ${JSON.stringify(inputs)}`)
    await shot(page, 'history-transcript')
    await expectNoErrorToast(page, 'during the flow')

    // 5. Restart: stop gt serve cleanly, start it again on the same town, open its new URL.
    assert.equal(await t.served.stop('SIGTERM'), 0, `gt serve did not exit cleanly on SIGTERM:\n${t.served.output()}`)
    await expectText(tid(page, 'connection-status'), /reconnecting/, 'the connection status once the host is gone')
    await shot(page, 'host-gone')
    await t.restart()

    await expectText(tid(page, 'rig-row-sample'), repo, 'the rig row after restart')
    await goTo(page, 'work')
    await tid(page, `bead-row-${beadId}`).click()
    await expectText(tid(page, 'bead-detail'), title, 'the bead detail after restart')
    await expectText(tid(page, 'bead-ready-for-merge'), 'ready for merge', 'the bead detail after restart')
    await goTo(page, 'polecats')
    await expectAttr(tid(page, `polecat-row-${key(polecatId)}`), 'data-state', 'idle', 'the polecat after restart')
    await openTerminal(page, polecatId)
    await expectTerminal(page, polecatId, 'fake-agent: got "forty-two"')
    await goTo(page, 'history')
    await expectText(tid(page, `session-row-${sessionId}`), /done, exit 0/, 'the session row after restart')
    await tid(page, `session-row-${sessionId}`).click()
    await expectText(tid(page, 'session-transcript-text'), 'fake-agent: got "forty-two"', 'the session transcript after restart')
    await shot(page, 'after-restart-history')
    await expectNoErrorToast(page, 'after the restart')
  })
})

test('after SIGKILL of gt serve mid-session, the polecat shows exited, its old output, and app-restart in History', { timeout: 45_000 }, async () => {
  await withTown(browser, 'sigkill', async (t) => {
    const { town, repo, cuesRoot, cues, page, problems } = t
    await submitRig(page, 'sample', repo)
    await expectText(tid(page, 'rig-row-sample'), repo, 'the rig row of sample')
    const beadId = await createBead(page, { title: 'Hang in there', rig: 'sample' })
    await slingBead(page, beadId, 'sample', fakeAgentCmd(cues, [{ say: 'working' }, { signal: 'ready' }, { hang: true }]))
    const polecatId = await polecatOf(page, 'sample', beadId)
    await openTerminal(page, polecatId)
    await waitForFile(join(cues, 'ready'))
    await expectTerminal(page, polecatId, 'working')
    await expectAttr(tid(page, `polecat-row-${key(polecatId)}`), 'data-state', 'working', 'the polecat while its agent runs')

    t.served.proc.kill('SIGKILL')
    await until(() => t.served!.proc.exitCode !== null || t.served!.proc.signalCode !== null, 'gt serve to die')
    await expectText(tid(page, 'connection-status'), /reconnecting/, 'the connection status once the host is killed')
    await t.restart()

    // The killed host's agent lost its terminal with it: nothing of it is left running unwatched.
    await until(() => pidsMentioning(cuesRoot).length === 0, () => `the orphaned agent to be gone (still running: ${pidsMentioning(cuesRoot).join(', ')})`, 5_000)
    await goTo(page, 'polecats')
    await expectAttr(tid(page, `polecat-row-${key(polecatId)}`), 'data-state', 'exited', 'the polecat after SIGKILL and restart')
    await openTerminal(page, polecatId)
    await expectTerminal(page, polecatId, 'working')
    await expectText(tid(page, `terminal-${key(polecatId)}`).getByTestId('terminal-exit'), 'app-restart', 'the terminal status line after restart')
    await shot(page, 'sigkill-terminal-after-restart')

    await goTo(page, 'history')
    const sessionRow = page.locator('[data-testid^="session-row-"]', { hasText: polecatId })
    await expectText(sessionRow, 'app-restart', 'the session row after SIGKILL')
    await sessionRow.click()
    await expectText(tid(page, 'session-transcript-text'), 'working', 'the transcript of the killed session')
    await shot(page, 'sigkill-history')

    await goTo(page, 'work')
    await expectAttr(tid(page, `bead-row-${beadId}`), 'data-status', 'hooked', 'the bead: its hook outlives the process')
    await expectNoErrorToast(page, 'after the SIGKILL restart')
  })
})

test('an agent escalates: the Deacon inbox shows it, the user stops the agent and acknowledges it', { timeout: 30_000 }, async () => {
  await withTown(browser, 'inbox', async (t) => {
    const { town, repo, cuesRoot, cues, page, problems } = t
    await submitRig(page, 'sample', repo)
    await expectText(tid(page, 'rig-row-sample'), repo, 'the rig row of sample')
    const beadId = await createBead(page, { title: 'Pick a database', rig: 'sample' })
    const script = [{ run: 'gt escalate --severity P1 --title "Which database?" --body "Postgres or SQLite? I will wait."' }, { signal: 'escalated' }, { hang: true }]
    await slingBead(page, beadId, 'sample', fakeAgentCmd(cues, script))
    assert.equal((await readCue(join(cues, 'run-escalate.status'))).trim(), '0', 'gt escalate from the agent works')
    await waitForFile(join(cues, 'escalated'))
    const polecatId = await polecatOf(page, 'sample', beadId)

    // The nav counts what is waiting; the inbox shows it with its severity and where it came from.
    await expectText(tid(page, 'nav-inbox'), /1/, 'the unacknowledged count in the nav')
    await goTo(page, 'inbox')
    const row = page.locator('[data-testid^="inbox-row-"]', { hasText: 'Which database?' })
    await until(async () => (await row.count()) === 1, 'the escalation in the inbox')
    const escalationId = ((await row.getAttribute('data-testid')) ?? '').slice('inbox-row-'.length)
    await expectAttr(row, 'data-severity', 'P1', 'the escalation row')
    await expectText(row, 'Postgres or SQLite?', 'the escalation body')
    await expectText(row, polecatId, 'the escalation row: which polecat asked')
    await tid(page, 'theme-toggle').click()
    await expectAttr(page.locator('html'), 'data-theme', 'light', 'the page after toggling the theme')
    await shot(page, 'inbox-light-theme')
    await tid(page, 'theme-toggle').click()
    await expectAttr(page.locator('html'), 'data-theme', 'dark', 'the page after toggling the theme back')

    // Stop the agent from its terminal pane (with confirmation); its session ends as stopped.
    await openTerminal(page, polecatId)
    await tid(page, `terminal-${key(polecatId)}`).getByRole('button', { name: 'Stop', exact: true }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Stop agent' }).click()
    await expectAttr(tid(page, `polecat-row-${key(polecatId)}`), 'data-state', 'exited', 'the polecat after Stop')
    await expectText(tid(page, `terminal-${key(polecatId)}`).getByTestId('terminal-exit'), 'stopped', 'the terminal status line after Stop')
    await until(() => pidsMentioning(cuesRoot).length === 0, 'the stopped agent process to be gone', 5_000)

    // Acknowledge: it leaves the inbox (and the nav count).
    await goTo(page, 'inbox')
    await tid(page, `inbox-row-${escalationId}`).click()
    await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', escalationId, 'the escalation shown whole')
    await tid(page, 'inbox-action-ack').click()
    await until(async () => (await tid(page, `inbox-row-${escalationId}`).count()) === 0, 'the acknowledged escalation to leave the inbox')
    await until(async () => !/\d/.test((await tid(page, 'nav-inbox').locator('.nav-name').textContent()) ?? ''), 'the nav count to clear')
    await expectNoErrorToast(page, 'in the inbox flow')
  })
})

test('an agent floods its terminal: all of it arrives, the page never freezes, redraws are held to about 20 a second, synchronized output holds while the screen scrolls', { timeout: 45_000 }, async () => {
  await withTown(browser, 'flood', async (t) => {
    const { repo, cues, page } = t
    await submitRig(page, 'sample', repo)
    await expectText(tid(page, 'rig-row-sample'), repo, 'the rig row of sample')
    const beadId = await createBead(page, { title: 'Print the build log', rig: 'sample' })
    // Once cued: 120,000 numbered lines (about 8 MB) as fast as the PTY takes them, a marker, then idle.
    const LINES = 120_000
    const flood =
      `const fs=require('fs');let i=0;function go(){while(i<${LINES}){const s='build step '+(i++)+' \\x1b[32mok\\x1b[0m compiling module bundle resolve import\\n';if(!process.stdout.write(s))return process.stdout.once('drain',go)}process.stdout.write('FLOOD-DONE\\n');setInterval(()=>{},1e9)}` +
      `const t=setInterval(()=>{if(fs.existsSync(process.argv[1])){clearInterval(t);go()}},10)`
    mkdirSync(cues, { recursive: true })
    await slingBead(page, beadId, 'sample', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(flood)} ${JSON.stringify(join(cues, 'go'))}`)
    const polecatId = await polecatOf(page, 'sample', beadId)
    await openTerminal(page, polecatId)

    await page.evaluate((id) => {
      const term = (window as any).__gtTerm.get(id)
      const w = window as any
      w.__flood = { renders: 0, longestFrameMs: 0, watching: true }
      term.onRender(() => w.__flood.renders++)
      // The page must stay responsive: the longest gap between two animation frames is how long it froze.
      let last = performance.now()
      const frame = (now: number) => {
        w.__flood.longestFrameMs = Math.max(w.__flood.longestFrameMs, now - last)
        last = now
        if (w.__flood.watching) requestAnimationFrame(frame)
      }
      requestAnimationFrame(frame)
    }, polecatId)
    const t0 = Date.now()
    writeFileSync(join(cues, 'go'), '')
    await expectTerminal(page, polecatId, 'FLOOD-DONE', 30_000)
    const seconds = (Date.now() - t0) / 1000
    const { renders, longestFrameMs } = await page.evaluate(() => {
      const f = (window as any).__flood
      f.watching = false
      return f
    })
    const text = (await terminalText(page, polecatId)) ?? ''
    assert.match(text, new RegExp(`build step ${LINES - 1} ok compiling`), 'the last line arrived, in order after the others')
    // The screen ends drawn, not held: the rows on screen show the marker.
    await until(async () => ((await tid(page, `terminal-${key(polecatId)}`).locator('.xterm-rows').textContent()) ?? '').includes('FLOOD-DONE'), 'the final screen to be drawn')
    console.log(`# flood: ${LINES} lines in ${seconds.toFixed(1)} s, ${renders} redraws (${(renders / seconds).toFixed(1)}/s), longest frame ${longestFrameMs.toFixed(0)} ms`)
    assert.ok(renders / seconds <= 30, `redraws held to about 20 a second while flooded, got ${(renders / seconds).toFixed(1)}/s over ${seconds.toFixed(1)} s`)
    assert.ok(longestFrameMs < 250, `the page never froze: longest frame ${longestFrameMs.toFixed(0)} ms`)

    // Synchronized output (what agents' TUIs use to redraw without tearing) holds even while output scrolls
    // the screen: on a terminal set up as the app's are, the drawn rows do not change inside a block.
    const sync = await page.evaluate(async (id) => {
      const ref = (window as any).__gtTerm.get(id)
      const host = document.createElement('div')
      host.style.cssText = 'position:fixed;left:0;top:0;width:640px;height:240px;z-index:9999'
      document.body.appendChild(host)
      const term = new ref.constructor({ cols: 80, rows: 10 })
      term.open(host)
      ;(window as any).__gtTerm.prepare(term)
      const write = (s: string) => new Promise<void>((r) => term.write(s, r))
      const frames = async (n: number) => {
        for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(r))
      }
      const rows = () => host.querySelector('.xterm-rows')?.textContent ?? ''
      for (let i = 0; i < 20; i++) await write(`before ${i}\r\n`)
      await frames(3)
      const before = rows()
      await write('\x1b[?2026h')
      for (let i = 0; i < 50; i++) await write(`inside ${i}\r\n`)
      await frames(3)
      const inside = rows()
      await write('\x1b[?2026l')
      await frames(3)
      const after = rows()
      term.dispose()
      host.remove()
      return { before, inside, after }
    }, polecatId)
    assert.equal(sync.inside, sync.before, 'nothing is redrawn inside a synchronized-output block')
    assert.match(sync.after, /inside 49/, 'the block ends with the newest screen drawn')
    await expectNoErrorToast(page, 'after the flood')
  })
})
