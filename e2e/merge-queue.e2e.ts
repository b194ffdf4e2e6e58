// The merge queue end to end in Chromium against gt serve, on a rig whose origin is a bare repository and
// whose check commands are real (quick shell commands): a branch the user queued is tested with its output
// live in the Merge queue view's terminal and waits for approval; two fake agents commit and run `gt done`
// meanwhile, so both their requests wait behind it; the user rejects the first (with a reason, asked first),
// the two are tested as one batch, which waits for approval with its check output; the user opens a request's
// diff from the view, approves the batch in the Deacon inbox, and the origin's main moves to one commit with
// both polecats' work — the view shows them merged.
//
//   npx electron-vite build && npx node --import tsx --test e2e/merge-queue.e2e.ts
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { MergeQueueEntry } from '../src/shared/domain'
import { fakeAgentCmd, requireBuild, sh, waitForFile } from '../test/support/fixtures'
import { expectAttr, expectText, launchChromium, shot, until } from './support/browser'
import { withTown, type TownScenario } from './support/scenario'
import { createBead, expectNoErrorToast, goTo, polecatOf, slingBead, submitRig, tid } from './support/ui'
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

const git = (repo: string, args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim()

/** The text in the xterm of a candidate run's terminal (registered as window.__gtTerm "mq:<run id>"). */
async function runOutput(page: Page, runId: string): Promise<string | null> {
  return page.evaluate((id) => {
    const term = (window as unknown as { __gtTerm?: { get(id: string): any } }).__gtTerm?.get(`mq:${id}`)
    if (!term) return null
    const buf = term.buffer.active
    let text = ''
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i)
      if (line) text += (i > 0 && !line.isWrapped ? '\n' : '') + line.translateToString(true)
    }
    return text
  }, runId)
}

