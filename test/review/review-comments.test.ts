// Comments on lines of a diff, through the core and through gt, with real git, SQLite and the fake agent:
// a comment is stored, reaches the polecat as REVIEW mail with the lines around it (read by the agent's own
// `gt mail check`), shows in review.list for its branch whichever target it was made on, and makes the
// merge request wait (review.changes-requested in the ledger); lines that are not there are refused; and what
// gt prints of file names, patches and comments is inert on a terminal.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import type { BranchDiff, LedgerEvent, Polecat, ReviewComment } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, sh, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'

const t = useTestTown()
let cues: string
let pc: Polecat
let mergeRequest: string
// An OSC sequence (stripped whole) and a lone backspace (shown as an escape) in a name; CSI and BEL in a line.
const EVIL = 'evil\x1b]0;pwned\x07\x08.txt'

const call = <T>(method: string, params: unknown): Promise<T> => t.core.dispatch(method, params, human) as Promise<T>

let setup: Promise<void> | null = null
const ready = (): Promise<void> => (setup ??= makeBranch())

async function makeBranch(): Promise<void> {
  writeFileSync(join(t.repo, 'app.ts'), Array.from({ length: 20 }, (_, i) => `export const v${i + 1} = ${i + 1}`).join('\n') + '\n')
  writeFileSync(join(t.repo, 'gone.txt'), 'bye\n')
  sh(t.repo, 'git', ['add', '-A'])
  sh(t.repo, 'git', ['commit', '-qm', 'app'])
  await call('rigs.add', { name: 'sample', source: t.repo })
  const bead = await call<{ id: string }>('beads.create', { title: 'Tune the app', rig: 'sample' })
  cues = join(tempDir('review-cues'), 'cues')
  const script = [
    {
      run:
        "sed -i 's/^export const v10 = 10$/export const v10 = 100/' app.ts && git rm -q gone.txt && printf '\\000' > blob.bin && " +
        "printf 'clear\\033[2J here\\007\\n' > \"$(printf 'evil\\033]0;pwned\\007\\010.txt')\" && git add -A && git commit -qm tune"
    },
    { run: 'gt done --summary "tuned"' },
    { signal: 'committed' },
    { waitFor: 'commented' },
    { run: `gt mail check > ${JSON.stringify(join(cues, 'mail.txt'))}` },
    { signal: 'mail-read' },
    { hang: true }
  ]
  pc = await call<Polecat>('sling', { bead: bead.id, rig: 'sample', agentCmd: fakeAgentCmd(cues, script) })
  await waitForFile(join(cues, 'committed'))
  mergeRequest = (await call<{ mergeRequests: { id: string }[] }>('beads.show', { id: bead.id })).mergeRequests[0].id
}

const mailRow = (id: string) => t.core.db.prepare('SELECT * FROM mail WHERE id = ?').get(id) as { sender: string; recipient: string; subject: string; body: string; delivered_at: string | null }

