// What the witness does with a molecule: its [escalation] thresholds override the rig's for its beads (the
// same failing tests are P1 under the rig's rules and P0 under the molecule's; deacon_notify too), and
// running over its timeout while the bead is open raises a molecule_timeout incident, once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import type { CheckRun, InboxItem, MoleculeInstance, Polecat } from '../../src/shared/domain'
import { GT_SCRIPT, eventually, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { human } from '../support/town'

const CHECKS = { build: 'true', test: 'test ! -e FAILING_TESTS || { echo "not ok 1 - adds numbers"; exit 1; }', retry_backoff_s: '0', max_retries: '1' }
const molecule = (name: string, escalation: string, timeout = '') => `[molecule]\nname = "${name}"\n${timeout ? `timeout = "${timeout}"\n` : ''}\n[escalation]\n${escalation}\n\n[[steps]]\nid = "work"\ntitle = "Work"\n`

async function withTown(fn: (core: Core, town: string, repo: string) => Promise<void>): Promise<void> {
  requireBuild()
  gitIdentityEnv()
  const town = tempDir('town')
  const repo = makeRepo()
  let core: Core | null = null
  try {
    core = await createCore({ town, gtScript: GT_SCRIPT })
    mkdirSync(join(town, 'molecules'))
    await fn(core, town, repo)
  } finally {
    await core?.close()
    removeDir(town)
    removeDir(repo)
  }
}

test("a molecule's escalation thresholds override the rig's for its beads: the same failing tests are P1 without it, P0 with it", async () => {
  await withTown(async (core, town, repo) => {
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    for (const [key, value] of Object.entries(CHECKS)) await core.dispatch('rigs.configure', { rig: 'app', key, value }, human)
    writeFileSync(join(town, 'molecules', 'strict.toml'), molecule('strict', 'p0_threshold = "compilation_failure or test_failure"'))
    writeFileSync(join(town, 'molecules', 'quiet.toml'), molecule('quiet', 'p0_threshold = "test_failure"\ndeacon_notify = false'))
    const cues = tempDir('cues')
    try {
      const failTests = (n: string) => [{ write: { path: 'FAILING_TESTS', content: 'x' } }, { run: `gt checkpoint '{"step":"${n}"}'` }, { hang: true }]
      const runOf = (pc: Polecat) => eventually(() => core.checks.list({ polecat: pc.id }).find((r) => !['queued', 'running'].includes(r.status)), `the check run of ${pc.id}`, 60_000) as Promise<CheckRun>
      const sling = async (title: string, mol: string | null) => {
        const bead = (await core.dispatch('beads.create', { title, rig: 'app' }, human)) as { id: string }
        if (mol) await core.dispatch('molecules.pour', { name: mol, bead: bead.id, vars: {} }, human)
        return (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(join(cues, title), failTests(title)) }, human)) as Polecat
      }

      const plain = await sling('plain', null)
      const strict = await sling('strict', 'strict')
      const quiet = await sling('quiet', 'quiet')
      const [plainRun, strictRun, quietRun] = await Promise.all([runOf(plain), runOf(strict), runOf(quiet)])
      assert.equal(plainRun.severity, 'P1', "the rig's rules (the defaults): failing tests are P1")
      assert.equal(strictRun.severity, 'P0', "the molecule's p0_threshold wins")
      assert.equal(quietRun.severity, 'P0')

      // P0 with deacon_notify (the rig's) goes straight to the inbox; the quiet molecule turned it off, so
      // its P0 goes to the Dogs first, like a P1.
      const item = (await eventually(() => core.inbox.list().find((i) => i.polecatId === strict.id && i.incident === 'check_failed'), 'the strict P0 in the inbox')) as InboxItem
      assert.equal(item.severity, 'P0')
      assert.equal(item.attempts, 0, 'no retry first: straight to the human')
      const checkEvent = core.ledger.list({ subject: strict.beadId! }).find((e) => e.kind === 'check.finished')!
      assert.match(JSON.stringify(checkEvent.data), /"severity":"P0"/)
      await eventually(() => core.ledger.list({ subject: quiet.beadId! }).some((e) => e.kind === 'dogs.nudged'), 'the Dogs nudging the quiet molecule’s agent')
      assert.equal(core.inbox.list().filter((i) => i.polecatId === quiet.id).length, 0, 'the quiet P0 did not go to the inbox')
      const rules = (core.checks.get(strictRun.id).reasons ?? []).join('\n')
      assert.match(rules, /tests failed/)
      for (const pc of [plain, strict, quiet]) await core.polecats.stopAndWait(pc.id, 'test')
    } finally {
      removeDir(cues)
    }
  })
})

