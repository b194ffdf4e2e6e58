// The [escalation] rules: the seed's table parses to the documented conditions; every bad field is an error
// naming the file, the line of its key and the field; layers override field by field.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  DEFAULT_ESCALATION,
  EscalationRuleError,
  escalationTable,
  parseEscalationJson,
  parseEscalationTable,
  parseEscalationToml,
  parseThreshold,
  resolveEscalation
} from '../../src/main/core/witness/escalation-rules'

// The molecule of the seed, as written there.
const SEED_MOLECULE = `[molecule]
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

/** The error `fn` throws, which must be an EscalationRuleError. */
function ruleError(fn: () => unknown): EscalationRuleError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof EscalationRuleError, `expected an EscalationRuleError, got ${String(err)}`)
    return err
  }
  assert.fail('expected an error')
}

test("the seed's [escalation] table parses to its conditions, each with the line it was set on", () => {
  const rules = parseEscalationToml(SEED_MOLECULE, 'refactor-auth.toml')
  assert.deepEqual(rules.p0?.conditions, [{ kind: 'compilation_failure' }])
  assert.equal(rules.p0?.origin, 'refactor-auth.toml:12')
  assert.deepEqual(rules.p1?.conditions, [{ kind: 'test_failure' }, { kind: 'coverage_drop', morePoints: 5 }], 'tests fail, or coverage falls more than 5 points')
  assert.equal(rules.p1?.origin, 'refactor-auth.toml:13')
  assert.equal(rules.deaconNotify, true)
  assert.equal(rules.deaconNotifyOrigin, 'refactor-auth.toml:14')
  assert.equal(rules.p2, undefined, 'a field the table does not set is not overridden')
})

test('the defaults are the seed’s values, with warnings as P2', () => {
  assert.equal(DEFAULT_ESCALATION.p0.text, 'compilation_failure')
  assert.equal(DEFAULT_ESCALATION.p1.text, 'test_coverage_drop > 5%')
  assert.equal(DEFAULT_ESCALATION.p2.text, 'warnings')
  assert.equal(DEFAULT_ESCALATION.deaconNotify, true)
})

test('each condition of the closed set parses; several join with "or"; "none" turns a level off', () => {
  assert.deepEqual(parseThreshold('build_failure').conditions, [{ kind: 'compilation_failure' }])
  assert.deepEqual(parseThreshold('coverage_drop > 2.5%').conditions, [{ kind: 'coverage_drop', morePoints: 2.5 }])
  assert.deepEqual(parseThreshold('coverage < 80%').conditions, [{ kind: 'coverage_below', percent: 80 }])
  assert.deepEqual(parseThreshold('warnings > 10').conditions, [{ kind: 'warnings', moreThan: 10 }])
  assert.deepEqual(parseThreshold('  Test_Failure   OR  warnings ').conditions, [{ kind: 'test_failure' }, { kind: 'warnings', moreThan: 0 }])
  assert.deepEqual(parseThreshold('test_failure or test_coverage_drop > 3%').conditions, [{ kind: 'test_failure' }, { kind: 'coverage_drop', morePoints: 3 }], 'no duplicate condition')
  assert.deepEqual(parseThreshold('none').conditions, [])
})

test('a bad value names the file, the line of its key, the field, and what is accepted', () => {
  const text = SEED_MOLECULE.replace('"test_coverage_drop > 5%"', '"test_coverage_drop > five"')
  const err = ruleError(() => parseEscalationToml(text, '/rigs/web/molecules/refactor-auth.toml'))
  assert.equal(err.file, '/rigs/web/molecules/refactor-auth.toml')
  assert.equal(err.line, 13)
  assert.equal(err.field, 'escalation.p1_threshold')
  assert.match(err.message, /^\/rigs\/web\/molecules\/refactor-auth\.toml:13: escalation\.p1_threshold: "test_coverage_drop > five" is not a condition/)
  assert.match(err.message, /Accepted: compilation_failure .*coverage_drop > N%.*"none"/)
})

test('every kind of bad field is refused at its own line', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['p0_threshold = 5', 12, 'escalation.p0_threshold', /must be a string such as "compilation_failure" \(got number 5\)/],
    ['p0_threshold = ""', 12, 'escalation.p0_threshold', /is empty; write "none"/],
    ['p0_threshold = "coverage_drop > 500%"', 12, 'escalation.p0_threshold', /a coverage drop is from 0% to under 100% \(got 500%\)/],
    ['p0_threshold = "coverage < 0%"', 12, 'escalation.p0_threshold', /a coverage floor is above 0%/],
    ['p0_threshold = ["compilation_failure"]', 12, 'escalation.p0_threshold', /got a list/],
    ['p3_threshold = "warnings"', 12, 'escalation.p3_threshold', /is not an escalation field; the fields are p0_threshold, p1_threshold, p2_threshold, deacon_notify/]
  ]
  for (const [line, at, field, message] of cases) {
    const text = SEED_MOLECULE.replace('p0_threshold = "compilation_failure"', line)
    const err = ruleError(() => parseEscalationToml(text, 'm.toml'))
    assert.equal(err.line, at, line)
    assert.equal(err.field, field, line)
    assert.match(err.message, message, line)
  }
  const notify = ruleError(() => parseEscalationToml(SEED_MOLECULE.replace('deacon_notify = true', 'deacon_notify = "yes"'), 'm.toml'))
  assert.equal(notify.line, 14)
  assert.equal(notify.field, 'escalation.deacon_notify')
  assert.match(notify.message, /must be true or false \(got the string "yes"\)/)
})

test('the line is the key that defines the field, not the same words in prose, another table or a comment', () => {
  const text = `[molecule]
