// The Deacon inbox end to end, with the scripted fake agent asking for permission through the real
// `gt hook PermissionRequest` in a real PTY: a request appears in the Inbox with its exact command, the badge
// and the window title count it, and what the user does there — Approve (by mouse, and by keys), Deny with a
// reason, Always allow, Snooze, Reply, Take over and Hand back — reaches the agent.
//
//   npx electron-vite build && npx node --import tsx --test e2e/inbox.e2e.ts
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { fakeAgentCmd, requireBuild, waitForFile } from '../test/support/fixtures'
import { runGt } from '../test/support/run-gt'
import { expectAttr, expectText, launchChromium, shot, until } from './support/browser'
import { withTown, type TownScenario } from './support/scenario'
import { readCue } from './support/serve'
import { createBead, expectNoErrorToast, goTo, key, polecatOf, slingBead, submitRig, tid } from './support/ui'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

/** The inbox row whose text has `text` (e.g. the command asked for); its item id. */
async function inboxRow(page: Page, text: string): Promise<string> {
  const row = page.locator('[data-testid^="inbox-row-"]', { hasText: text })
  await until(async () => (await row.count()) === 1, `one inbox row showing ${JSON.stringify(text)}`)
  return ((await row.getAttribute('data-testid')) ?? '').slice('inbox-row-'.length)
}

/** A rig, a bead and a fake agent slung to it with `script`; returns the polecat's id and worktree. */
async function slingAgent(t: TownScenario, title: string, script: unknown[], cues: string): Promise<{ polecatId: string; worktree: string; beadId: string }> {
  const beadId = await createBead(t.page, { title, rig: 'sample' })
  await slingBead(t.page, beadId, 'sample', fakeAgentCmd(cues, script))
  const polecatId = await polecatOf(t.page, 'sample', beadId)
  return { polecatId, beadId, worktree: join(t.town, 'rigs', 'sample', 'polecats', polecatId.split('/')[1]) }
}

async function addRig(t: TownScenario): Promise<void> {
  await submitRig(t.page, 'sample', t.repo)
  await expectText(tid(t.page, 'rig-row-sample'), t.repo, 'the rig row of sample')
}

const navCount = (page: Page) => tid(page, 'nav-inbox-count')

