// Builds and tests classified by the rig's escalation rules: the fake agent breaks the build (P0, straight to
// the inbox with the failing output), fails the tests (P1: the Dogs nudge it first), drops the coverage below
// the base branch's (P1); a check the base branch fails too is one item for every polecat; a green check
// clears the count. The checks run in the background, never holding the agent.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CheckRun, InboxItem, Polecat } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, makeRepo, removeDir, sh, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'

const t = useTestTown()
let n = 0

// The checks read marker files the fake agent writes, and a coverage line from coverage.txt.
const CHECKS = { build: 'test ! -e BROKEN_BUILD || { echo "error: src/app.ts(3,1): cannot compile" >&2; exit 2; }', test: 'test ! -e FAILING_TESTS || { echo "not ok 1 - adds numbers"; exit 1; }', coverage: 'cat coverage.txt' }

async function rig(repo: string, settings: Record<string, string> = {}): Promise<string> {
  const name = `c${++n}`
  await t.core.dispatch('rigs.add', { name, source: repo }, human)
  for (const [key, value] of Object.entries({ ...CHECKS, retry_backoff_s: '0', max_retries: '1', ...settings })) await t.core.dispatch('rigs.configure', { rig: name, key, value }, human)
  return name
}

function repoWithCoverage(percent: number): string {
  const repo = makeRepo()
  writeFileSync(join(repo, 'coverage.txt'), `coverage: ${percent}%\n`)
  sh(repo, 'git', ['add', '-A'])
  sh(repo, 'git', ['commit', '-q', '-m', 'coverage figure'])
  return repo
}

const checkpoint = { run: 'gt checkpoint \'{"step":"checks"}\'' }
const runsOf = (polecatId: string) => t.core.checks.list({ polecat: polecatId })
const finished = (polecatId: string, count = 1) => eventually(() => (runsOf(polecatId).filter((r) => !['queued', 'running'].includes(r.status)).length >= count ? runsOf(polecatId) : null), `${count} finished check run(s) of ${polecatId}`, 60_000)

test('a broken build is a P0 with the compiler output, in the inbox at once; a checkpoint is not held by the check', async () => {
  const repo = repoWithCoverage(80)
  const cues = tempDir('cues')
  try {
    const r = await rig(repo)
    const bead = (await t.core.dispatch('beads.create', { title: 'Break it', rig: r }, human)) as { id: string }
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: r, agentCmd: fakeAgentCmd(cues, [{ write: { path: 'BROKEN_BUILD', content: 'x' } }, checkpoint, { signal: 'checkpointed' }, { hang: true }]) }, human)) as Polecat
    await waitForFile(join(cues, 'checkpointed'))
    const [run] = await finished(pc.id)
    assert.equal(run.status, 'failed')
    assert.equal(run.severity, 'P0')
    assert.equal(run.trigger, 'checkpoint')
    const item = await eventually(() => t.core.inbox.list().find((i) => i.polecatId === pc.id && i.incident === 'check_failed'), 'the P0 item')
    assert.equal(item.severity, 'P0')
    // The compiler's own line, not just the command that prints it (a short output is all head, no tail).
    assert.match(item.excerpt ?? '', /^error: src\/app\.ts\(3,1\): cannot compile$/m)
    assert.equal(t.core.ledger.list({ subject: bead.id }).filter((e) => e.kind === 'dogs.nudged').length, 0, 'a P0 goes to the human, not the Dogs')
    assert.equal(t.core.polecats.get(pc.id).health.lastCheck?.severity, 'P0')
    // The same from the command line.
    const shown = await runGt(['check', 'show', run.id, '--town', t.town], {})
    assert.match(shown.stdout, /\[build\] .* → failed \(exit 2\)/)
  } finally {
    removeDir(cues)
    removeDir(repo)
  }
})

test('failing tests are a P1: the Dogs nudge the agent, then it reaches the inbox; green again clears the count', async () => {
  const repo = repoWithCoverage(80)
  const cues = tempDir('cues')
  try {
    const r = await rig(repo)
    const bead = (await t.core.dispatch('beads.create', { title: 'Fail tests', rig: r }, human)) as { id: string }
    const script = [{ write: { path: 'FAILING_TESTS', content: 'x' } }, checkpoint, { waitFor: 'again' }, checkpoint, { waitFor: 'fix' }, { run: 'rm FAILING_TESTS' }, checkpoint, { hang: true }]
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: r, agentCmd: fakeAgentCmd(cues, script) }, human)) as Polecat
    const [first] = await finished(pc.id)
    assert.equal(first.severity, 'P1')
    assert.deepEqual(first.reasons.slice(0, 1).map((x) => /test/.test(x)), [true])
    await eventually(() => t.core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'dogs.nudged'), 'the Dogs to nudge it')
    const [mail] = t.core.db.prepare("SELECT body FROM mail WHERE recipient = ? AND sender = 'witness'").all(pc.id) as { body: string }[]
    assert.match(mail.body, /ran the rig's checks on your worktree.*not ok 1 - adds numbers/s)
    writeFileSync(join(cues, 'again'), '')
    await finished(pc.id, 2)
    const item = await eventually(() => t.core.inbox.list().find((i) => i.polecatId === pc.id && i.incident === 'check_failed'), 'the item after the retry')
    assert.match(item.title, /the Dogs tried 1 time/)
    assert.equal(t.core.polecats.get(pc.id).health.retries, 1)
    writeFileSync(join(cues, 'fix'), '')
    const runs = await finished(pc.id, 3)
    assert.equal(runs[0].status, 'passed')
    await eventually(() => t.core.polecats.get(pc.id).health.retries === 0, 'the count to clear')
  } finally {
    removeDir(cues)
    removeDir(repo)
  }
})

