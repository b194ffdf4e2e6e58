// Pouring a molecule on a bead, through the running core and the real gt: its steps become child beads
// (parent-child to the bead, blocks between steps by needs, so `ready` follows the needs), in one
// transaction with their ledger events, and the pour's settings are stored with it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Bead, MoleculeDetail, MoleculeEntry, MoleculeInstance } from '../../src/shared/domain'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'

const t = useTestTown()
let rigAdded = false

async function rig(): Promise<string> {
  if (!rigAdded) await t.core.dispatch('rigs.add', { name: 'sample', source: t.repo }, human)
  rigAdded = true
  return 'sample'
}
const bead = async (title: string, extra: Record<string, unknown> = {}) => (await t.core.dispatch('beads.create', { title, ...extra }, human)) as Bead
const pour = (name: string, beadId: string, vars: Record<string, string> = {}) => t.core.dispatch('molecules.pour', { name, bead: beadId, vars }, human) as Promise<MoleculeInstance>
const ready = async (r: string) => ((await t.core.dispatch('beads.ready', { rig: r }, human)) as Bead[]).map((b) => b.id)
const gt = (args: string[]) => runGt(args, { GT_TOWN: t.town })

test('pouring the shipped feature template makes its steps child beads whose blocks follow the needs', async () => {
  const r = await rig()
  const parent = await bead('Login form', { rig: r, priority: 1 })
  const m = await pour('feature', parent.id, { feature: 'the login form' })
  assert.equal(m.name, 'feature')
  assert.equal(m.origin, 'shipped')
  assert.match(m.sourceFile, /resources\/molecules\/feature\.toml$/)
  assert.deepEqual(m.steps.map((s) => s.id), ['understand', 'design', 'tests', 'implement', 'verify', 'submit'])
  assert.deepEqual(m.vars, { bead: parent.id, bead_title: 'Login form', rig: r, feature: 'the login form' })
  assert.deepEqual(m.timeout, { text: '4h', seconds: 14_400 })
  assert.equal(Date.parse(m.deadline!) - Date.parse(m.pouredAt), 14_400_000)
  assert.deepEqual(m.convoy, { mode: 'mountain', bundleSize: 1 }, 'stored for the convoy work')
  assert.deepEqual(m.escalation, { p0_threshold: 'compilation_failure', p1_threshold: 'test_failure or coverage_drop > 2%', deacon_notify: true })
  assert.equal(m.current, 'understand')
  assert.equal(m.done, 0)

  const beadOf = Object.fromEntries(m.steps.map((s) => [s.id, s.beadId]))
  for (const s of m.steps) {
    const b = (await t.core.dispatch('beads.show', { id: s.beadId }, human)) as { bead: Bead }
    assert.equal(b.bead.rig, r)
    assert.equal(b.bead.priority, 1, "a step has its bead's priority")
    assert.deepEqual(b.bead.labels, ['molecule-step'])
    const want = [{ type: 'parent-child', target: parent.id }, ...s.needs.map((n) => ({ type: 'blocks', target: beadOf[n] }))]
    assert.deepEqual([...b.bead.deps].sort((a, c) => a.type.localeCompare(c.type)), want.sort((a, c) => a.type.localeCompare(c.type)), s.id)
  }
  assert.equal(m.steps[0]!.title, 'Understand what the login form must do', 'variables are filled in')
  assert.match(m.steps[0]!.description, new RegExp(`Read the bead \\(${parent.id}: Login form\\)`), "the control room's own variables too")

  // `ready` follows the needs: one step at a time, as each is closed.
  const steps = m.steps.map((s) => s.beadId)
  assert.deepEqual((await ready(r)).filter((id) => steps.includes(id)), [beadOf.understand])
  await t.core.dispatch('beads.close', { id: beadOf.understand!, reason: 'understood' }, human)
  assert.deepEqual((await ready(r)).filter((id) => steps.includes(id)), [beadOf.design])

  const poured = t.core.ledger.list({ subject: parent.id }).filter((e) => e.kind === 'molecule.poured')
  assert.equal(poured.length, 1)
  assert.deepEqual((poured[0]!.data as { steps: { id: string; bead: string }[] }).steps.map((s) => s.bead), steps)
  for (const id of steps) assert.ok(t.core.ledger.list({ subject: id }).some((e) => e.kind === 'bead.created'), `bead.created for ${id}`)
  assert.equal(t.core.molecules.forBead(beadOf.tests!)?.id, m.id, 'a step bead belongs to its molecule')
})