test('a permission request appears with its exact command, is counted, and Approve by mouse lets it run; Deny sends the reason', { timeout: 60_000 }, async () => {
  await withTown(browser, 'inbox-mouse', async (t) => {
    const { page } = t
    // Nothing asks before the user does.
    const asked = await page.evaluate(() => (window as unknown as { __askedNotify?: number }).__askedNotify ?? 0)
    assert.equal(asked, 0, 'the page asked for notification permission on load')
    await addRig(t)
    const script = [
      { say: 'fake-agent: about to ask' },
      { permission: { tool: 'Bash', input: { command: 'touch approved-by-mouse.txt', description: 'Create the file' } } },
      { permission: { tool: 'Bash', input: { command: 'touch denied.txt' } } },
      { signal: 'both-answered' },
      { hang: true }
    ]
    const { polecatId, worktree } = await slingAgent(t, 'Ask before touching', script, t.cues)

    // The badge and the window title count it; a toast (no desktop notifications allowed here) announces it.
    await expectText(navCount(page), /^1$/, 'the nav badge')
    await until(async () => (await page.title()) === '(1) Gas Town Control Room', 'the window title "(1) Gas Town Control Room"')
    await expectText(tid(page, 'notify-toast'), `${polecatId} asks permission`, 'the toast announcing the request')
    await expectText(tid(page, 'notify-toast'), 'Bash: touch approved-by-mouse.txt', 'the toast announcing the request')

    // The polecat shows what it waits for, with how long (ticking), and links to the item.
    const activity = tid(page, `polecat-activity-${key(polecatId)}`)
    await expectText(activity, /^waiting for permission · \d+ s ▸ inbox · Bash: touch approved-by-mouse\.txt$/, 'the polecat activity')
    await expectAttr(activity, 'data-activity', 'waiting_permission', 'the polecat activity, heard from its hook')
    const seconds = async () => Number(/· (\d+) s/.exec((await activity.textContent()) ?? '')?.[1] ?? -1)
    const firstSeen = await seconds()
    await until(async () => (await seconds()) > firstSeen, 'the waiting time to tick')
    await shot(page, 'inbox-polecat-waiting')

    // Its link opens the Inbox on the item, shown whole.
    await tid(page, `polecat-inbox-link-${key(polecatId)}`).click()
    await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'the Inbox, opened from the polecat')
    const id = await inboxRow(page, 'touch approved-by-mouse.txt')
    const detail = tid(page, 'inbox-detail')
    await expectAttr(detail, 'data-item-id', id, 'the detail of the item the polecat waits on')
    assert.equal(await tid(page, 'inbox-detail-command').textContent(), 'touch approved-by-mouse.txt', 'the exact command')
    await expectText(detail, 'the agent says: Create the file', 'the description the agent gave')
    await expectText(tid(page, 'inbox-detail-screen'), 'fake-agent: about to ask', "the agent's screen")
    await expectText(detail, polecatId, 'the polecat')
    await expectText(detail, 'sample', 'the rig')
    await expectAttr(tid(page, `inbox-row-${id}`), 'data-kind', 'permission', 'the row')
    await expectText(tid(page, `inbox-row-${id}`), 'P1', 'the severity')
    await shot(page, 'inbox-permission-request')
    assert.equal(existsSync(join(worktree, 'approved-by-mouse.txt')), false, 'nothing runs before the user decides')

    await tid(page, 'inbox-action-approve').click()
    assert.equal(await readCue(join(t.cues, 'permission-1')), 'allow', 'the agent heard the approval')
    // Its toast goes with it (well before the toast's own 15 s), so nothing leads to a decided request.
    await until(async () => (await page.locator('[data-testid="notify-toast"]', { hasText: 'touch approved-by-mouse.txt' }).count()) === 0, "the approved request's toast to go", 3000)
    assert.ok(existsSync(join(worktree, 'approved-by-mouse.txt')), 'the approved command ran')

    // The second request replaces it; Deny with a reason (Enter confirms), which the agent receives.
    const second = await inboxRow(page, 'touch denied.txt')
    await until(async () => (await tid(page, `inbox-row-${id}`).count()) === 0, 'the approved item to leave the waiting list')
    await expectAttr(detail, 'data-item-id', second, 'the selection moving on to the next request')
    await tid(page, 'inbox-action-deny').click()
    await tid(page, 'inbox-deny-reason').fill('Use the Makefile target instead')
    await shot(page, 'inbox-deny-reason')
    await tid(page, 'inbox-deny-reason').press('Enter')
    assert.equal(await readCue(join(t.cues, 'permission-2')), 'deny: Use the Makefile target instead', 'the agent received the reason')
    await waitForFile(join(t.cues, 'both-answered'))
    assert.equal(existsSync(join(worktree, 'denied.txt')), false, 'the denied command never ran')
    await until(async () => (await navCount(page).count()) === 0, 'the badge to clear')
    assert.equal(await page.title(), 'Gas Town Control Room')

    // Closed items, behind the toggle: who decided, when, and why.
    await tid(page, 'inbox-show-closed').check()
    await tid(page, `inbox-row-${second}`).click()
    await expectText(tid(page, 'inbox-closed'), /denied by human/, 'who closed it')
    await expectText(tid(page, 'inbox-closed-reason'), 'Use the Makefile target instead', 'the reason')
    await tid(page, `inbox-row-${id}`).click()
    await expectText(tid(page, 'inbox-closed'), /approved by human .* approved once/, 'the approval')
    await shot(page, 'inbox-closed-items')
    // Permission for desktop notifications is asked for when the user says so, and only then.
    await tid(page, 'notify-enable').click()
    await until(() => page.evaluate(() => (window as unknown as { __askedNotify: number }).__askedNotify === 1), 'the one permission request, on the click')
    await expectNoErrorToast(page, 'in the mouse flow')
  }, { beforeOpen: countPermissionRequests })
})

