// Template variables: given values, then the control room's own (bead, bead_title, rig), then defaults;
// required ones enforced; names the template does not declare refused; substituted in one pass.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { referencesIn, resolveValues, substitute } from '../../src/main/core/molecules/variables'
import type { MoleculeVar } from '../../src/shared/domain'

const v = (name: string, o: Partial<MoleculeVar> = {}): MoleculeVar => ({ name, description: '', required: false, default: null, ...o })
const template = { name: 'shiny', vars: [v('feature', { required: true, description: 'The feature being implemented' }), v('base_branch', { default: 'main' }), v('assignee')] }
const builtins = { bead: 'gt-abc12', bead_title: 'Login form', rig: 'web' }

test('given values win, defaults fill the rest, an optional variable without a default is empty', () => {
  assert.deepEqual(resolveValues(template, { feature: 'login' }, builtins), { ...builtins, feature: 'login', base_branch: 'main', assignee: '' })
  assert.deepEqual(resolveValues(template, { feature: 'login', base_branch: 'develop' }, builtins).base_branch, 'develop')
})

test('a required variable without a value, and a name the template does not declare, are refused with what to do', () => {
  assert.throws(() => resolveValues(template, {}, builtins), /shiny needs the variable "feature" \(The feature being implemented\): give it with --var feature=VALUE/)
  assert.throws(() => resolveValues(template, { feature: 'x', featur: 'y' }, builtins), /shiny has no variable "featur" \(its variables are: feature, base_branch, assignee\)/)
})

test("the control room's values fill a declared variable of the same name, and may be given explicitly", () => {
  const t = { name: 'work', vars: [v('bead', { required: true })] }
  assert.equal(resolveValues(t, {}, builtins).bead, 'gt-abc12', 'a required "bead" is filled by the pour')
  assert.equal(resolveValues(t, { rig: 'api' }, builtins).rig, 'api')
})

test('substitution is one pass: a value holding {{x}} stays as written, unknown references stay too', () => {
  const values = { feature: 'the {{bead}} page', bead: 'gt-abc12' }
  assert.equal(substitute('Design {{feature}} for {{ bead }}; {{other}}', values), 'Design the {{bead}} page for gt-abc12; {{other}}')
  assert.deepEqual(referencesIn('{{a}} {{ b }} {{a}} {{-x}} {not}'), ['a', 'b'])
})
