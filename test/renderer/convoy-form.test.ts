// The board's forms, their pure parts: which beads may go into a convoy (and which may be offered again to
// one), the molecules offered, the variables asked for and enforced, the convoys.create call made, the
// multi-select's keyboard and mouse moves, and the bead history's merge and re-read rules.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Bead, ConvoyBead, ConvoyStatus, LedgerEvent, MoleculeEntry, MoleculeVar } from '../../src/shared/domain'
import {
  askedVars,
  candidateBeads,
  createParams,
  emptyPick,
  filterCandidates,
  keepCandidates,
  missingVars,
  moleculeChoices,
  moveCursor,
  selectRange,
  toggle,
  toggleAllShown,
  type NewConvoyForm
} from '../../src/renderer/src/views/convoys/convoy-form'
import { lastId, mergeEvents, touchesHistory } from '../../src/renderer/src/views/convoys/bead-history'

const bead = (id: string, p: Partial<Bead> = {}): Bead => ({
  id, title: `title of ${id}`, description: '', status: 'open', priority: 2, type: 'task', assignee: null, rig: 'web', labels: [], deps: [],
  createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:00:00Z', closedAt: null, closeReason: null, ...p
})
const member = (id: string, state: ConvoyBead['state']): ConvoyBead => ({
  id, title: id, rig: 'web', status: 'open', wave: 1, state, needs: [], waitsFor: [], detail: '', polecatId: null, mergeRequest: null,
  addedAt: '2026-12-01T10:00:00Z', dispatchedAt: null, skipped: null
})
const convoy = (id: string, state: ConvoyStatus['state'], beads: ConvoyBead[]): ConvoyStatus => ({
  id, title: id, mode: 'mountain', molecule: null, moleculeVars: {}, agent: null, agentCmd: null, state, createdAt: '', createdBy: 'human', updatedAt: '',
  landedAt: null, landedBy: null, leftOut: [], beads, waves: [beads.map((b) => b.id)], progress: { landed: 0, total: beads.length, skipped: 0 }, notLanding: [], cycle: null, approval: null
})

test('the picker offers open work with a rig that travels in no open convoy, by rig, priority, age', () => {
  const beads = [
    bead('gt-b2', { rig: 'web', priority: 1, createdAt: '2026-12-01T11:00:00Z' }),
    bead('gt-a1', { rig: 'api' }),
    bead('gt-b1', { rig: 'web', priority: 1, createdAt: '2026-12-01T09:00:00Z' }),
    bead('gt-b3', { rig: 'web', priority: 0 }),
    bead('gt-closed', { status: 'closed' }),
    bead('gt-norig', { rig: null }),
    bead('gt-mr', { type: 'merge-request' }),
    bead('gt-esc', { type: 'escalation' }),
    bead('gt-step', { labels: ['molecule-step'] }),
    bead('gt-busy'),
    bead('gt-was', { status: 'in_progress' })
  ]
  const convoys = [convoy('convoy-open', 'open', [member('gt-busy', 'working')]), convoy('convoy-done', 'landed', [member('gt-was', 'landed')])]
  assert.deepEqual(candidateBeads(beads, convoys).map((b) => b.id), ['gt-a1', 'gt-b3', 'gt-b1', 'gt-b2', 'gt-was'])
})

test('adding to a convoy offers free beads and its own stalled ones, not its moving ones', () => {
  const into = convoy('convoy-x', 'open', [member('gt-skip', 'skipped'), member('gt-held', 'held'), member('gt-stop', 'stopped'), member('gt-run', 'working'), member('gt-wait', 'waiting')])
  const beads = ['gt-skip', 'gt-held', 'gt-stop', 'gt-run', 'gt-wait', 'gt-free'].map((id) => bead(id))
  assert.deepEqual(candidateBeads(beads, [into], into).map((b) => b.id).sort(), ['gt-free', 'gt-held', 'gt-skip', 'gt-stop'])
  assert.deepEqual(candidateBeads(beads, [into]).map((b) => b.id), ['gt-free'], 'for a new convoy, all of them are taken')
})