test('a pour is one transaction: a failure at the fourth step leaves no molecule, no step bead and no ledger event', async () => {
  const r = await rig()
  const parent = await bead('Rolled back', { rig: r })
  const beadsBefore = (t.core.db.prepare('SELECT count(*) AS n FROM beads').get() as { n: number }).n
  const lastEvent = t.core.ledger.list({ limit: 1 })[0]!.id
  t.core.db.exec("CREATE TEMP TRIGGER fail_fourth_step BEFORE INSERT ON molecule_steps WHEN NEW.position = 3 BEGIN SELECT RAISE(ABORT, 'disk trouble at the fourth step'); END")
  try {
    await assert.rejects(pour('feature', parent.id, { feature: 'x' }), /disk trouble at the fourth step/)
  } finally {
    t.core.db.exec('DROP TRIGGER fail_fourth_step')
  }
  assert.equal((t.core.db.prepare('SELECT count(*) AS n FROM beads').get() as { n: number }).n, beadsBefore)
  assert.equal(t.core.molecules.forBead(parent.id), null)
  assert.deepEqual(t.core.ledger.list({ afterId: lastEvent }), [])
  // Nothing half-made is in the way of pouring again.
  assert.equal((await pour('feature', parent.id, { feature: 'x' })).steps.length, 6)
})

test('refused: a missing required variable, an unknown one, a value that breaks a title, a closed bead, a second pour, a step bead', async () => {
  const r = await rig()
  const parent = await bead('Refusals', { rig: r })
  await assert.rejects(pour('feature', parent.id), /feature needs the variable "feature" \(The feature, in a few words \(it goes into the step titles\)\): give it with --var feature=VALUE/)
  await assert.rejects(pour('feature', parent.id, { feature: 'x', colour: 'red' }), /feature has no variable "colour" \(its variables are: feature\)/)
  await assert.rejects(pour('feature', parent.id, { feature: 'two\nlines' }), /step "understand" of feature, with the variables filled in: a bead title is one line of plain text/)
  await assert.rejects(pour('nonesuch', parent.id), /no molecule template "nonesuch" for rig sample: the templates are bugfix, feature, refactor/)
  assert.equal(t.core.molecules.forBead(parent.id), null, 'nothing was poured by the refusals')
  const m = await pour('bugfix', parent.id)
  await assert.rejects(pour('bugfix', parent.id), /already has the molecule bugfix poured on it/)
  await assert.rejects(pour('feature', m.steps[0]!.beadId, { feature: 'x' }), new RegExp(`is a step of the molecule bugfix on ${parent.id}`))
  const closed = await bead('Closed already', { rig: r })
  await t.core.dispatch('beads.close', { id: closed.id }, human)
  await assert.rejects(pour('bugfix', closed.id), /is closed: pour the molecule on open work/)
})

