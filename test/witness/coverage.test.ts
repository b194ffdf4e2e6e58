// Reading the coverage figure from real outputs of the tools (fixtures/coverage/: captured from lcov 1.16 and
// genhtml, c8 12, nyc 18, Node 22's test runner, go 1.19, coverage.py 6.5), and live from Node's test runner.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CoverageScanner, readCoverage, type CoverageReading } from '../../src/main/core/witness/coverage'
import { removeDir, tempDir } from '../support/fixtures'

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'coverage', name), 'utf8')
const figure = (r: CoverageReading) => [r.percent, r.format]

test('lcov: the lines figure of `lcov --summary` and of genhtml', () => {
  assert.deepEqual(figure(readCoverage(fixture('lcov-1.16-summary.txt'))), [66.7, 'lcov'])
  assert.deepEqual(figure(readCoverage(fixture('lcov-1.16-summary-branches.txt'))), [66.7, 'lcov'])
  assert.deepEqual(figure(readCoverage(fixture('lcov-1.16-summary-of-c8.txt'))), [61.5, 'lcov'])
  assert.deepEqual(figure(readCoverage(fixture('genhtml-1.16.txt'))), [66.7, 'lcov'])
  assert.deepEqual(figure(readCoverage(fixture('genhtml-1.16-of-c8.txt'))), [61.5, 'lcov'])
  assert.equal(readCoverage(fixture('lcov-1.16-summary.txt')).line, 'lines......: 66.7% (2 of 3 lines)')
  const empty = readCoverage('Summary coverage rate:\n  lines......: no data found\n  functions..: no data found\n')
  assert.equal(empty.percent, null)
  assert.match(empty.problem!, /lcov found no line data/)
})

test("istanbul: the All files row's % Lines column (c8, nyc), and the text-summary's Lines", () => {
  assert.deepEqual(figure(readCoverage(fixture('c8-12-text.txt'))), [61.53, 'coverage-table'])
  // nyc's table has % Stmts 61.53 and % Lines 60: the lines column is read; its summary's Lines row wins.
  const nyc = fixture('nyc-18-text-and-summary.txt')
  assert.deepEqual(figure(readCoverage(nyc)), [60, 'istanbul-summary'])
  assert.deepEqual(figure(readCoverage(nyc.slice(0, nyc.indexOf('=====')))), [60, 'coverage-table'])
  assert.deepEqual(figure(readCoverage(fixture('c8-12-text-summary.txt'))), [61.53, 'istanbul-summary'])
  assert.deepEqual(figure(readCoverage('Statements   : 81.3% ( 100/123 )\nBranches     : 70% ( 7/10 )\n')), [81.3, 'istanbul-summary'], 'Statements when there is no Lines row')
  const none = readCoverage(fixture('c8-12-text-summary-no-files.txt'))
  assert.equal(none.percent, null)
  assert.match(none.problem!, /no data \(Lines: Unknown%\)/)
})

test("Node's test runner coverage table: the all files row's line % (TAP and spec reporters)", () => {
  assert.deepEqual(figure(readCoverage(fixture('node-22-test-coverage-tap.txt'))), [72.22, 'coverage-table'])
  assert.deepEqual(figure(readCoverage(fixture('node-22-test-coverage-spec.txt'))), [72.22, 'coverage-table'])
})

test('Go: the total of `go tool cover -func`, or the one package of `go test -cover`', () => {
  assert.deepEqual(figure(readCoverage(fixture('go-1.19-func.txt'))), [70, 'go-total'])
  assert.deepEqual(figure(readCoverage(fixture('go-1.19-one.txt'))), [75, 'go'])
  assert.deepEqual(figure(readCoverage(fixture('go-1.19-verbose.txt'))), [75, 'go'])
  const many = readCoverage(fixture('go-1.19-many.txt'))
  assert.equal(many.percent, null, 'two packages have no total: not averaged')
  assert.match(many.problem!, /coverage of 2 packages and no total: .*go tool cover -func/)
  assert.deepEqual(figure(readCoverage(fixture('go-1.19-many.txt') + fixture('go-1.19-func.txt'))), [70, 'go-total'])
})

