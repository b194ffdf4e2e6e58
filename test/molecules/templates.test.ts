// Molecule templates: every Gas Town formula of ../shared/reference loads (read in place), the seed's
// molecule loads, every shipped template loads; a bad template is refused with its file, line and field.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseTemplate, TemplateError } from '../../src/main/core/molecules/template'
import { parseDuration } from '../../src/main/core/molecules/duration'
import { shippedMoleculesDir } from '../../src/main/core/molecules/library'
import { ROOT } from '../support/fixtures'

// The reference samples sit beside the checkout; they are read where they are, never copied.
const REFERENCE = join(ROOT, '..', 'shared', 'reference')

/** The seed's molecule, as its text gives it. */
const SEED = `[molecule]
name = "refactor-auth"
description = "Extract authentication logic into middleware"
timeout = "2h"
[convoy]
mode = "mountain" # autonomous execution without human approval
bundle_size = 3 # batch up to 3 related commits
[hooks]
workspace = "worktrees/auth-refactor"
ledger = "beads/auth-tasks"
[escalation]
p0_threshold = "compilation_failure"
p1_threshold = "test_coverage_drop > 5%"
deacon_notify = true # alert human on P0
`

const FEATURE = `[molecule]
name = "feature"
timeout = "2h"

[vars.feature]
required = true

[[steps]]
id = "design"
title = "Design {{feature}}"

[[steps]]
id = "code"
title = "Code"
needs = ["design"]

[[steps]]
id = "test"
title = "Test"
needs = ["code"]
description = "Run the tests."
`