test('the Inbox without a mouse: j/k move, a approves, t takes over, Ctrl+Shift+H hands back, d denies with Enter', { timeout: 60_000 }, async () => {
  await withTown(browser, 'inbox-keys', async (t) => {
    const { page } = t
    await addRig(t)
    const cuesA = join(t.cuesRoot, 'a')
    const cuesB = join(t.cuesRoot, 'b')
    const a = await slingAgent(t, 'First asker', [{ permission: { tool: 'Bash', input: { command: 'touch first.txt' } } }, { hang: true }], cuesA)
    await goTo(page, 'inbox')
    await inboxRow(page, 'touch first.txt')
    const b = await slingAgent(t, 'Second asker', [{ permission: { tool: 'Bash', input: { command: 'touch second.txt' } } }, { hang: true }], cuesB)
    await goTo(page, 'inbox')
    const idB = await inboxRow(page, 'touch second.txt')
    const idA = await inboxRow(page, 'touch first.txt')
    await expectText(navCount(page), /^2$/, 'the badge counting both')
    assert.equal(await page.title(), '(2) Gas Town Control Room')

    // The newer request is listed first, but the selection stays where it was (on the first request, selected
    // when it was alone): an arriving item never moves it under the user's keys.
    const order = await page.locator('[data-testid^="inbox-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')))
    assert.deepEqual(order, [`inbox-row-${idB}`, `inbox-row-${idA}`], 'newest first')
    // From another view, by keys only: Ctrl+4 opens the Inbox.
    await goTo(page, 'rigs')
    await page.keyboard.press('Control+4')
    await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'the Inbox after Ctrl+4')
    await expectAttr(tid(page, `inbox-row-${idA}`), 'aria-selected', 'true', 'the selection where it was')
    await page.keyboard.press('k')
    await expectAttr(tid(page, `inbox-row-${idB}`), 'aria-selected', 'true', 'the request above after k')
    await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', idB, 'the detail following the selection')
    await page.keyboard.press('ArrowDown')
    await expectAttr(tid(page, `inbox-row-${idA}`), 'aria-selected', 'true', 'back down after ArrowDown')
    // Enter: the selected item's polecat terminal; Ctrl+4 back, the selection kept.
    await page.keyboard.press('Enter')
    await expectAttr(tid(page, `terminal-${key(a.polecatId)}`), 'data-phase', 'live', "Enter opening the polecat's terminal")
    await expectAttr(tid(page, 'nav-polecats'), 'aria-current', 'page', 'the Polecats view after Enter')
    await page.keyboard.press('Control+4')
    await expectAttr(tid(page, `inbox-row-${idA}`), 'aria-selected', 'true', 'the selection kept')
    await page.keyboard.press('k')
    await page.keyboard.press('j')
    await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', idA, 'the detail following the selection')
    await shot(page, 'inbox-keys-two-requests')
    await page.keyboard.press('a')
    assert.equal(await readCue(join(cuesA, 'permission-1')), 'allow', 'a approved the selected request')
    assert.ok(existsSync(join(a.worktree, 'first.txt')))
    assert.equal(existsSync(join(b.worktree, 'second.txt')), false, 'the other request is still waiting')
    await expectAttr(tid(page, `inbox-row-${idB}`), 'aria-selected', 'true', 'the selection on the one left')
    await expectText(navCount(page), /^1$/, 'the badge after approving one')

    // t: the polecat's live terminal, taken over, with the keyboard in it.
    await page.keyboard.press('t')
    const pane = tid(page, `terminal-${key(b.polecatId)}`)
    await expectAttr(pane, 'data-taken-over', 'true', 'the terminal taken over from the inbox')
    await expectAttr(tid(page, 'nav-polecats'), 'aria-current', 'page', 'the Polecats view')
    await until(() => page.evaluate((k) => !!document.activeElement?.closest(`[data-testid="terminal-${k}"]`), key(b.polecatId)), 'the keyboard to be in the taken-over terminal')
    await expectText(pane.getByTestId('terminal-banner'), 'Ctrl+Shift+H', 'the banner saying how to hand back')
    await shot(page, 'inbox-keys-taken-over')
    // Ctrl+Shift+H: handed back, and back on the item.
    await page.keyboard.press('Control+Shift+H')
    await expectAttr(pane, 'data-taken-over', 'false', 'the terminal handed back')
    await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'back in the Inbox')
    await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', idB, 'on the item the takeover started from')
    // h hands back from the Inbox too (the user came back by another way).
    await page.keyboard.press('t')
    await expectAttr(pane, 'data-taken-over', 'true', 'taken over again')
    await goTo(page, 'inbox')
    await page.keyboard.press('h')
    await expectAttr(pane, 'data-taken-over', 'false', 'handed back with h')
    await expectText(tid(page, 'inbox-detail'), 'Take over', 'Take over offered again')

    // d: a reason field; typing there fires no inbox keys; Enter denies.
    await page.keyboard.press('d')
    await until(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'inbox-deny-reason'), 'the reason field to take the keyboard')
    await page.keyboard.type('a then d: not the keys')
    await page.keyboard.press('Enter')
    assert.equal(await readCue(join(cuesB, 'permission-1')), 'deny: a then d: not the keys', 'the agent received the typed reason')
    await until(async () => (await navCount(page).count()) === 0, 'the badge to clear')
    assert.equal(existsSync(join(b.worktree, 'second.txt')), false)
    await expectNoErrorToast(page, 'in the keyboard flow')
  })
})

