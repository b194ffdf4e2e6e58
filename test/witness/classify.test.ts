// Classifying a check run with the escalation rules: P0 for a broken build, P1 for failing tests or a
// coverage drop past the threshold, P2 for warnings, null when green — with the reasons in words.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { classify, DEFAULT_ESCALATION, parseEscalationTable, parseEscalationToml, resolveEscalation } from '../../src/main/core/witness/escalation-rules'
import { runOf } from './check-run-builder'

const rules = DEFAULT_ESCALATION

test('a green run is null: all checks passed', () => {
  const c = classify(runOf({ coverageOutput: 'coverage: 80%' }), rules, runOf({ coverageOutput: 'coverage: 80%' }))
  assert.equal(c.severity, null)
  assert.deepEqual(c.reasons, [])
  assert.equal(c.summary, 'all checks passed')
  assert.equal(c.notifyDeacon, false)
})

test('a failing build is P0 (compilation_failure), and deacon_notify brings it to the human', () => {
  const c = classify(runOf({ build: 'failed', exitCode: 2, test: 'skipped', coverage: 'skipped' }), rules)
  assert.equal(c.severity, 'P0')
  assert.equal(c.reasons[0]?.text, 'build failed (exit code 2)')
  assert.equal(c.reasons[0]?.rule, 'p0_threshold: compilation_failure (default)')
  assert.equal(c.notifyDeacon, true)
  assert.equal(c.summary, 'P0: build failed (exit code 2)')
  const quiet = resolveEscalation(parseEscalationTable({ deacon_notify: false }, { file: 'rig.json' }))
  assert.equal(classify(runOf({ build: 'failed' }), quiet).notifyDeacon, false)
})

test('a build that timed out or could not run is a compilation failure too', () => {
  assert.equal(classify(runOf({ build: 'timed-out' }), rules).reasons[0]?.text, 'build timed out after 600 s')
  assert.equal(classify(runOf({ build: 'error' }), rules).reasons[0]?.text, 'build could not run: could not start: spawn sh ENOENT')
})

test('failing tests are P1; so is a failing coverage command, which runs the tests', () => {
  const c = classify(runOf({ test: 'failed', coverage: 'skipped' }), rules)
  assert.equal(c.severity, 'P1')
  assert.equal(c.reasons[0]?.text, 'tests failed (exit code 1)')
  assert.equal(c.reasons[0]?.rule, 'p1_threshold: test_coverage_drop > 5% (default)')
  assert.equal(c.notifyDeacon, false)
  assert.equal(classify(runOf({ coverage: 'failed', coverageOutput: '' }), rules).reasons[0]?.text, 'the coverage command failed (exit code 1)')
})

test("coverage more than the threshold below the base branch's is P1, said in points", () => {
  const base = runOf({ coverageOutput: 'coverage: 77.5%' })
  const c = classify(runOf({ coverageOutput: 'coverage: 71.2%' }), rules, base)
  assert.equal(c.severity, 'P1')
  assert.equal(c.reasons[0]?.text, "coverage 71.2% is 6.3 points below the base branch's 77.5%")
  assert.equal(c.reasons[0]?.subject, 'coverage')
  assert.equal(classify(runOf({ coverageOutput: 'coverage: 72.5%' }), rules, base).severity, null, 'exactly the threshold is not more than it')
  // 64.4 - 59.4 is 5.000000000000007 in floating point: still exactly 5 points.
  assert.equal(classify(runOf({ coverageOutput: 'coverage: 59.4%' }), rules, runOf({ coverageOutput: 'coverage: 64.4%' })).severity, null)
  assert.equal(classify(runOf({ coverageOutput: 'coverage: 72.4%' }), rules, base).severity, 'P1')
  assert.equal(classify(runOf({ coverageOutput: 'coverage: 71.2%' }), rules).severity, null, 'without a base branch figure there is no drop to measure')
  assert.equal(classify(runOf({ coverageOutput: 'coverage: 71.2%' }), rules, runOf({ build: 'failed' })).severity, null, 'nor when the base branch has no figure')
})