test('a comment on a merge request line is stored, mailed to the polecat with the lines around it, listed for the branch, and holds the request', async () => {
  await ready()
  const c = await call<ReviewComment>('review.comment', { mergeRequest, path: 'app.ts', line: 10, side: 'new', body: 'Why 100? Keep it at 10 and add a test.' })
  const head = sh(t.repo, 'git', ['rev-parse', pc.branch!]).trim()
  assert.deepEqual(
    { target: c.target, rig: c.rig, branch: c.branch, polecatId: c.polecatId, path: c.path, line: c.line, side: c.side, section: c.section, headSha: c.headSha, createdBy: c.createdBy },
    { target: { kind: 'merge-request', id: mergeRequest }, rig: 'sample', branch: pc.branch, polecatId: pc.id, path: 'app.ts', line: 10, side: 'new', section: 'committed', headSha: head, createdBy: 'human' }
  )
  assert.ok(c.mailId)
  const mail = mailRow(c.mailId)
  assert.deepEqual([mail.sender, mail.recipient, mail.subject], ['human', pc.id, 'REVIEW'])
  assert.match(mail.body, new RegExp(`^Review comment on app\\.ts on ${pc.branch!.replace(/\//g, '\\/')} at ${head.slice(0, 12)}, line 10:\\n`))
  // The commented line marked, three lines either side, numbered.
  assert.match(mail.body, /\n {2} 7 \| export const v7 = 7\n(.*\n){2}> 10 \| export const v10 = 100\n(.*\n){2} {2}13 \| export const v13 = 13\n\nWhy 100\? Keep it at 10 and add a test\.\n/)
  assert.match(mail.body, new RegExp(`The merge request ${mergeRequest} waits for you: change the code as asked, commit, and run gt done again\\.$`))

  // One list for the branch, whichever target it is read through.
  const viaPolecat = await call<ReviewComment[]>('review.list', { polecat: pc.id })
  const viaMr = await call<ReviewComment[]>('review.list', { mergeRequest })
  assert.deepEqual(viaPolecat.map((x) => x.id), [c.id])
  assert.deepEqual(viaMr, viaPolecat)
  assert.deepEqual(await call<ReviewComment[]>('review.list', { polecat: pc.id, path: 'other.ts' }), [])

  const events = await call<LedgerEvent[]>('ledger.list', { subject: mergeRequest })
  const held = events.filter((e) => e.kind === 'review.changes-requested')
  assert.deepEqual(held.map((e) => e.data), [{ comment: c.id }], 'the merge request waits for a new gt done')
  assert.ok((await call<LedgerEvent[]>('ledger.list', { subject: pc.id })).some((e) => e.kind === 'review.commented' && (e.data as { id: string }).id === c.id))

  // The agent reads it with its own token.
  sh(cues, 'touch', [join(cues, 'commented')])
  await waitForFile(join(cues, 'mail-read'))
  const read = await waitForFile(join(cues, 'mail.txt'))
  assert.match(read, /From human .*: REVIEW\nReview comment on app\.ts/)
  assert.match(read, /> 10 \| export const v10 = 100/)
  assert.match(read, /Why 100\? Keep it at 10 and add a test\./)
  const after = await eventually(async () => (await call<ReviewComment[]>('review.list', { polecat: pc.id }))[0].mailDeliveredAt, 'the mail marked delivered')
  assert.ok(after)
})

test("a comment on the polecat's diff holds its open merge request too; the old side quotes the base", async () => {
  await ready()
  const c = await call<ReviewComment>('review.comment', { polecat: pc.id, path: 'gone.txt', line: 1, side: 'old', body: 'Do not delete this' })
  assert.equal(c.target.kind, 'polecat')
  const body = mailRow(c.mailId!).body
  assert.match(body, /^Review comment on gone\.txt on .* \(the old side: origin\/main at [0-9a-f]{12}\), line 1:\n\n> 1 \| bye\n/)
  const held = (await call<LedgerEvent[]>('ledger.list', { subject: mergeRequest })).filter((e) => e.kind === 'review.changes-requested')
  assert.ok(held.some((e) => (e.data as { comment: string }).comment === c.id), 'the open merge request of the branch waits too')
  assert.equal((await call<ReviewComment[]>('review.list', { mergeRequest })).length, 2)
})

test('lines that are not there, sides a file does not have, binaries and empty comments are refused', async () => {
  await ready()
  const refused = async (params: Record<string, unknown>, code: string, pattern: RegExp) => {
    const before = (t.core.db.prepare('SELECT count(*) AS n FROM review_comments').get() as { n: number }).n
    await assert.rejects(call('review.comment', { mergeRequest, side: 'new', body: 'x', ...params }), (err: { code?: string; message: string }) => {
      assert.equal(err.code, code, err.message)
      assert.match(err.message, pattern)
      return true
    })
    assert.equal((t.core.db.prepare('SELECT count(*) AS n FROM review_comments').get() as { n: number }).n, before, 'nothing stored')
  }
  await refused({ path: 'app.ts', line: 21 }, 'invalid_params', /^line: app\.ts has 20 lines on its new side; line 21 is past its end$/)
  await refused({ path: 'app.ts', line: 0 }, 'invalid_params', /line numbers start at 1/)
  await refused({ path: 'app.ts', line: 1.5 }, 'invalid_params', /line/)
  await refused({ path: 'gone.txt', line: 1 }, 'invalid_params', /gone\.txt was deleted, so it has no new side; comment on the old side/)
  await refused({ path: 'blob.bin', line: 1 }, 'invalid_params', /blob\.bin is a binary file: it has no lines to comment on/)
  await refused({ path: 'app.ts', line: 1, body: '   ' }, 'invalid_params', /a review comment is empty/)
  await refused({ path: 'app.ts', line: 1, body: 'ok\x1b[2J' }, 'invalid_params', /a review comment may hold line breaks and tabs but no other control character/)
  await refused({ path: 'app.ts', line: 1, side: 'both' }, 'invalid_params', /side/)
  await refused({ path: 'nope.ts', line: 1 }, 'not_found', /"nope\.ts" is not among the committed changes/)
  await refused({ path: 'app.ts', line: 1, polecat: pc.id }, 'invalid_params', /give exactly one of polecat/)
})