test('the filter matches every word in id, title or labels, and the rig', () => {
  const beads = [bead('gt-1', { title: 'Fix the login bug', labels: ['auth'] }), bead('gt-2', { title: 'Login page copy', rig: 'api' }), bead('gt-3', { title: 'Other' })]
  assert.deepEqual(filterCandidates(beads, { text: 'login', rig: '' }).map((b) => b.id), ['gt-1', 'gt-2'])
  assert.deepEqual(filterCandidates(beads, { text: 'LOGIN auth', rig: '' }).map((b) => b.id), ['gt-1'])
  assert.deepEqual(filterCandidates(beads, { text: 'login', rig: 'api' }).map((b) => b.id), ['gt-2'])
  assert.deepEqual(filterCandidates(beads, { text: 'gt-3', rig: '' }).map((b) => b.id), ['gt-3'])
})

test('molecules: broken files are left out, one per name, the town-wide winner first', () => {
  const e = (name: string, p: Partial<MoleculeEntry>): MoleculeEntry => ({ name, origin: 'town', rig: null, file: `${name}.toml`, error: null, description: '', steps: 1, vars: [], warnings: [], overriddenBy: null, ...p })
  const list = moleculeChoices([
    e('feature', { origin: 'shipped', overriddenBy: 'town' }),
    e('feature', { origin: 'town', file: 'town/feature.toml' }),
    e('feature', { origin: 'rig', rig: 'web', file: 'web/feature.toml' }),
    e('broken', { error: 'broken.toml:3: steps: missing' }),
    e('bugfix', { origin: 'shipped' })
  ])
  assert.deepEqual(list.map((m) => `${m.name}:${m.file}`), ['bugfix:bugfix.toml', 'feature:town/feature.toml'])
})

const v = (name: string, p: Partial<MoleculeVar> = {}): MoleculeVar => ({ name, description: '', required: false, default: null, ...p })
const template = { name: 'feature', vars: [v('feature', { required: true }), v('area', { required: true, default: 'core' }), v('notes'), v('bead_title', { required: true })] }

test('the variables asked for leave out the built-in ones; a required one without value or default is missing', () => {
  assert.deepEqual(askedVars(template).map((x) => x.name), ['feature', 'area', 'notes'])
  assert.deepEqual(missingVars(template, {}), ['feature'], 'area has a default, bead_title the core fills')
  assert.deepEqual(missingVars(template, { feature: '   ' }), ['feature'], 'blank is no value')
  assert.deepEqual(missingVars(template, { feature: 'dark mode' }), [])
})

const form = (p: Partial<NewConvoyForm> = {}): NewConvoyForm => ({ title: 'Dark mode', molecule: 'feature', template, vars: { feature: 'dark mode' }, mode: '', runtime: 'claude', agentCmd: '', beads: ['gt-1', 'gt-2'], ...p })

test('the create call: typed variables only, mode only when chosen, a custom command over the runtime', () => {
  assert.deepEqual(createParams(form()), { params: { title: 'Dark mode', beads: ['gt-1', 'gt-2'], molecule: 'feature', vars: { feature: 'dark mode' }, agent: 'claude' } })
  assert.deepEqual(createParams(form({ mode: 'gated', agentCmd: ' my-agent --yolo ', vars: { feature: 'x', notes: '', area: 'ui' } })), {
    params: { title: 'Dark mode', beads: ['gt-1', 'gt-2'], molecule: 'feature', vars: { feature: 'x', area: 'ui' }, mode: 'gated', agentCmd: 'my-agent --yolo' }
  })
  assert.deepEqual(createParams(form({ molecule: '', template: null, vars: { feature: 'left from before' } })), { params: { title: 'Dark mode', beads: ['gt-1', 'gt-2'], agent: 'claude' } }, 'no molecule: no vars')
  assert.deepEqual(createParams(form({ runtime: '' })), { params: { title: 'Dark mode', beads: ['gt-1', 'gt-2'], molecule: 'feature', vars: { feature: 'dark mode' } } }, 'no runtime named: the town default')
})