test('Always allow adds a rule the Rigs view shows and the next matching request never reaches the inbox; a P0 escalation is counted, replied to and snoozed', { timeout: 90_000 }, async () => {
  await withTown(browser, 'inbox-always', async (t) => {
    const { page } = t
    await addRig(t)
    const mailFile = join(t.cuesRoot, 'mail.txt')
    const script = [
      { permission: { tool: 'Bash', input: { command: 'touch always-a.txt' } } },
      { permission: { tool: 'Bash', input: { command: 'touch always-b.txt' } } },
      { signal: 'asked' },
      { run: 'gt escalate --severity P0 --title "Production is down?" --body "The health check fails since my last push. Roll back?"' },
      { signal: 'escalated' },
      { waitFor: 'check-mail' },
      { run: `gt mail check > ${JSON.stringify(mailFile)}` },
      { signal: 'mail-checked' },
      { hang: true }
    ]
    const { worktree, polecatId } = await slingAgent(t, 'Touch things', script, t.cues)
    await goTo(page, 'inbox')
    const first = await inboxRow(page, 'touch always-a.txt')
    await tid(page, `inbox-row-${first}`).click()
    await page.keyboard.press('Shift+A')
    await expectText(tid(page, 'inbox-always-panel'), 'commands starting like this one', 'the Always allow choice')
    await shot(page, 'inbox-always-allow-choice')
    await page.keyboard.press('p')
    assert.equal(await readCue(join(t.cues, 'permission-1')), 'allow')
    await waitForFile(join(t.cues, 'asked'))
    assert.equal(await readCue(join(t.cues, 'permission-2')), 'allow', 'the matching request was allowed by the rule')
    assert.ok(existsSync(join(worktree, 'always-b.txt')), 'and ran')
    await tid(page, 'inbox-show-closed').check()
    await inboxRow(page, 'touch always-a.txt')
    assert.equal(await page.locator('[data-testid^="inbox-row-"]', { hasText: 'touch always-b.txt' }).count(), 0, 'the second request never reached the inbox')
    await tid(page, 'inbox-show-closed').uncheck()

    // The rule, in the rig's settings: editable there.
    await goTo(page, 'rigs')
    const rule = page.locator('[data-testid^="rule-row-"][data-tool="Bash"][data-prefix="touch"]')
    await until(async () => (await rule.count()) === 1, 'the rule Bash "touch" in the Rigs view')
    await expectAttr(rule, 'data-action', 'allow', 'the rule')
    await shot(page, 'rigs-permission-rules')
    // The core's validation, shown as it says it: a prefix is for Bash only.
    await tid(page, 'rule-add-tool').fill('Write')
    await tid(page, 'rule-add-prefix').fill('src/')
    await tid(page, 'rule-add-submit').click()
    await expectText(tid(page, 'rule-add-error'), 'a command prefix applies to Bash only, not to Write', 'the refusal')
    await tid(page, 'rule-add-prefix').fill('')
    await tid(page, 'rule-add-action').selectOption('deny')
    await tid(page, 'rule-add-submit').click()
    const writeRule = page.locator('[data-testid^="rule-row-"][data-tool="Write"]')
    await expectAttr(writeRule, 'data-action', 'deny', 'the new Write rule')
    await writeRule.getByTestId('rule-action').selectOption('ask')
    await expectAttr(page.locator('[data-testid^="rule-row-"][data-tool="Write"]'), 'data-action', 'ask', 'the changed Write rule')
    await page.locator('[data-testid^="rule-row-"][data-tool="Write"]').getByTestId('rule-remove').click()
    await until(async () => (await page.locator('[data-testid^="rule-row-"][data-tool="Write"]').count()) === 0, 'the Write rule to go')
    await shot(page, 'rigs-permission-rules-edited')

    // A P0 escalation: pinned, counted apart in the nav and in the title.
    await waitForFile(join(t.cues, 'escalated'))
    await expectText(tid(page, 'nav-inbox-p0'), /^1 P0$/, 'the P0 badge')
    await expectText(navCount(page), /^1$/, 'the count')
    await until(async () => (await page.title()) === '(1 P0 · 1) Gas Town Control Room', 'the window title "(1 P0 · 1) Gas Town Control Room"')
    // Its toast (no desktop notifications allowed here) opens the Inbox on it.
    const p0Toast = page.locator('[data-testid="notify-toast"]', { hasText: 'P0 escalation' })
    await expectText(p0Toast, `P0 escalation · ${polecatId}: Production is down?`, 'the toast announcing the P0')
    await p0Toast.click()
    await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'the Inbox, opened by the toast')
    const esc = await inboxRow(page, 'Production is down?')
    await expectAttr(tid(page, `inbox-row-${esc}`), 'data-severity', 'P0', 'the escalation')
    await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', esc, 'the item the toast announced')
    await expectText(tid(page, `inbox-row-${esc}`), 'pinned', 'the P0 pinned')
    await expectText(tid(page, 'inbox-detail-body'), 'The health check fails since my last push. Roll back?', 'the escalation body')
    await shot(page, 'inbox-p0-escalation')

    // Reply: mail for the agent, which it reads at its prompt (gt mail check for a runtime without hooks).
    await page.keyboard.press('r')
    await until(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'inbox-reply-text'), 'the reply field to take the keyboard')
    await page.keyboard.type('Yes, roll back to the last green build.')
    await page.keyboard.press('Enter')
    await expectText(page.locator('[data-testid="info-toast"]', { hasText: 'Reply mailed' }), `Reply mailed to ${polecatId}`, 'the reply confirmation')
    writeFileSync(join(t.cues, 'check-mail'), '')
    await waitForFile(join(t.cues, 'mail-checked'))
    assert.match(readFileSync(mailFile, 'utf8'), /Yes, roll back to the last green build\./, 'the agent got the reply')

    // Snooze by keys: 15 min; it leaves the queue and the counts until then.
    await tid(page, 'inbox-list').focus()
    await page.keyboard.press('s')
    await expectText(tid(page, 'inbox-snooze-panel'), 'tomorrow 9:00', 'the snooze choices')
    await shot(page, 'inbox-snooze-choices')
    await page.keyboard.press('1')
    await until(async () => (await tid(page, `inbox-row-${esc}`).count()) === 0, 'the snoozed item to leave the waiting list')
    await expectText(tid(page, 'inbox-snoozed-toggle'), 'snoozed (1)', 'the snoozed section')
    await until(async () => (await navCount(page).count()) === 0, 'the badge to leave the snoozed item out')
    assert.equal(await page.title(), 'Gas Town Control Room')
    await tid(page, 'inbox-snoozed-toggle').click()
    await expectText(tid(page, `inbox-row-${esc}`), 'snoozed until', 'the row in the snoozed section')
    await shot(page, 'inbox-snoozed')
    // Snoozed again, from the command line, for a few seconds: the page brings it back on its own when the time comes.
    const back = new Date(Date.now() + 4_000).toISOString()
    const r = await runGt(['inbox', 'snooze', esc, '--until', back, '--town', t.town], {})
    assert.equal(r.code, 0, r.stderr)
    await until(async () => ((await tid(page, `inbox-row-${esc}`).textContent()) ?? '').includes('snoozed until'), 'the new snooze time to show')
    await until(async () => (await tid(page, 'inbox-snoozed-toggle').count()) === 0, 'the snoozed item to come back', 15_000)
    await expectText(tid(page, 'nav-inbox-p0'), /^1 P0$/, 'the P0 counted again')
    // Or until a time the user types: tomorrow 10:30, local time.
    await tid(page, `inbox-row-${esc}`).click()
    await page.keyboard.press('s')
    const tomorrow = new Date()
    tomorrow.setDate(tomorrow.getDate() + 1)
    tomorrow.setHours(10, 30, 0, 0)
    const p2 = (n: number) => String(n).padStart(2, '0')
    await tid(page, 'inbox-snooze-time').fill(`${tomorrow.getFullYear()}-${p2(tomorrow.getMonth() + 1)}-${p2(tomorrow.getDate())}T10:30`)
    await tid(page, 'inbox-snooze-custom').click()
    await expectText(tid(page, 'inbox-snoozed-toggle'), 'snoozed (1)', 'snoozed until the typed time')
    const r2 = await runGt(['inbox', 'show', esc, '--json', '--town', t.town], {})
    assert.equal(r2.code, 0, r2.stderr)
    assert.equal(Date.parse(JSON.parse(r2.stdout).snoozedUntil), tomorrow.getTime(), 'the time the user typed, as the core stored it')
    await expectNoErrorToast(page, 'in the always-allow flow')
  })
})