test("coverage.py: the TOTAL row's percentage, with or without branches, precision and missing lines", () => {
  assert.deepEqual(figure(readCoverage(fixture('coveragepy-6.5-report.txt'))), [62, 'python'])
  assert.deepEqual(figure(readCoverage(fixture('coveragepy-6.5-branch.txt'))), [58, 'python'])
  assert.deepEqual(figure(readCoverage(fixture('coveragepy-6.5-precision.txt'))), [57.9, 'python'])
  assert.deepEqual(figure(readCoverage(fixture('coveragepy-6.5-missing.txt'))), [62, 'python'])
})

test('a plain "coverage: N%" line, which wins over every other format', () => {
  assert.deepEqual(figure(readCoverage('tests passed\ncoverage: 81.3%\n')), [81.3, 'plain'])
  assert.deepEqual(figure(readCoverage('Coverage = 90 %')), [90, 'plain'], 'a last line without a newline counts')
  assert.deepEqual(figure(readCoverage(fixture('c8-12-text.txt') + 'coverage: 55%\n')), [55, 'plain'])
  assert.equal(readCoverage('the coverage: 81.3% was fine\n').format, null, 'only alone on its line')
  assert.equal(readCoverage('coverage: 181%\n').percent, null, 'outside 0-100 is ignored')
})

test('colours are ignored, and the last summary of a format wins', () => {
  assert.deepEqual(figure(readCoverage('\x1b[32mLines        : 88.1% ( 96/109 )\x1b[0m\n')), [88.1, 'istanbul-summary'])
  assert.deepEqual(figure(readCoverage('coverage: 40%\nre-running\ncoverage: 41.5%\n')), [41.5, 'plain'])
})

test('no figure: a problem that says what to print', () => {
  const r = readCoverage('ok 1 - everything\n# pass 1\n')
  assert.equal(r.percent, null)
  assert.equal(r.format, null)
  assert.match(r.problem!, /docs\/checks\.md.*"coverage: 81\.3%"/)
})

test('streamed: split anywhere, even inside a line, the figure is the same; a flood before it does not hide it', () => {
  const text = fixture('nyc-18-text-and-summary.txt')
  for (const size of [1, 7, 64]) {
    const s = new CoverageScanner()
    for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size))
    s.end()
    assert.deepEqual(figure(s.result()), [60, 'istanbul-summary'], `chunks of ${size}`)
  }
  const s = new CoverageScanner()
  const noise = 'x'.repeat(99) + '\n'
  for (let i = 0; i < 20_000; i++) s.push(noise) // 2 MB of output
  s.push('y'.repeat(50_000)) // and a line far longer than any format's
  s.push('\n' + fixture('c8-12-text.txt'))
  s.end()
  assert.deepEqual(figure(s.result()), [61.53, 'coverage-table'])
})

test("live: the figure of Node's own --experimental-test-coverage run on a small project", () => {
  const dir = tempDir('node-coverage')
  try {
    writeFileSync(join(dir, 'lib.js'), 'exports.abs = (x) => {\n  if (x < 0) return -x\n  return x\n}\nexports.unused = (x) => {\n  return x * 2\n}\n')
    writeFileSync(join(dir, 'lib.test.js'), "const { test } = require('node:test')\nconst assert = require('node:assert')\ntest('abs', () => assert.equal(require('./lib').abs(-1), 1))\n")
    const env = { ...process.env }
    delete env.NODE_TEST_CONTEXT // this test file's own runner context: the child would report to it instead
    delete env.NODE_OPTIONS
    const out = execFileSync(process.execPath, ['--test', '--experimental-test-coverage', '--test-reporter=tap', 'lib.test.js'], { cwd: dir, encoding: 'utf8', env })
    const r = readCoverage(out)
    assert.equal(r.format, 'coverage-table', out)
    assert.ok(r.percent !== null && r.percent > 50 && r.percent < 100, `a partial figure, got ${r.percent}`)
    assert.match(r.line!, /^all files\s*\|/)
  } finally {
    removeDir(dir)
  }
})