test("a file's lines reach the agent's terminal inert: the quote in the mail escapes control characters", async () => {
  await ready()
  const c = await call<ReviewComment>('review.comment', { polecat: pc.id, path: EVIL, line: 1, side: 'new', body: 'What is this file?' })
  const body = mailRow(c.mailId!).body
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(body), `no raw control character in ${JSON.stringify(body)}`)
  assert.match(body, /^Review comment on evil\\x08\.txt on /)
  assert.match(body, /> 1 \| clear here\\x07\n/)
})

test('gt diff, gt review comment and gt review list print file names, patches and comments inert', async () => {
  await ready()
  const env = { GT_TOWN: t.town }
  const stat = await runGt(['diff', pc.id, '--stat'], env)
  assert.equal(stat.code, 0, stat.stderr)
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(stat.stdout), `raw control characters in ${JSON.stringify(stat.stdout)}`)
  assert.match(stat.stdout, new RegExp(`^polecat ${pc.id} · branch ${pc.branch!.replace(/\//g, '\\/')}\\nbase origin/main at [0-9a-f]{12} \\(where the branch left it\\) → head ${pc.branch!.replace(/\//g, '\\/')} at [0-9a-f]{12}\\n`))
  assert.match(stat.stdout, /\n M {2}app\.ts +\+1 −1\n/)
  assert.match(stat.stdout, /\n D {2}gone\.txt +−1\n/)
  assert.match(stat.stdout, /\n A {2}blob\.bin +binary\n/)
  assert.match(stat.stdout, /\n A {2}evil\\x08\.txt +\+1\n/)
  assert.match(stat.stdout, /\n4 files changed, \+2 −2\n/)
  assert.doesNotMatch(stat.stdout, /diff --git/, '--stat prints no patch')

  const full = await runGt(['diff', mergeRequest], env)
  assert.equal(full.code, 0, full.stderr)
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(full.stdout), 'no raw control character in the patches')
  assert.match(full.stdout, /\n-export const v10 = 10\n\+export const v10 = 100\n/)
  assert.match(full.stdout, /\+clear here\\x07\n/)

  const json = await runGt(['diff', pc.id, '--stat', '--json'], env)
  const d = JSON.parse(json.stdout) as BranchDiff
  assert.deepEqual(d, await call<BranchDiff>('diff.get', { polecat: pc.id }))

  const made = await runGt(['review', 'comment', mergeRequest, 'app.ts:3', 'Rename', 'v3'], env)
  assert.equal(made.code, 0, made.stderr)
  assert.match(made.stdout, new RegExp(`^Commented on app\\.ts:3 \\(rc-[0-9a-z]+\\)\\. ${pc.id} gets it as mail \\(REVIEW\\) at its prompt\\. Merge request ${mergeRequest} waits for a new gt done\\.\\n$`))
  const list = await runGt(['review', 'list', pc.id], env)
  assert.match(list.stdout, /app\.ts:3 \(new\) at [0-9a-f]{12} · .* · mail waiting for the agent\n {4}Rename v3/)
  assert.match(list.stdout, /evil\\x08\.txt:1 \(new\)/)
  const bad = await runGt(['review', 'comment', pc.id, 'app.ts', 'x'], env)
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /give the line as FILE:LINE \(e\.g\. src\/app\.ts:42\), not "app\.ts"/)
  const old = await runGt(['review', 'comment', pc.id, 'gone.txt:1', 'keep', '--old', '--json'], env)
  assert.equal((JSON.parse(old.stdout) as ReviewComment).side, 'old')
})
