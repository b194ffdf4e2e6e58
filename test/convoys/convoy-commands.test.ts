// gt convoy as a user runs it (the built binary against a real control room), and what a convoy refuses:
// beads it cannot run, a bead in two convoys, a dependency cycle (named), an agent that does not exist.
// Gated convoys here, so nothing is slung: these tests need no agent.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Bead, ConvoyStatus, InboxItem } from '../../src/shared/domain'
import { human, useTestTown } from '../support/town'
import { runGt } from '../support/run-gt'
import { eventually } from '../support/fixtures'

const t = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => t.core.dispatch(method, params, human) as Promise<T>
const gt = (args: string[]) => runGt(args, { GT_TOWN: t.town })
const bead = (title: string, rig: string | null, needs: Bead[] = []): Promise<Bead> => call<Bead>('beads.create', { title, rig, deps: needs.map((n) => ({ type: 'blocks', target: n.id })) })

let rigAdded = false
async function ensureRig(): Promise<void> {
  if (rigAdded) return
  await call('rigs.add', { name: 'app', source: t.repo })
  rigAdded = true
}

test('gt convoy create with a molecule pours it on every bead, takes its gated mode, and status shows the waves and why it is not landing', async () => {
  await ensureRig()
  const one = await bead('tidy the parser', 'app')
  const two = await bead('tidy the printer', 'app', [one])
  const r = await gt(['convoy', 'create', 'Tidy up', one.id, two.id, '--molecule', 'refactor', '--var', 'goal=small functions', '--agent-cmd', 'true', '--json'])
  assert.equal(r.code, 0, r.stderr)
  const c = JSON.parse(r.stdout) as ConvoyStatus
  assert.equal(c.mode, 'gated', "the molecule's [convoy] mode")
  assert.equal(c.molecule, 'refactor')
  assert.deepEqual(c.moleculeVars, { goal: 'small functions' })
  for (const b of [one, two]) assert.equal(t.core.molecules.forBead(b.id)?.name, 'refactor', `poured on ${b.id}`)
  assert.deepEqual(c.waves, [[one.id], [two.id]])

  const item = await eventually(async () => (await call<InboxItem[]>('inbox.list', {})).find((i) => i.convoy?.convoy === c.id), 'wave 1 offered')
  const shown = await gt(['convoy', 'status', c.id])
  assert.equal(shown.code, 0, shown.stderr)
  assert.match(shown.stdout, /wave 1:[\s\S]*wave 2:/)
  assert.match(shown.stdout, new RegExp(`wave 1 waits for your approval: gt inbox approve ${item.id}`))
  assert.match(shown.stdout, new RegExp(`waits for ${one.id} \\(open in app\\)`))
  assert.match(shown.stdout, /not landing yet: 2 beads not closed/)

  const list = await gt(['convoy', 'list'])
  assert.match(list.stdout, new RegExp(`${c.id}\\s+open\\s+gated\\s+0/2 landed`))

  const refused = await gt(['convoy', 'land', c.id])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, new RegExp(`cannot land: 2 of 2 beads are not closed.*${one.id}.*--force`))
  const forced = await gt(['convoy', 'land', c.id, '--force', '--json'])
  assert.equal(forced.code, 0, forced.stderr)
  const landed = JSON.parse(forced.stdout) as ConvoyStatus
  assert.equal(landed.state, 'landed')
  assert.deepEqual(landed.leftOut, [one.id, two.id])
  assert.equal((await call<InboxItem>('inbox.get', { id: item.id })).status, 'resolved', 'its waiting wave is closed with it')
  assert.match((await gt(['convoy', 'list'])).stdout, /no open convoys/)
  assert.match((await gt(['convoy', 'list', '--all'])).stdout, new RegExp(`${c.id}\\s+landed`))
})

test('a convoy refuses beads it cannot run, a bead already in an open convoy, an unknown agent and a dependency cycle (named)', async () => {
  await ensureRig()
  const homeless = await bead('no rig', null)
  await assert.rejects(call('convoys.create', { title: 'x', beads: [homeless.id], mode: 'gated' }), /has no rig to run in: give it one \(gt bead update .* --rig RIG\)/)
  const fine = await bead('fine', 'app')
  await assert.rejects(call('convoys.create', { title: 'x', beads: [fine.id], mode: 'gated', agent: 'nobody' }), /unknown agent runtime "nobody"/)
  await assert.rejects(call('convoys.create', { title: 'x', beads: [fine.id], agent: 'claude', agentCmd: 'sh' }), /either agent or agentCmd/)
  await assert.rejects(call('convoys.create', { title: 'x', beads: [fine.id, fine.id], mode: 'gated' }), /named twice/)
  await assert.rejects(call('convoys.create', { title: 'x', beads: [fine.id], vars: { a: 'b' } }), /vars are for a molecule/)
  await assert.rejects(call('convoys.create', { title: 'x', beads: ['gt-nothere'], mode: 'gated' }), /no bead gt-nothere/)
  await assert.rejects(call('convoys.status', { id: 'convoy-nope' }), /no convoy convoy-nope/)
  await assert.rejects(call('convoys.create', { title: 'x', beads: [fine.id], mode: 'gated', molecule: 'feature' }), /could not pour molecule feature on .*feature/, 'a required variable missing')
  assert.equal(t.core.molecules.forBead(fine.id), null, 'nothing poured by a refused convoy')

  const first = await call<ConvoyStatus>('convoys.create', { title: 'first', beads: [fine.id], mode: 'gated' })
  await assert.rejects(call('convoys.create', { title: 'second', beads: [fine.id], mode: 'gated' }), new RegExp(`in the open convoy ${first.id} already`))

  // Beads refuses a cycle when one is made; a town imported from elsewhere may hold one anyway.
  const p = await bead('p', 'app')
  const q = await bead('q', 'app', [p])
  t.core.db.prepare("INSERT INTO bead_deps (bead_id, type, target) VALUES (?, 'blocks', ?)").run(p.id, q.id)
  await assert.rejects(call('convoys.create', { title: 'loop', beads: [p.id, q.id], mode: 'gated' }), (err: Error) => err.message.includes('cycle') && err.message.includes(p.id) && err.message.includes(q.id))
  assert.equal((await call<ConvoyStatus[]>('convoys.list', { includeLanded: true })).some((c) => c.title === 'loop'), false)
  // Added to a convoy that exists, the same cycle is refused too.
  await assert.rejects(call('convoys.add', { id: first.id, beads: [p.id, q.id] }), /cycle/)
})

test('gt convoy usage errors and help', async () => {
  const help = await gt(['help'])
  assert.match(help.stdout, /gt convoy create TITLE BEAD… \[--molecule NAME/)
  assert.match(help.stdout, /gt convoy status ID/)
  const missing = await gt(['convoy', 'create', 'only a title'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /missing BEAD/)
  const bad = await gt(['convoy', 'frobnicate'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /gt convoy create\|add\|status\|land\|list/)
  const vars = await gt(['convoy', 'create', 'T', 'gt-a', '--molecule', 'x', '--var', 'novalue'])
  assert.equal(vars.code, 2)
  assert.match(vars.stderr, /--var takes KEY=VALUE/)
})