async function expectRunOutput(page: Page, runId: string, needle: string, what: string): Promise<string> {
  let last: string | null = null
  try {
    return await until(async () => ((last = await runOutput(page, runId))?.includes(needle) ? last : null), `${what}: run ${runId}'s terminal to show ${JSON.stringify(needle)}`, 30_000)
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- terminal ---\n${last ?? '<no terminal>'}`)
  }
}

/**
 * The id of the run the section shows with exactly these requests in its candidate (its head's test id). The
 * refinery may test shorter prefixes of the queue beside it (merge_parallel), each a run of its own.
 */
async function runIn(page: Page, section: string, status: string, requests: string[]): Promise<string> {
  const heads = tid(page, `mq-section-${section}`).locator(`[data-testid^="mq-run-mqr"][data-status="${status}"]`)
  const want = [...requests].sort().join(' ')
  const id = await until(async () => {
    const shown = await heads.evaluateAll((els) => els.map((e) => [e.getAttribute('data-testid') ?? '', e.getAttribute('data-requests') ?? '']))
    return shown.find(([, r]) => r.split(' ').sort().join(' ') === want)?.[0]
  }, `a ${status} run of ${want} in the ${section} section`, 30_000)
  return id.slice('mq-run-'.length)
}

test('two agents finish, their batch is tested live and waits in the Merge queue view, the diff opens from it, Approve in the inbox moves the target', { timeout: 180_000 }, async () => {
  await withTown(browser, 'merge-queue', async (t) => {
    const { page } = t
    // The rig's origin: a bare repository made from the scenario's repository; a clone of it for the user's branch.
    const origin = join(t.tempDir('e2e-origin'), 'origin.git')
    sh(t.repo, 'git', ['clone', '-q', '--bare', t.repo, origin])
    const work = join(t.tempDir('e2e-work'), 'work')
    sh(t.repo, 'git', ['clone', '-q', origin, work])
    sh(work, 'git', ['checkout', '-q', '-b', 'user/docs'])
    writeFileSync(join(work, 'docs.txt'), 'the user wrote docs\n')
    sh(work, 'git', ['add', '-A'])
    sh(work, 'git', ['commit', '-qm', 'Docs by the user'])
    sh(work, 'git', ['push', '-q', 'origin', 'user/docs'])
    const mainBefore = git(origin, ['rev-parse', 'main'])

    await submitRig(page, 'sample', origin)
    await expectText(tid(page, 'rig-row-sample'), origin, 'the rig row of sample')
    // Real checks, read from the candidate's tree. The tests wait for a gate file, but only in the refinery's
    // own worktrees (the witness runs the same commands in the polecats' worktrees): so the test sees a run's
    // output while it is live, and decides when it ends.
    const gate = join(t.tempDir('e2e-gate'), 'open')
    const build = 'echo "building $(ls | wc -l) files"; test ! -e BUILD_BROKEN || { echo "error: BUILD_BROKEN is in the tree" >&2; exit 2; }'
    const tests = `echo "running the tests on $(git rev-parse --short HEAD)"; case "$PWD" in */refinery/*) while [ ! -e ${gate} ]; do sleep 0.1; done;; esac; echo "all tests passed: $(ls *.txt | tr '\\n' ' ')"`
    for (const [k, v] of Object.entries({ merge_mode: 'gated', build, test: tests })) await gt(t, ['rig', 'config', 'sample', k, v])

    // Ctrl+6 opens the Merge queue view; the rig shows with nothing in it.
    await page.locator('body').click({ position: { x: 700, y: 5 } })
    await page.keyboard.press('Control+6')
    await expectAttr(tid(page, 'nav-refinery'), 'aria-current', 'page', 'Ctrl+6: the Merge queue view')
    await expectAttr(tid(page, 'mq-view'), 'data-rig', 'sample', 'the view on the rig')
    await expectAttr(tid(page, 'mq-section-pending'), 'data-count', '0', 'an empty queue')

    // The user's branch: tested, its output live in the terminal, then waiting for approval.
    await gt(t, ['mq', 'add', 'user/docs', '--rig', 'sample'])
    const docs = (JSON.parse(await gt(t, ['mq', 'list', '--rig', 'sample', '--json'])) as MergeQueueEntry[]).find((e) => e.branch === 'user/docs')!
    const userRun = await runIn(page, 'testing', 'testing', [docs.id])
    await expectAttr(tid(page, `mq-run-output-${userRun}`), 'data-phase', 'live', 'the live terminal of the run')
    await expectRunOutput(page, userRun, 'running the tests on', 'live output')
    await expectAttr(tid(page, `mq-entry-${docs.id}`), 'data-state', 'testing', 'the user request being tested')
    await shot(page, 'mq-testing-live')
    writeFileSync(gate, '')
    await expectAttr(tid(page, `mq-entry-${docs.id}`), 'data-state', 'awaiting_approval', 'the user request waiting for approval', 30_000)
    rmSync(gate)

    // Two agents finish their work while it waits.
    const agents: { polecatId: string; beadId: string; file: string; cues: string }[] = []
    for (const name of ['alpha', 'beta']) {
      const cues = join(t.cuesRoot, name)
      const script = [{ write: { path: `${name}.txt`, content: `the work of ${name}\n` } }, { commit: `Add ${name}.txt` }, { run: `gt done --summary "${name} done"` }, { signal: 'done' }, { hang: true }]
      const beadId = await createBead(page, { title: `Write ${name}.txt`, rig: 'sample' })
      await slingBead(page, beadId, 'sample', fakeAgentCmd(cues, script))
      agents.push({ polecatId: await polecatOf(page, 'sample', beadId), beadId, file: `${name}.txt`, cues })
    }
    for (const a of agents) {
      await waitForFile(join(a.cues, 'done'), 60_000)
      assert.equal((await waitForFile(join(a.cues, 'run-done.status'))).trim(), '0', `${a.polecatId}'s gt done`)
    }
    await goTo(page, 'refinery')
    const queued = await until(async () => {
      const l = JSON.parse(await gt(t, ['mq', 'list', '--rig', 'sample', '--json'])) as MergeQueueEntry[]
      const mine = agents.map((a) => l.find((e) => e.polecatId === a.polecatId))
      return mine.every(Boolean) ? (mine as MergeQueueEntry[]) : null
    }, 'both requests in the queue')
    await expectAttr(tid(page, 'mq-section-pending'), 'data-count', '2', 'both requests pending behind the batch that waits')
    for (const e of queued) {
      const row = tid(page, `mq-entry-${e.id}`)
      await expectAttr(row, 'data-state', 'pending', `${e.branch} pending`)
      await expectText(row, e.polecatId!, `${e.branch}'s row naming its polecat`)
      await expectText(row, 'in the queue', `${e.branch}'s time in the queue`)
    }
    await shot(page, 'mq-pending-behind-approval')

    // Reject the user's request by keys — j/k to it, X asks for a reason, Ctrl+Enter confirms: the two agents'
    // requests are then tested as one batch.
    await tid(page, `mq-entry-${queued[0].id}`).click()
    for (let i = 0; i < 3 && (await tid(page, `mq-entry-${docs.id}`).getAttribute('aria-selected')) !== 'true'; i++) await page.keyboard.press('j')
    await expectAttr(tid(page, `mq-entry-${docs.id}`), 'aria-selected', 'true', 'the user request selected by keys')
    await page.keyboard.press('Shift+X')
    await until(async () => (await tid(page, 'mq-reject-reason').count()) === 1, 'the reject dialog')
    await until(async () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'mq-reject-reason'), 'the reason field to have the focus')
    await page.keyboard.type('The docs go in with the next release')
    await shot(page, 'mq-reject-dialog')
    await page.keyboard.press('Control+Enter')
    const rejected = tid(page, `mq-entry-${docs.id}`)
    await expectAttr(rejected, 'data-state', 'rejected', 'the user request rejected')
    await expectText(rejected.getByTestId('mq-failure-message'), 'The docs go in with the next release', 'the reason on the rejected row')
    const batchRun = await runIn(page, 'testing', 'testing', queued.map((e) => e.id))
    await expectRunOutput(page, batchRun, 'running the tests on', 'the batch run, live')
    for (const e of queued) await expectAttr(tid(page, `mq-entry-${e.id}`), 'data-state', 'testing', `${e.branch} in the candidate`)
    writeFileSync(gate, '')

    // The batch waits for approval, with the run that passed and its output.
    const batch = tid(page, 'mq-section-awaiting').locator('[data-testid^="mq-batch-"]')
    await until(async () => (await batch.count()) === 1 && (await batch.getAttribute('data-size')) === '2', 'one batch of 2 awaiting approval', 30_000)
    await expectAttr(tid(page, `mq-run-output-${batchRun}`), 'data-phase', 'done', "the batch's finished run")
    const output = await expectRunOutput(page, batchRun, 'test: ok', 'the finished run')
    assert.match(output, /all tests passed: .*alpha\.txt beta\.txt/, 'the checks ran on a tree with both requests')
    assert.match(output, /build: ok \(exit 0\)/)
    await expectText(batch.getByTestId('mq-run-took'), /^took \d/, 'how long the run took')
    assert.equal(git(origin, ['rev-parse', 'main']), mainBefore, 'nothing lands before the approval')
    await shot(page, 'mq-batch-awaiting-approval')

    // The diff of one request, opened from the view; Esc comes back to it.
    const first = queued[0]
    await tid(page, `mq-diff-${first.id}`).click()
    await expectText(tid(page, 'diff-view'), `merge request ${first.id}`, 'the diff view of the request')
    const firstFile = agents.find((a) => a.polecatId === first.polecatId)!.file
    await until(async () => (await page.locator(`[data-testid="diff-file"][data-path="${firstFile}"]`).count()) === 1, `${firstFile} in the diff`)
    await shot(page, 'mq-diff-of-request')
    await page.keyboard.press('Escape')
    await until(async () => (await tid(page, 'diff-view').count()) === 0, 'the diff to close')
    await expectAttr(tid(page, 'nav-refinery'), 'aria-current', 'page', 'back in the Merge queue view')

    // Approve in the inbox, reached from the batch's link.
    await batch.getByTestId('mq-inbox-link').click()
    await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'the inbox')
    await expectText(tid(page, 'inbox-detail-title'), 'Merge 2 requests into sample/main', 'the batch in the inbox')
    await shot(page, 'mq-batch-in-inbox')
    // From the item, back to the queue on its first request, and to the item again.
    await tid(page, 'inbox-open-merge-queue').click()
    await expectAttr(tid(page, 'nav-refinery'), 'aria-current', 'page', 'the Merge queue view, opened from the item')
    const firstInQueue = (await tid(page, 'mq-section-awaiting').locator('[data-testid^="mq-entry-"]').first().getAttribute('data-testid'))!
    await expectAttr(tid(page, firstInQueue), 'aria-selected', 'true', "the batch's first request selected")
    await page.keyboard.press('i')
    await expectAttr(tid(page, 'nav-inbox'), 'aria-current', 'page', 'i: the inbox item of the selected request')
    await expectText(tid(page, 'inbox-detail-title'), 'Merge 2 requests into sample/main', 'the batch in the inbox again')
    await tid(page, 'inbox-action-approve').click()
    const landed = await until(() => {
      const sha = git(origin, ['rev-parse', 'main'])
      return sha !== mainBefore ? sha : null
    }, "origin's main to move", 30_000)
    const files = git(origin, ['ls-tree', '-r', '--name-only', 'main']).split('\n')
    for (const a of agents) assert.ok(files.includes(a.file), `${a.file} on main (${files.join(', ')})`)
    assert.ok(!files.includes('docs.txt'), 'the rejected request did not land')
    assert.equal(git(origin, ['rev-list', '--first-parent', '--count', `${mainBefore}..main`]), '1', 'main moved by one first-parent commit')

    // The view shows both merged, in the commit main moved to.
    await goTo(page, 'refinery')
    await expectAttr(tid(page, 'mq-section-merged'), 'data-count', '2', 'both merged')
    for (const e of queued) {
      const row = tid(page, `mq-entry-${e.id}`)
      await expectAttr(row, 'data-state', 'merged', `${e.branch} merged`)
      await expectText(row, `landed in ${landed.slice(0, 10)}`, `${e.branch} in the commit main moved to`)
      await expectText(row.getByTestId('mq-took'), /^took \d/, `how long ${e.branch} took`)
    }
    await expectAttr(tid(page, 'mq-section-awaiting'), 'data-count', '0', 'nothing awaits approval')
    await shot(page, 'mq-merged')
    await expectNoErrorToast(page, 'in the merge queue')
    for (const a of agents) await gt(t, ['polecat', 'stop', a.polecatId]).catch(() => {})
  })
})

test('a request that breaks the build: failed in the view with the failing output as text, its red run, Retry by key tests it again; a conflict names its files', { timeout: 120_000 }, async () => {
  await withTown(browser, 'merge-queue-failed', async (t) => {
    const { page } = t
    const origin = join(t.tempDir('e2e-origin'), 'origin.git')
    sh(t.repo, 'git', ['clone', '-q', '--bare', t.repo, origin])
    const work = join(t.tempDir('e2e-work'), 'work')
    sh(t.repo, 'git', ['clone', '-q', origin, work])
    sh(work, 'git', ['checkout', '-q', '-b', 'user/broken'])
    writeFileSync(join(work, 'BUILD_BROKEN'), 'x\n')
    sh(work, 'git', ['add', '-A'])
    sh(work, 'git', ['commit', '-qm', 'Breaks the build'])
    sh(work, 'git', ['push', '-q', 'origin', 'user/broken'])
    const mainBefore = git(origin, ['rev-parse', 'main'])
    await submitRig(page, 'sample', origin)
    // The error line carries markup: the view must show it as the characters it is.
    const build = 'test ! -e BUILD_BROKEN || { echo "<b>error</b>: BUILD_BROKEN is in the tree" >&2; exit 2; }'
    for (const [k, v] of Object.entries({ merge_mode: 'gated', build })) await gt(t, ['rig', 'config', 'sample', k, v])
    await goTo(page, 'refinery')
    await gt(t, ['mq', 'add', 'user/broken', '--rig', 'sample'])
    const mr = (JSON.parse(await gt(t, ['mq', 'list', '--rig', 'sample', '--json'])) as MergeQueueEntry[])[0]
    const row = tid(page, `mq-entry-${mr.id}`)
    await expectAttr(row, 'data-state', 'failed', 'the request failed', 30_000)
    const failure = row.getByTestId('mq-failure')
    await expectAttr(failure, 'data-kind', 'checks', 'a checks failure')
    await expectText(failure.getByTestId('mq-failure-message'), 'build (test ! -e BUILD_BROKEN', 'the failing command in the message')
    await expectText(failure.getByTestId('mq-failure-output'), '<b>error</b>: BUILD_BROKEN is in the tree', 'the failing output, as text')
    assert.equal(await page.locator('[data-testid="mq-failure-output"] b').count(), 0, 'no markup made of the output')
    const firstRun = (await gt(t, ['mq', 'show', mr.id])).match(/mqr-[a-z0-9]+/)?.[0]
    assert.ok(firstRun, 'the red run in gt mq show')
    await expectText(failure, `run ${firstRun}`, 'the run that showed it')
    // The whole red run, in its terminal.
    await failure.getByTestId('mq-failure-show-run').click()
    const red = await expectRunOutput(page, firstRun!, 'BUILD_BROKEN is in the tree', 'the red run')
    assert.match(red, /build: failed \(exit 2\)/, `the build's end in the run (${red})`)
    await shot(page, 'mq-failed')
    await failure.getByTestId('mq-failure-show-run').click()

    // r on the selected request: back in the queue, tested again, failed again in a new run.
    await row.click()
    await page.keyboard.press('r')
    await until(async () => {
      const shown = await gt(t, ['mq', 'show', mr.id])
      return (shown.match(/mqr-[a-z0-9]+/g) ?? []).filter((id, i, all) => all.indexOf(id) === i).length >= 2
    }, 'a second run of the request', 30_000)
    await expectAttr(row, 'data-state', 'failed', 'failed again', 30_000)
    await until(async () => !((await failure.textContent()) ?? '').includes(`run ${firstRun}`), 'the failure naming the new run')
    assert.equal(git(origin, ['rev-parse', 'main']), mainBefore, 'a red request never lands')
    await expectNoErrorToast(page, 'after the retry')

    // A branch that conflicts with what main got meanwhile: sent back naming the file, before any check runs.
    sh(work, 'git', ['checkout', '-q', '-b', 'user/clash', 'origin/main'])
    writeFileSync(join(work, 'README.md'), '# the user\'s title\n')
    sh(work, 'git', ['commit', '-qam', 'Retitle'])
    sh(work, 'git', ['push', '-q', 'origin', 'user/clash'])
    sh(work, 'git', ['checkout', '-q', '-B', 'main', 'origin/main'])
    writeFileSync(join(work, 'README.md'), "# main's title\n")
    sh(work, 'git', ['commit', '-qam', 'Retitle on main'])
    sh(work, 'git', ['push', '-q', 'origin', 'main'])
    await gt(t, ['mq', 'add', 'user/clash', '--rig', 'sample'])
    const clash = (JSON.parse(await gt(t, ['mq', 'list', '--rig', 'sample', '--json'])) as MergeQueueEntry[]).find((e) => e.branch === 'user/clash')!
    const clashRow = tid(page, `mq-entry-${clash.id}`)
    await expectAttr(clashRow, 'data-state', 'failed', 'the conflicting request sent back', 30_000)
    await expectAttr(clashRow.getByTestId('mq-failure'), 'data-kind', 'conflict', 'a conflict')
    assert.deepEqual(await clashRow.getByTestId('mq-failure-files').locator('li').allTextContents(), ['README.md'], 'the conflicting file named')
    await shot(page, 'mq-conflict')
  })
})