function templateError(text: string, file = 'feature.toml'): TemplateError {
  try {
    parseTemplate(text, file)
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`)
    return err
  }
  assert.fail('the template was accepted')
}

test('every Gas Town formula in ../shared/reference loads, with its steps, needs, vars and acceptance', () => {
  assert.ok(existsSync(REFERENCE), `${REFERENCE} is missing: the reference samples must sit beside the checkout`)
  const files = readdirSync(REFERENCE).filter((f) => f.endsWith('.formula.toml'))
  assert.ok(files.length >= 3, `found ${files.join(', ')}`)
  for (const f of files) {
    const t = parseTemplate(readFileSync(join(REFERENCE, f), 'utf8'), f)
    assert.equal(t.shape, 'formula', f)
    assert.ok(t.steps.length > 0, `${f} has steps`)
    assert.deepEqual(t.warnings, [], `${f} uses only known keys`)
  }
  const shiny = parseTemplate(readFileSync(join(REFERENCE, 'gastown_shiny.formula.toml'), 'utf8'), 'shiny.formula.toml')
  assert.equal(shiny.name, 'shiny')
  assert.equal(shiny.version, 1)
  assert.deepEqual(shiny.steps.map((s) => [s.id, s.needs]), [['design', []], ['implement', ['design']], ['review', ['implement']], ['test', ['review']], ['submit', ['test']]])
  assert.equal(shiny.steps[0]!.title, 'Design {{feature}}', 'the template keeps its variables until it is poured')
  assert.match(shiny.steps[0]!.acceptance ?? '', /Design doc committed/)
  assert.deepEqual(shiny.vars.find((v) => v.name === 'feature'), { name: 'feature', description: 'The feature being implemented', required: true, default: null })
  const check = parseTemplate(readFileSync(join(REFERENCE, 'beads_quick-check.formula.toml'), 'utf8'), 'quick-check.formula.toml')
  assert.deepEqual(check.steps.find((s) => s.id === 'report')!.needs, ['lint', 'test', 'build'])
  const work = parseTemplate(readFileSync(join(REFERENCE, 'gastown_mol-polecat-work.formula.toml'), 'utf8'), 'mol-polecat-work.formula.toml')
  assert.equal(work.vars.find((v) => v.name === 'base_branch')?.default, 'main')
  assert.equal(work.vars.find((v) => v.name === 'issue')?.required, true)
  assert.match(work.description, /Polecat Contract/, 'a multi-line description is kept whole')
})

test("the seed's molecule loads: timeout, convoy, hooks and escalation, each as written", () => {
  const t = parseTemplate(SEED, 'refactor-auth.toml')
  assert.equal(t.name, 'refactor-auth')
  assert.equal(t.shape, 'molecule')
  assert.deepEqual(t.timeout, { text: '2h', seconds: 7200 })
  assert.deepEqual(t.convoy, { mode: 'mountain', bundleSize: 3 })
  assert.deepEqual(t.hooks, { workspace: 'worktrees/auth-refactor', ledger: 'beads/auth-tasks' })
  assert.deepEqual(t.escalation, { p0_threshold: 'compilation_failure', p1_threshold: 'test_coverage_drop > 5%', deacon_notify: true })
  assert.deepEqual(t.escalationOrigins, { p0_threshold: 'refactor-auth.toml:12', p1_threshold: 'refactor-auth.toml:13', deacon_notify: 'refactor-auth.toml:14' })
  assert.deepEqual(t.steps, [])
})

test('every shipped template loads without a warning, with steps an agent can follow', () => {
  const dir = shippedMoleculesDir()
  const names = readdirSync(dir).filter((f) => f.endsWith('.toml'))
  assert.deepEqual(names.sort(), ['bugfix.toml', 'feature.toml', 'refactor.toml'])
  for (const f of names) {
    const t = parseTemplate(readFileSync(join(dir, f), 'utf8'), f)
    assert.equal(t.name, f.replace('.toml', ''))
    assert.deepEqual(t.warnings, [], f)
    assert.ok(t.timeout, `${f} has a timeout`)
    assert.ok(t.steps.length >= 5, `${f} has its steps`)
    for (const s of t.steps) {
      assert.ok(s.description.length > 80, `${f} ${s.id} says what to do`)
      assert.ok(s.acceptance && s.acceptance.length > 20, `${f} ${s.id} says when it is done`)
    }
    assert.equal(t.steps.at(-1)!.id, 'submit')
    assert.match(t.steps.at(-1)!.description, /gt done/)
  }
  const bugfix = parseTemplate(readFileSync(join(dir, 'bugfix.toml'), 'utf8'), 'bugfix.toml')
  const order = bugfix.steps.map((s) => s.id)
  assert.ok(order.indexOf('regression-test') < order.indexOf('fix'), 'the regression test comes before the fix')
})

test('a bad template names the file, the line and the field', () => {
  const cases: Array<[string, string, string]> = [
    // [what, the text, the whole message expected]
    ['an unknown need', FEATURE.replace('needs = ["code"]', 'needs = ["tset"]'), "feature.toml:20: steps[2].needs: no step 'tset' (steps are: design, code, test)"],
    ['a TOML syntax error', FEATURE.replace('title = "Code"', 'title = "Code" "more"'), 'feature.toml:14: is not valid TOML'],
    ['a missing title', FEATURE.replace('title = "Code"\n', ''), 'feature.toml:12: steps[1].title: is missing: give the step a title'],
    ['a title of the wrong type', FEATURE.replace('title = "Code"', 'title = 5'), 'feature.toml:14: steps[1].title: must be a string, not number 5'],
    ['needs of the wrong type', FEATURE.replace('needs = ["design"]', 'needs = "design"'), 'feature.toml:15: steps[1].needs: must be a list of step ids'],
    ['a cycle of needs', FEATURE.replace('needs = ["design"]', 'needs = ["design", "test"]'), 'feature.toml:15: steps[1].needs: the needs make a cycle: code → test → code'],
    ['a step that needs itself', FEATURE.replace('needs = ["design"]', 'needs = ["code"]'), "feature.toml:15: steps[1].needs: a step cannot need itself ('code')"],
    ['a duplicate step id', FEATURE.replace('id = "code"', 'id = "design"'), "feature.toml:13: steps[1].id: the step id 'design' is used twice (steps[0] and steps[1])"],
    ['an unknown variable in a text', FEATURE.replace('description = "Run the tests."', 'description = "Run the tests of {{featur}}."'), 'feature.toml:21: steps[2].description: {{featur}} is not a variable of this template'],
    ['a bad timeout', FEATURE.replace('"2h"', '"two hours"'), 'feature.toml:3: molecule.timeout: "two hours" is not a duration'],
    ['a bad convoy mode', FEATURE + '\n[convoy]\nmode = "everest"\n', 'feature.toml:24: convoy.mode: must be "mountain" (runs without asking) or "gated"'],
    ['a bad escalation rule', FEATURE + '\n[escalation]\np1_threshold = "test_coverage_drop > five"\n', 'feature.toml:24: escalation.p1_threshold: "test_coverage_drop > five" is not a condition'],
    ['an unknown escalation field', FEATURE + '\n[escalation]\np3_threshold = "warnings"\n', 'feature.toml:24: escalation.p3_threshold: is not an escalation field'],
    ['no name', FEATURE.replace('name = "feature"\n', ''), 'feature.toml:1: molecule.name: the template has no name'],
    ['a control character in a title', FEATURE.replace('title = "Code"', 'title = "Co\\u001bde"'), 'feature.toml:14: steps[1].title: is one line of plain text, but character 3 is the control character U+001B (ESC)'],
    ['a convoy formula', 'formula = "scan"\ntype = "convoy"\n', 'feature.toml:2: type: "convoy" formulas are not supported']
  ]
  for (const [what, text, expected] of cases) {
    const err = templateError(text)
    assert.ok(err.message.startsWith(expected), `${what}:\n  got      ${err.message}\n  expected ${expected}…`)
  }
  const e = templateError(FEATURE.replace('needs = ["code"]', 'needs = ["tset"]'), '/town/rigs/web/molecules/feature.toml')
  assert.equal(e.file, '/town/rigs/web/molecules/feature.toml')
  assert.equal(e.line, 20)
  assert.equal(e.field, 'steps[2].needs')
})

test('the line of a step is found among several [[steps]] even when their keys repeat in descriptions', () => {
  // Each step's description mentions "needs = [...]" as prose: the line found must be the real key's.
  const text = FEATURE.replace('description = "Run the tests."', 'description = """\nneeds = ["design"] is how a step waits.\n"""').replace('needs = ["code"]', 'needs = ["cod"]')
  const err = templateError(text)
  assert.equal(err.line, 20)
  assert.equal(err.field, 'steps[2].needs')
})

test('unknown keys are warned about with their line, not refused; a required variable with a default too', () => {
  const text = 'phase = "liquid"\n' + FEATURE.replace('title = "Code"', 'title = "Code"\nassignee = "nux"').replace('required = true', 'required = true\ndefault = "x"\nsecret = 1')
  const t = parseTemplate(text, 'feature.toml')
  assert.deepEqual(t.warnings, [
    'feature.toml:8: vars.feature.default: a required variable with a default is never missing: drop one of the two',
    'feature.toml:1: phase: is not a key of a template; it is ignored (the keys are: formula, version, type, description, vars, steps, molecule, convoy, hooks, escalation)',
    'feature.toml:9: vars.feature.secret: is not a key of [vars.feature]; it is ignored (the keys are: description, required, default)',
    'feature.toml:18: steps[1].assignee: is not a key of [[steps]]; it is ignored (the keys are: id, title, description, needs, acceptance)'
  ])
  assert.equal(t.steps[1]!.title, 'Code')
})

test('the two shapes mix: a formula with a [molecule] timeout; two different names are refused', () => {
  const t = parseTemplate('formula = "quick"\n[molecule]\ntimeout = "90m"\n[[steps]]\nid = "a"\ntitle = "A"\n', 'quick.toml')
  assert.equal(t.name, 'quick')
  assert.equal(t.shape, 'formula')
  assert.deepEqual(t.timeout, { text: '90m', seconds: 5400 })
  const err = templateError('formula = "quick"\n[molecule]\nname = "slow"\n', 'quick.toml')
  assert.equal(err.message, 'quick.toml:1: formula: names the template "quick" but [molecule] name is "slow": give it one name')
})

test('timeouts: hours, minutes, seconds, days, combined; nothing else', () => {
  assert.deepEqual(parseDuration('2h'), { seconds: 7200 })
  assert.deepEqual(parseDuration('1h30m'), { seconds: 5400 })
  assert.deepEqual(parseDuration('45s'), { seconds: 45 })
  assert.deepEqual(parseDuration('1d'), { seconds: 86400 })
  assert.deepEqual(parseDuration(' 1h 15m '), { seconds: 4500 })
  for (const bad of ['', '2', 'h', '2 hours', '-1h', '0m', '31d']) assert.ok('problem' in parseDuration(bad), bad)
})