test('the create call is held back, in words, while something is missing', () => {
  assert.deepEqual(createParams(form({ title: '  ' })), { problem: 'Give the convoy a title.' })
  assert.deepEqual(createParams(form({ beads: [] })), { problem: 'Pick at least one bead.' })
  assert.deepEqual(createParams(form({ vars: {} })), { problem: 'feature needs "feature".' })
  assert.deepEqual(createParams(form({ template: null })), { problem: 'Molecule feature is still loading.' })
  assert.deepEqual(createParams(form({ runtime: 'custom' })), { problem: 'Type the command the custom runtime runs.' })
  assert.deepEqual(createParams(form({ title: '', vars: {}, beads: [] })), { problem: 'Give the convoy a title.' }, 'the first missing field, top to bottom')
  assert.deepEqual(createParams(form({ vars: {}, beads: [] })), { problem: 'feature needs "feature".' })
})

test('the multi-select: Space and click toggle, Shift extends a range from the anchor, a picks all shown', () => {
  const shown = ['a', 'b', 'c', 'd', 'e']
  let s = toggle(emptyPick, 'b')
  assert.deepEqual(s, { cursor: 'b', anchor: 'b', selected: ['b'] })
  s = selectRange(s, shown, 'd')
  assert.deepEqual(s.selected, ['b', 'c', 'd'], 'shift+click from the anchor')
  s = toggle(s, 'c')
  assert.deepEqual(s.selected, ['b', 'd'], 'a click takes one out')
  s = moveCursor(s, shown, 1, true)
  assert.deepEqual([s.cursor, s.selected], ['d', ['b', 'd', 'c']], 'shift+down from c: c..d')
  s = moveCursor(s, shown, 5)
  assert.equal(s.cursor, 'e', 'clamped at the end')
  s = moveCursor(s, shown, -9)
  assert.equal(s.cursor, 'a', 'clamped at the start')
  assert.equal(moveCursor(emptyPick, shown, -1).cursor, 'e', 'up from nothing: the last')
  s = toggleAllShown(s, ['a', 'e'])
  assert.deepEqual(s.selected, ['b', 'd', 'c', 'a', 'e'])
  s = toggleAllShown(s, ['a', 'e'])
  assert.deepEqual(s.selected, ['b', 'd', 'c'], 'again: the shown ones out, the rest kept')
  assert.equal(keepCandidates(s, ['b', 'c', 'd']), s, 'nothing gone: the same state')
  assert.deepEqual(keepCandidates(s, ['b', 'c']).selected, ['b', 'c'], 'a bead taken elsewhere drops out')
})

test('history: events merged by id in order and capped; re-read only on events that can touch it', () => {
  const ev = (id: number): LedgerEvent => ({ id, at: '', actor: 'core', kind: 'k', subject: 'gt-1', data: null })
  const merged = mergeEvents([ev(1), ev(3)], [ev(2), ev(3), ev(5)])
  assert.deepEqual(merged.map((e) => e.id), [1, 2, 3, 5])
  assert.deepEqual(mergeEvents(merged, [ev(6)], 3).map((e) => e.id), [3, 5, 6], 'the newest kept')
  assert.equal(lastId(merged), 5)
  assert.equal(lastId([]), 0)
  assert.equal(touchesHistory({ type: 'changed', topics: ['ledger'] }, 'gt-1', null), true)
  assert.equal(touchesHistory({ type: 'changed', topics: ['rigs', 'checks'] }, 'gt-1', null), false)
  assert.equal(touchesHistory({ type: 'convoy', convoy: convoy('convoy-a', 'open', [member('gt-1', 'working')]) }, 'gt-1', null), true)
  assert.equal(touchesHistory({ type: 'convoy', convoy: convoy('convoy-a', 'open', [member('gt-2', 'working')]) }, 'gt-1', null), false)
  assert.equal(touchesHistory({ type: 'polecat', polecat: { beadId: 'gt-1' } as any }, 'gt-1', null), true)
  assert.equal(touchesHistory({ type: 'mq.entry', entry: { id: 'gt-mr', beadId: null } as any }, 'gt-1', 'gt-mr'), true)
  assert.equal(touchesHistory({ type: 'mq.entry', entry: { id: 'gt-other', beadId: 'gt-9' } as any }, 'gt-1', 'gt-mr'), false)
  assert.equal(touchesHistory({ type: 'terminal.output', polecatId: 'web/a', sessionId: 's', seq: 1, data: new Uint8Array() }, 'gt-1', null), false)
})