test('warnings are P2, counted per check', () => {
  const c = classify(runOf({ warnings: { build: 2, test: 1 } }), rules)
  assert.equal(c.severity, 'P2')
  assert.equal(c.reasons[0]?.text, '3 warnings (build 2, test 1)')
  assert.equal(classify(runOf({ warnings: { build: 1 } }), rules).reasons[0]?.text, '1 warning (build 1)')
  const tolerant = resolveEscalation(parseEscalationTable({ p2_threshold: 'warnings > 3' }, { file: 'rig.json' }))
  assert.equal(classify(runOf({ warnings: { build: 3 } }), tolerant).severity, null)
  assert.equal(classify(runOf({ warnings: { build: 4 } }), tolerant).severity, 'P2')
})

test('every finding is listed, the most severe first, and the run takes the most severe', () => {
  const c = classify(runOf({ build: 'failed', test: 'skipped', coverage: 'skipped', warnings: { build: 5 } }), rules)
  assert.equal(c.severity, 'P0')
  assert.deepEqual(
    c.reasons.map((r) => [r.severity, r.text]),
    [
      ['P0', 'build failed (exit code 1)'],
      ['P2', '5 warnings (build 5)']
    ]
  )
  assert.equal(c.summary, 'P0: build failed (exit code 1); 5 warnings (build 5)')
})

test('a failure the base branch has too is marked, and named in failingOnBase', () => {
  const base = runOf({ build: 'failed', test: 'skipped', coverage: 'skipped' })
  const c = classify(runOf({ build: 'failed', test: 'skipped', coverage: 'skipped' }), rules, base)
  assert.equal(c.reasons[0]?.onBaseBranch, true)
  assert.deepEqual(c.failingOnBase, ['build'])
  assert.equal(c.summary, 'P0: build failed (exit code 1) (the base branch too)')
  const own = classify(runOf({ test: 'failed' }), rules, base)
  assert.equal(own.reasons[0]?.onBaseBranch, false, 'the base branch fails the build, not the tests')
  assert.deepEqual(own.failingOnBase, [])
})

test("a molecule's table changes the verdict: its P0 may be failing tests", () => {
  const molecule = parseEscalationToml('[escalation]\np0_threshold = "compilation_failure or test_failure"\n', 'strict.toml')
  const c = classify(runOf({ test: 'failed' }), resolveEscalation(molecule))
  assert.equal(c.severity, 'P0')
  assert.equal(c.reasons[0]?.rule, 'p0_threshold: compilation_failure or test_failure (strict.toml:2)')
})

test('a failing check that no threshold covers is still P1, never green', () => {
  const lax = resolveEscalation(parseEscalationTable({ p0_threshold: 'none', p1_threshold: 'coverage < 50%', p2_threshold: 'none' }, { file: 'rig.json' }))
  const c = classify(runOf({ build: 'failed', test: 'skipped', coverage: 'skipped' }), lax)
  assert.equal(c.severity, 'P1')
  assert.match(c.reasons[0]!.rule, /no threshold covers a failing build/)
  assert.equal(classify(runOf({ coverageOutput: 'coverage: 40%' }), lax).reasons[0]?.text, 'coverage 40% is below 50%')
})

test('a coverage command that prints no figure is P2, saying what to print', () => {
  const c = classify(runOf({ coverageOutput: 'all tests passed\n' }), rules)
  assert.equal(c.severity, 'P2')
  assert.match(c.reasons[0]!.text, /^the coverage figure could not be read: no coverage figure in the output: .*"coverage: 81\.3%"/)
})

test('a cancelled run has no verdict', () => {
  assert.throws(() => classify(runOf({ build: 'cancelled' }), rules), /was cancelled: it has no verdict/)
})
