// Recovery end to end, in Chromium against gt serve, with the scripted fake agent in real PTYs calling the real
// gt: two polecats work on one rig; the host is killed with SIGKILL mid-work (and one worktree deleted while it
// is down); started again, the page shows the recovery as it happens — "Recovering: 1 rig, 2 polecats", the rig
// fetched, each polecat's worktree (one recreated from its local branch) waiting out the grace period — then
// both dispatched and working again in the Polecats view, each on its branch with its checkpoint. Quitting
// then shows the saving of their work in the overlay until the host is gone.
//
//   npx electron-vite build && npx node --import tsx --test e2e/recovery.e2e.ts
import assert from 'node:assert/strict'
import { readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import type { Polecat, PrimeContext } from '../src/shared/domain'
import { fakeAgentCmd, requireBuild, waitForFile } from '../test/support/fixtures'
import { expectAttr, expectText, launchChromium, recordAppearances, shot, until } from './support/browser'
import { withTown, type TownScenario } from './support/scenario'
import { expectNoErrorToast, goTo, key, submitRig, tid } from './support/ui'
import { gtOk } from './support/gt'

let browser: Browser

before(async () => {
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

/** Long enough to look at the progress (and for a slow machine to open the page), short enough for a test. */
const GRACE_S = 25

// Commits and checkpoints, leaves a change uncommitted (what quitting must save), then works on. A resumed
// session runs the same script: its prime file proves it started with its predecessor's checkpoint.
const WORKER = [
  { write: { path: 'step1.txt', content: 'one\n' } },
  { commit: 'Step one' },
  { run: 'gt checkpoint \'{"step":1,"next":"step two"}\'' },
  { run: 'gt prime --json > prime-{{GT_SESSION}}.json' },
  { write: { path: 'draft-{{GT_SESSION}}.txt', content: 'half done\n' } },
  { signal: 'worked-{{GT_SESSION}}' },
  { hang: true }
]

const gt = (t: TownScenario, args: string[]): Promise<string> => gtOk(t.town, [...args, '--json'])
const polecats = async (t: TownScenario) => JSON.parse(await gt(t, ['polecat', 'list'])) as Polecat[]

test('the host killed mid-work: on restart the page shows the recovery as it happens, then both agents working again; quitting shows their work being saved', { timeout: 180_000 }, async () => {
  await withTown(
    browser,
    'recovery',
    async (t) => {
      const { page } = t
      await submitRig(page, 'sample', t.repo)
      await expectText(tid(page, 'rig-row-sample'), t.repo, 'the rig row of sample')
      const pcs: Polecat[] = []
      for (const n of [0, 1]) {
        const bead = JSON.parse(await gt(t, ['bead', 'create', `Recover me ${n}`, '--rig', 'sample'])) as { id: string }
        const pc = JSON.parse(await gt(t, ['sling', bead.id, 'sample', '--agent-cmd', fakeAgentCmd(join(t.cues, `w${n}`), WORKER)])) as Polecat
        await waitForFile(join(t.cues, `w${n}`, `worked-${pc.sessionId}`))
        pcs.push(pc)
      }
      await goTo(page, 'polecats')
      for (const pc of pcs) await expectAttr(tid(page, `polecat-row-${key(pc.id)}`), 'data-state', 'working', `${pc.id} before the crash`)
      assert.equal(await tid(page, 'recovery-banner').count(), 0, 'no recovery banner on a town that started clean')

      // kill -9 mid-work; while it is down, one worktree is lost too (its branch is still in the clone).
      t.served.proc.kill('SIGKILL')
      await new Promise((r) => t.served.proc.once('exit', r))
      await expectText(tid(page, 'connection-status'), /reconnecting|signed out|connecting/, 'the page noticing the host is gone')
      rmSync(pcs[0].worktree, { recursive: true, force: true })

      // Started again: the page opens on the new URL while recovery waits out its grace period.
      await t.restart()
      const stopRecording = await recordAppearances(page, ['recovery-summary'])
      const banner = tid(page, 'recovery-banner')
      await expectAttr(banner, 'data-running', 'true', 'the recovery banner while it runs')
      await expectText(tid(page, 'recovery-summary'), 'Recovering: 1 rig, 2 polecats', 'the summary line')
      await expectText(tid(page, 'recovery-rig-sample-state'), 'fetched', 'the rig step')
      const [lost, kept] = pcs.map((pc) => `recovery-polecat-${key(pc.id)}`)
      await expectText(tid(page, `${lost}-state`), 'waiting the grace period', 'the polecat whose worktree was deleted')
      await expectText(tid(page, `${lost}-detail`), `worktree recreated from its local branch; resumes after ${GRACE_S} s`, 'where its worktree came from')
      await expectText(tid(page, `${kept}-state`), 'waiting the grace period', 'the other polecat')
      await expectText(tid(page, `${kept}-detail`), 'its worktree was there', 'its worktree')
      await shot(page, 'recovery-in-progress')

      // The grace period over: both dispatched, the summary says so (events only: the page reads nothing again).
      await expectText(tid(page, 'recovery-summary'), 'Recovery finished: 2 of 2 polecats resumed', 'the finished recovery', (GRACE_S + 40) * 1000)
      await expectText(tid(page, `${lost}-state`), 'dispatched', 'the first polecat')
      await expectText(tid(page, `${lost}-detail`), 'resumed with its checkpoint · worktree recreated from its local branch', 'what happened to it')
      await expectText(tid(page, `${kept}-state`), 'dispatched', 'the second polecat')
      await shot(page, 'recovery-finished')
      const seen = await stopRecording()
      assert.ok(seen.texts.indexOf('Recovering: 1 rig, 2 polecats') < seen.texts.indexOf('Recovery finished: 2 of 2 polecats resumed'), `the progress before the outcome: ${JSON.stringify(seen.texts)}`)

      // Both agents working again, each in a new session on its branch, started with the checkpoint of the one before.
      await goTo(page, 'polecats')
      const now = await until(async () => {
        const list = await polecats(t)
        return pcs.every((b) => list.some((p) => p.id === b.id && p.state === 'working' && p.sessionId !== b.sessionId)) ? list : null
      }, 'both polecats in new sessions')
      for (const [i, before] of pcs.entries()) {
        const after = now.find((p) => p.id === before.id)!
        await expectAttr(tid(page, `polecat-row-${key(before.id)}`), 'data-state', 'working', `${before.id} after the restart`)
        await expectText(tid(page, `polecat-row-${key(before.id)}`), before.branch!, `${before.id} on its branch`)
        await waitForFile(join(t.cues, `w${i}`, `worked-${after.sessionId}`))
        const prime = JSON.parse(readFileSync(join(after.worktree, `prime-${after.sessionId}.json`), 'utf8')) as PrimeContext
        assert.deepEqual(prime.checkpoint?.data, { step: 1, next: 'step two' }, `${before.id} resumed with its checkpoint`)
      }
      await shot(page, 'recovery-polecats-working-again')

      // The clean finish goes by itself; Esc dismisses it sooner.
      await page.locator('body').click({ position: { x: 5, y: 5 } })
      await page.keyboard.press('Escape')
      await until(async () => (await banner.count()) === 0, 'the banner to go on Esc')
      await expectNoErrorToast(page, 'after the recovery')

      // Quitting: the overlay shows the agents' work being saved, then that the control room stopped.
      const stopQuit = await recordAppearances(page, ['quit-line'])
      assert.equal(await t.served.stop('SIGTERM'), 0, 'gt serve quits cleanly')
      const overlay = tid(page, 'quit-overlay')
      await expectAttr(overlay, 'data-stopped', 'true', 'the overlay once the host is gone')
      await expectText(tid(page, 'quit-line'), "Agents' work saved before quitting: 2 of 2", 'every agent saved')
      await expectText(tid(page, 'quit-stopped'), 'Done for every agent', 'the outcome')
      const quit = await stopQuit()
      assert.ok(quit.texts.includes("Saving agents' work before quitting: 0 of 2"), `the overlay showed the start of the saving: ${JSON.stringify(quit.texts)}`)
      await shot(page, 'recovery-quit-overlay')
      assert.match(t.served.output(), /saved 2 of 2/, 'the host saved both')
    },
    { settings: { recoveryGraceSeconds: GRACE_S } }
  )
})

test('a rig whose source is gone: the banner keeps the failure in words until dismissed, and a reload does not bring it back', { timeout: 120_000 }, async () => {
  await withTown(
    browser,
    'recovery-failed',
    async (t) => {
      const { page } = t
      await submitRig(page, 'sample', t.repo)
      const bead = JSON.parse(await gt(t, ['bead', 'create', 'Cannot come back', '--rig', 'sample'])) as { id: string }
      const pc = JSON.parse(await gt(t, ['sling', bead.id, 'sample', '--agent-cmd', fakeAgentCmd(join(t.cues, 'w'), WORKER)])) as Polecat
      await waitForFile(join(t.cues, 'w', `worked-${pc.sessionId}`))
      // A quit (its work saved), then the disk loses rigs/ and the source moves away.
      assert.equal(await t.served.stop('SIGTERM'), 0)
      rmSync(join(t.town, 'rigs'), { recursive: true, force: true })
      renameSync(t.repo, `${t.repo}-moved`)
      try {
        await t.restart()
        const banner = tid(page, 'recovery-banner')
        await expectText(tid(page, 'recovery-summary'), 'Recovery finished with 1 failure: 0 of 1 polecat resumed', 'the outcome', 30_000)
        await expectAttr(banner, 'role', 'alert', 'a failed recovery is an alert')
        await expectText(tid(page, 'recovery-rig-sample-state'), 'failed', 'the rig step')
        await expectText(tid(page, 'recovery-rig-sample-detail'), `could not clone ${t.repo}`, "git's reason, in words")
        await expectText(tid(page, `recovery-polecat-${key(pc.id)}-state`), 'not resumed', 'its polecat')
        await expectText(tid(page, `recovery-polecat-${key(pc.id)}-detail`), 'its rig sample could not be recovered', 'why')
        await shot(page, 'recovery-failed-rig')
        // Dismissed from the keyboard: Tab to its button, Enter.
        await tid(page, 'recovery-dismiss').focus()
        await page.keyboard.press('Enter')
        await until(async () => (await banner.count()) === 0, 'the banner to go')
        await page.reload()
        await expectText(tid(page, 'connection-status'), /^connected$/, 'the reloaded page')
        await until(async () => (await tid(page, 'rig-row-sample').count()) === 1, 'the rigs list after the reload')
        assert.equal(await banner.count(), 0, 'a reload does not bring a dismissed recovery back')
        await goTo(page, 'inbox')
        await expectText(page.locator('[data-testid^="inbox-row-"]', { hasText: 'could not be recovered' }), 'The rig sample could not be recovered', 'the P1 in the Inbox')
      } finally {
        renameSync(`${t.repo}-moved`, t.repo)
      }
    },
    { settings: { recoveryGraceSeconds: 1 } }
  )
})