test("a molecule's escalation reasons name the molecule and the line that set them", async () => {
  await withTown(async (core, town) => {
    writeFileSync(join(town, 'molecules', 'strict.toml'), molecule('strict', 'p1_threshold = "warnings > 3"'))
    const bead = (await core.dispatch('beads.create', { title: 'x' }, human)) as { id: string }
    const m = (await core.dispatch('molecules.pour', { name: 'strict', bead: bead.id, vars: {} }, human)) as MoleculeInstance
    const layer = core.molecules.escalationOf(m.steps[0]!.beadId)
    assert.equal(layer?.p1?.text, 'warnings > 3', 'a step bead has its molecule’s rules')
    assert.equal(layer?.p1?.origin, `molecule strict, ${join(town, 'molecules', 'strict.toml')}:5`)
    assert.equal(layer?.p0, undefined, 'what the molecule does not set stays the rig’s')
    assert.equal(core.molecules.escalationOf((await core.dispatch('beads.create', { title: 'no molecule' }, human) as { id: string }).id), null)
  })
})

test('running over the timeout while the bead is open raises one molecule_timeout incident, about the polecat that holds the bead; a closed bead none', async () => {
  await withTown(async (core, town, repo) => {
    writeFileSync(join(town, 'molecules', 'quick.toml'), molecule('quick', 'deacon_notify = true', '1m'))
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const cues = tempDir('cues')
    try {
      const bead = (await core.dispatch('beads.create', { title: 'Slow work', rig: 'app' }, human)) as { id: string }
      const m = (await core.dispatch('molecules.pour', { name: 'quick', bead: bead.id, vars: {} }, human)) as MoleculeInstance
      const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ hang: true }]) }, human)) as Polecat
      const closed = (await core.dispatch('beads.create', { title: 'Done in time', rig: 'app' }, human)) as { id: string }
      await core.dispatch('molecules.pour', { name: 'quick', bead: closed.id, vars: {} }, human)
      await core.dispatch('beads.close', { id: closed.id }, human)

      assert.deepEqual(core.moleculeTimeouts.check(Date.now() + 50_000), [], 'not over yet')
      const raised = core.moleculeTimeouts.check(Date.now() + 61_000)
      assert.equal(raised.length, 1, 'only the open bead')
      const item = core.inbox.list().find((i) => i.incident === 'molecule_timeout')!
      assert.ok(item, 'an inbox item')
      assert.equal(item.severity, 'P1')
      assert.equal(item.kind, 'alarm')
      assert.equal(item.beadId, bead.id)
      assert.equal(item.polecatId, pc.id, 'about the polecat that holds the bead')
      assert.match(item.title, new RegExp(`${bead.id} ran over its molecule quick's timeout of 1m \\(by \\d+s\\)`))
      assert.match(item.body, /0 of 1 steps are done; the current step is "work" \(Work\)/)
      assert.ok(core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'witness.molecule_timeout'), 'reported through the witness')
      assert.deepEqual(core.moleculeTimeouts.check(Date.now() + 3_600_000), [], 'raised once per molecule')
      assert.equal(core.inbox.list().filter((i) => i.incident === 'molecule_timeout').length, 1)
      assert.ok(m.deadline)
      await core.polecats.stopAndWait(pc.id, 'test')
    } finally {
      removeDir(cues)
    }
  })
})

test('a molecule that ran over while the control room was closed is raised when it starts', async () => {
  requireBuild()
  const town = tempDir('town')
  let core: Core | null = null
  try {
    core = await createCore({ town, gtScript: GT_SCRIPT })
    mkdirSync(join(town, 'molecules'))
    writeFileSync(join(town, 'molecules', 'quick.toml'), molecule('quick', 'deacon_notify = true', '1m'))
    const bead = (await core.dispatch('beads.create', { title: 'Left running' }, human)) as { id: string }
    const m = (await core.dispatch('molecules.pour', { name: 'quick', bead: bead.id, vars: {} }, human)) as MoleculeInstance
    await core.close()
    core = null
    // Two minutes pass while the app is closed (written into the ledger's copy of the pour time).
    const { openDatabase } = await import('../../src/main/core/store/db')
    const db = openDatabase(join(town, 'town.db'))
    db.prepare('UPDATE molecules SET poured_at = ? WHERE id = ?').run(new Date(Date.now() - 120_000).toISOString(), m.id)
    db.close()
    core = await createCore({ town, gtScript: GT_SCRIPT })
    const item = core.inbox.list().find((i) => i.incident === 'molecule_timeout')
    assert.ok(item, 'raised at start, before the first minute tick')
    assert.equal(item.beadId, bead.id)
    assert.equal(item.polecatId, null, 'no polecat holds it')
  } finally {
    await core?.close()
    removeDir(town)
  }
})