test('with desktop notifications allowed, a new permission request is a real Notification; clicking it opens the item', { timeout: 45_000 }, async () => {
  await withTown(
    browser,
    'inbox-notification',
    async (t) => {
      const { page } = t
      await goTo(page, 'inbox')
      await expectText(tid(page, 'notify-state'), 'desktop notifications on', 'the notification state')
      await addRig(t)
      await slingAgent(t, 'Ask loudly', [{ permission: { tool: 'Bash', input: { command: 'echo notified' } } }, { hang: true }], t.cues)
      const shown = await until(async () => {
        const list = await page.evaluate(() => (window as unknown as { __notifications: { title: string; body: string; tag: string }[] }).__notifications)
        return list.length ? list : null
      }, 'a desktop notification')
      assert.equal(shown.length, 1, 'one notification for one request')
      const n = shown[0]
      assert.match(n.title, /asks permission/)
      assert.equal(n.body, 'Bash: echo notified')
      assert.equal(await tid(page, 'notify-toast').count(), 0, 'no toast when the desktop notification showed')
      await goTo(page, 'rigs')
      await page.evaluate(() => (window as unknown as { __clickNotification(i: number): void }).__clickNotification(0))
      await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'the Inbox, opened by the notification')
      await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', n.tag, 'the item it announced')
    },
    {
      permissions: ['notifications'],
      // Keeps a record of the real Notifications the page creates, and lets the test click one.
      beforeOpen: async (context) => {
        await context.addInitScript({
          content: `(() => {
            const Real = window.Notification
            const made = []
            window.__notifications = []
            window.Notification = class extends Real {
              constructor(title, opts) {
                super(title, opts)
                made.push(this)
                window.__notifications.push({ title, body: opts?.body ?? '', tag: opts?.tag ?? '' })
              }
            }
            window.__clickNotification = (i) => made[i].onclick?.({ target: made[i] })
          })()`
        })
      }
    }
  )
})