name = "tricky"
description = """
An example in prose:
[escalation]
p1_threshold = "this is text, not a key"
"""
# p1_threshold = "a comment"

[other]
p1_threshold = "another table's key"

[escalation]
p0_threshold = "compilation_failure"
  "p1_threshold" = "warnings or nonsense"
`
  const err = ruleError(() => parseEscalationToml(text, 'tricky.toml'))
  assert.equal(err.line, 15, 'the quoted key of the real [escalation] table')
  assert.match(err.message, /"nonsense" is not a condition/)
})

test('dotted keys and inline tables are located too', () => {
  const dotted = `name = "x"\nescalation.p0_threshold = "compilation_failure"\nescalation.p2_threshold = "warnings >"\n`
  assert.equal(ruleError(() => parseEscalationToml(dotted, 'd.toml')).line, 3)
  const inline = `name = "x"\n\nescalation = { p0_threshold = "compilation_failure", deacon_notify = 1 }\n`
  const err = ruleError(() => parseEscalationToml(inline, 'i.toml'))
  assert.equal(err.line, 3)
  assert.equal(err.field, 'escalation.deacon_notify')
})

test('a table that is not a table, and a file that is not TOML, are refused with their line', () => {
  const notTable = ruleError(() => parseEscalationToml('name = "x"\nescalation = "compilation_failure"\n', 'n.toml'))
  assert.equal(notTable.line, 2)
  assert.equal(notTable.field, 'escalation')
  assert.match(notTable.message, /must be a table of p0_threshold/)
  const broken = ruleError(() => parseEscalationToml('[escalation]\np0_threshold = "compilation_failure\np1_threshold = "x"\n', 'b.toml'))
  assert.equal(broken.line, 2)
  assert.equal(broken.field, null)
  assert.match(broken.message, /^b\.toml:2: is not valid TOML: /)
})

test('a molecule without [escalation] overrides nothing', () => {
  assert.deepEqual(parseEscalationToml('[molecule]\nname = "plain"\n', 'p.toml'), {})
})

test('rig settings in JSON: bad fields are named with their line; the key the parser keeps is the one located', () => {
  const json = `{
  "type": "rig-settings",
  "checks": { "build": "npm run build" },
  "escalation": {
    "p0_threshold": "compilation_failure",
    "p1_threshold": "test_failure or coverage_drop > 3%",
    "p2_threshold": "warningz"
  }
}
`
  const err = ruleError(() => parseEscalationJson(json, '/town/rigs/web/settings.json'))
  assert.equal(err.line, 7)
  assert.equal(err.field, 'escalation.p2_threshold')
  assert.match(err.message, /^\/town\/rigs\/web\/settings\.json:7: escalation\.p2_threshold: "warningz" is not a condition/)
  const ok = parseEscalationJson(json.replace('warningz', 'warnings > 2'), 'settings.json')
  assert.deepEqual(ok.p1?.conditions, [{ kind: 'test_failure' }, { kind: 'coverage_drop', morePoints: 3 }])
  assert.equal(ok.p2?.origin, 'settings.json:7')
  const duplicate = `{"escalation": {"p0_threshold": "compilation_failure",\n"p0_threshold": "bogus"}}`
  assert.equal(ruleError(() => parseEscalationJson(duplicate, 'dup.json')).line, 2, 'JSON keeps the last of duplicate keys')
  const notJson = ruleError(() => parseEscalationJson('{\n  "escalation": {,}\n}', 'bad.json'))
  assert.equal(notJson.field, null)
  assert.match(notJson.message, /^bad\.json(:2)?: is not valid JSON/)
})

test('a plain object (a value set with gt rig config) is validated the same way, naming where it came from', () => {
  const rules = parseEscalationTable({ p1_threshold: 'coverage_drop > 2%' }, { file: "rig web's settings" })
  assert.equal(rules.p1?.origin, "rig web's settings")
  const err = ruleError(() => parseEscalationTable({ p1_threshold: 'coverage drop > 2%' }, { file: "rig web's settings" }))
  assert.equal(err.line, null)
  assert.match(err.message, /^rig web's settings: escalation\.p1_threshold: "coverage drop > 2%" is not a condition \(percentages are written like "5%", after > or <\)/)
})

test("layers: the defaults, overridden by the rig's table, overridden by the molecule's, field by field", () => {
  const rig = parseEscalationTable({ p1_threshold: 'test_failure', p2_threshold: 'none', deacon_notify: false }, { file: 'rig.json' })
  const molecule = parseEscalationToml('[escalation]\np1_threshold = "test_coverage_drop > 2%"\n', 'mol.toml')
  const rules = resolveEscalation(rig, molecule)
  assert.equal(rules.p0.text, 'compilation_failure')
  assert.equal(rules.p0.origin, 'default')
  assert.equal(rules.p1.text, 'test_coverage_drop > 2%')
  assert.equal(rules.p1.origin, 'mol.toml:2')
  assert.equal(rules.p2.text, 'none')
  assert.equal(rules.deaconNotify, false)
  assert.equal(rules.deaconNotifyOrigin, 'rig.json')
  assert.deepEqual(resolveEscalation(null, undefined, {}), DEFAULT_ESCALATION)
  assert.deepEqual(escalationTable(rig), { p1_threshold: 'test_failure', p2_threshold: 'none', deacon_notify: false })
  assert.deepEqual(parseEscalationTable(escalationTable(rig), { file: 'again' }).p1?.conditions, rig.p1?.conditions, 'the table form parses back')
})