test('coverage falling more than 5 points below the base branch is a P1 that names both figures', async () => {
  const repo = repoWithCoverage(80)
  const cues = tempDir('cues')
  try {
    const r = await rig(repo, { max_retries: '0' })
    const bead = (await t.core.dispatch('beads.create', { title: 'Drop coverage', rig: r }, human)) as { id: string }
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: r, agentCmd: fakeAgentCmd(cues, [{ write: { path: 'coverage.txt', content: 'coverage: 71.5%\n' } }, checkpoint, { hang: true }]) }, human)) as Polecat
    const [run] = await finished(pc.id)
    assert.equal(run.severity, 'P1')
    assert.equal(run.coverage, 71.5)
    assert.ok(run.reasons.some((x) => /71\.5%.*8\.5 points below.*80%/.test(x)), run.reasons.join(' | '))
  } finally {
    removeDir(cues)
    removeDir(repo)
  }
})

test('a check the base branch fails too is one inbox item for all the polecats, not one each', async () => {
  const repo = repoWithCoverage(80)
  const cues = tempDir('cues')
  try {
    writeFileSync(join(repo, 'FAILING_TESTS'), 'on main already')
    sh(repo, 'git', ['add', '-A'])
    sh(repo, 'git', ['commit', '-q', '-m', 'main fails its tests'])
    const r = await rig(repo, { max_retries: '0' })
    const pcs: Polecat[] = []
    for (const i of [1, 2, 3]) {
      const bead = (await t.core.dispatch('beads.create', { title: `Work ${i}`, rig: r }, human)) as { id: string }
      pcs.push((await t.core.dispatch('sling', { bead: bead.id, rig: r, agentCmd: fakeAgentCmd(join(cues, String(i)), [checkpoint, { hang: true }]) }, human)) as Polecat)
    }
    for (const pc of pcs) await finished(pc.id)
    const items = await eventually(() => {
      const its = t.core.inbox.list().filter((i: InboxItem) => i.rig === r && i.incident === 'check_failed')
      return its.length === 1 && its[0].count === 3 ? its : null
    }, 'one item counted three times')
    assert.match(items[0].title, /the base branch of .* fails its test check too/)
    assert.deepEqual(new Set(items[0].affected), new Set(pcs.map((p) => p.id)))
  } finally {
    removeDir(cues)
    removeDir(repo)
  }
})

test('gt check RIG/NAME --wait runs the checks on demand and says how they went; a rig without checks says how to set them', async () => {
  const repo = repoWithCoverage(80)
  const cues = tempDir('cues')
  try {
    const r = await rig(repo)
    const bead = (await t.core.dispatch('beads.create', { title: 'On demand', rig: r }, human)) as { id: string }
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: r, agentCmd: fakeAgentCmd(cues, [{ signal: 'up' }, { hang: true }]) }, human)) as Polecat
    await waitForFile(join(cues, 'up'))
    const ok = await runGt(['check', pc.id, '--wait', '--town', t.town], {})
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    assert.match(ok.stdout, /manual · passed · coverage 80%/)
    const none = `n${++n}`
    await t.core.dispatch('rigs.add', { name: none, source: repo }, human)
    const b2 = (await t.core.dispatch('beads.create', { title: 'No checks', rig: none }, human)) as { id: string }
    const pc2 = (await t.core.dispatch('sling', { bead: b2.id, rig: none, agentCmd: fakeAgentCmd(join(cues, 'x'), [{ hang: true }]) }, human)) as Polecat
    const refused = await runGt(['check', pc2.id, '--town', t.town], {})
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /has no check commands: set them with gt rig config/)
    const list = (await t.core.dispatch('checks.list', { rig: r }, human)) as CheckRun[]
    assert.equal(list[0].trigger, 'manual')
  } finally {
    removeDir(cues)
    removeDir(repo)
  }
})