/** Counts the page's calls of Notification.requestPermission, in window.__askedNotify. */
async function countPermissionRequests(context: import('playwright-core').BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `(() => {
      const real = Notification.requestPermission.bind(Notification)
      window.__askedNotify = 0
      Notification.requestPermission = (...a) => { window.__askedNotify++; return real(...a) }
    })()`
  })
}

test('a request still waiting when the control room restarts stays, saying it can no longer be answered; it can be acknowledged', { timeout: 60_000 }, async () => {
  await withTown(browser, 'inbox-orphaned', async (t) => {
    const { page } = t
    await addRig(t)
    await slingAgent(t, 'Ask, then lose the agent', [{ permission: { tool: 'Bash', input: { command: 'make deploy' } } }, { hang: true }], t.cues)
    await goTo(page, 'inbox')
    const id = await inboxRow(page, 'make deploy')
    assert.equal(await t.served.stop('SIGTERM'), 0, `gt serve did not exit cleanly:\n${t.served.output()}`)
    await t.restart()

    await goTo(page, 'inbox')
    await expectAttr(tid(page, `inbox-row-${id}`), 'data-status', 'orphaned', 'the request after the restart')
    await expectText(navCount(page), /^1$/, 'the badge: it still waits to be read')
    await tid(page, `inbox-row-${id}`).click()
    await expectText(tid(page, 'inbox-orphaned'), /can no longer be answered.*restarted/i, 'why it can no longer be answered')
    assert.equal(await tid(page, 'inbox-action-approve').count(), 0, 'no Approve on a request nobody waits for')
    await page.keyboard.press('a')
    await expectText(page.locator('[data-testid="info-toast"]', { hasText: 'a:' }), 'can no longer be answered', 'the a key saying why it does nothing')
    await shot(page, 'inbox-orphaned')
    await page.keyboard.press('e')
    await until(async () => (await tid(page, `inbox-row-${id}`).count()) === 0, 'the acknowledged item to leave the list')
    await until(async () => (await navCount(page).count()) === 0, 'the badge to clear')
    await expectNoErrorToast(page, 'in the orphaned flow')
  })
})