test("a rig's own template wins for its beads; a Gas Town formula in the town pours with its defaults", async () => {
  const r = await rig()
  const rigDir = join(t.town, 'rigs', r, 'molecules')
  mkdirSync(rigDir, { recursive: true })
  writeFileSync(join(rigDir, 'feature.toml'), '[molecule]\nname = "feature"\n[[steps]]\nid = "just-do-it"\ntitle = "Do it"\n')
  const inRig = await pour('feature', (await bead('In the rig', { rig: r })).id)
  assert.equal(inRig.origin, 'rig')
  assert.deepEqual(inRig.steps.map((s) => s.id), ['just-do-it'])
  const noRig = await pour('feature', (await bead('Of no rig')).id, { feature: 'y' })
  assert.equal(noRig.origin, 'shipped')

  mkdirSync(join(t.town, 'molecules'), { recursive: true })
  writeFileSync(
    join(t.town, 'molecules', 'ship.formula.toml'),
    'formula = "ship"\nversion = 2\n\n[vars.base_branch]\ndefault = "main"\n\n[[steps]]\nid = "rebase"\ntitle = "Rebase on {{base_branch}}"\n\n[[steps]]\nid = "push"\ntitle = "Push"\nneeds = ["rebase"]\nacceptance = "origin has it"\n'
  )
  const f = await pour('ship', (await bead('Ship it', { rig: r })).id)
  assert.equal(f.origin, 'town')
  assert.equal(f.steps[0]!.title, 'Rebase on main')
  assert.equal(f.steps[1]!.acceptance, 'origin has it')
  assert.equal(f.current, 'rebase')
})

test('gt mol list, show and pour', async () => {
  const r = await rig()
  writeFileSync(join(t.town, 'molecules', 'broken.toml'), '[molecule]\nname = "broken"\n[[steps]]\nid = "a"\ntitle = "A"\nneeds = ["b"]\n')
  const list = await gt(['mol', 'list', '--rig', r])
  assert.equal(list.code, 0, list.stderr)
  assert.match(list.stdout, /^NAME\s+FROM\s+STEPS\s+DESCRIPTION/)
  assert.match(list.stdout, /\nbugfix\s+shipped\s+6\s+Fix /)
  assert.match(list.stdout, /\nfeature\s+rig sample\s+1\s/)
  assert.match(list.stdout, /\nfeature\s+shipped \(overridden by rig sample\)\s+6\s/)
  assert.match(list.stdout, /\nbroken\s+town\s+-\s+BROKEN: .*broken\.toml:6: steps\[0\]\.needs: no step 'b' \(steps are: a\)/)
  const json = JSON.parse((await gt(['mol', 'list', '--json'])).stdout) as MoleculeEntry[]
  assert.ok(json.some((e) => e.name === 'ship' && e.origin === 'town' && e.error === null))

  const show = await gt(['mol', 'show', 'refactor'])
  assert.equal(show.code, 0, show.stderr)
  assert.match(show.stdout, /^refactor {2}from shipped: .*refactor\.toml/)
  assert.match(show.stdout, /timeout 6h · convoy gated, bundle_size 3/)
  assert.match(show.stdout, /goal \(required\) — What the code should look like afterwards/)
  assert.match(show.stdout, /\n {2}2\. pin-behaviour — Pin the behaviour with tests {2}\(needs baseline\)\n {5}done when: Every behaviour/)
  const detail = JSON.parse((await gt(['mol', 'show', 'feature', '--rig', r, '--json'])).stdout) as MoleculeDetail
  assert.equal(detail.origin, 'rig')

  const b = await bead('Tidy the auth code', { rig: r })
  const poured = await gt(['mol', 'pour', 'refactor', b.id, '--var', 'goal=auth checks in one middleware'])
  assert.equal(poured.code, 0, poured.stderr)
  assert.match(poured.stdout, new RegExp(`^Poured refactor on ${b.id}: 6 steps, timeout 6h \\(until `))
  assert.match(poured.stdout, /\n {2}2\. gt-\w+ {2}pin-behaviour — Pin the behaviour with tests {2}\(after baseline\)/)
  const missing = await gt(['mol', 'pour', 'refactor', (await bead('Another', { rig: r })).id])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /refactor needs the variable "goal"/)
  const usage = await gt(['mol', 'pour', 'refactor', b.id, '--var', 'goal'])
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /--var takes KEY=VALUE/)
})
