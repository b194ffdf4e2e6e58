// The coverage figure in a coverage command's output: one percentage of lines (or of statements, where the
// tool counts those), read from what common tools print. What is read, line by line, after ANSI colours and a
// leading TAP `#` or `ℹ` are removed and the line is trimmed (docs/checks.md says the same):
//
//   plain             `coverage: 81.3%` alone on its line (also `coverage = 81.3 %`, any case): the format to
//                     print yourself when your tool has none of the others (e.g. `… | tail -1`).
//   lcov              `lines......: 81.3% (1234 of 1518 lines)`, as `lcov --summary` and `genhtml` print.
//   istanbul-summary  `Lines        : 81.3% ( 96/117 )` of istanbul's text-summary (nyc, c8, jest);
//                     `Statements   : …` when no Lines row is printed.
//   coverage-table    the `All files` row of a `|` table (istanbul's text reporter: nyc, c8, jest, vitest;
//                     Node's --experimental-test-coverage), in the `% Lines` / `line %` column of the header
//                     row above it (`% Stmts` if it has no lines column, else the first number).
//   go-total          `total:  (statements)  81.3%` of `go tool cover -func`.
//   go                `coverage: 81.3% of statements` of `go test -cover` — one package only: figures of
//                     several packages have no total, so they are reported as a problem, not averaged.
//   python            the last percentage of the `TOTAL` row of coverage.py's report (`coverage report`,
//                     pytest-cov).
//
// When several formats appear, the first in this list wins (plain is the one a user chose to print); within a
// format the last occurrence wins (the final summary of a command that printed two). A figure outside
// 0–100 is ignored. The output is scanned as it streams, so the figure is found however long it is.
import stripAnsi from 'strip-ansi'

export const COVERAGE_FORMATS = ['plain', 'lcov', 'istanbul-summary', 'coverage-table', 'go-total', 'go', 'python'] as const
export type CoverageFormat = (typeof COVERAGE_FORMATS)[number]

export type CoverageReading =
  /** A figure was read. `line` is the line it was read from (trimmed, without colours). */
  | { percent: number; format: CoverageFormat; line: string; problem: null }
  /** None could be: `problem` says why, for people. */
  | { percent: null; format: CoverageFormat | null; line: string | null; problem: string }

const NUM = String.raw`(\d{1,3}(?:\.\d+)?)`
const PLAIN = new RegExp(String.raw`^coverage\s*[:=]\s*${NUM}\s*%$`, 'i')
const LCOV = new RegExp(String.raw`^lines\.+\s*:\s*(?:${NUM}%\s*\(|(no data found))`)
const ISTANBUL_SUMMARY = new RegExp(String.raw`^(Lines|Statements)\s*:\s*(?:${NUM}|(Unknown))%\s*\(\s*\d+\s*/\s*\d+\s*\)`)
const GO_TOTAL = new RegExp(String.raw`^total:\s+\(statements\)\s+${NUM}%$`)
const GO = new RegExp(String.raw`coverage:\s+${NUM}% of statements`)
const PYTHON = new RegExp(String.raw`^TOTAL\s.*?\s${NUM}%$`)
const TAP_PREFIX = /^(?:#|ℹ)\s?/
/** Longer lines are never one of the formats above; skipping them keeps a flood of output cheap to scan. */
const MAX_LINE = 2000

const PROBLEM_NONE = `no coverage figure in the output: the coverage command must print one of the formats in docs/checks.md, for example a line "coverage: 81.3%"`

type Found = { percent: number | null; line: string; problem?: string }

const inRange = (text: string): number | null => {
  const n = Number(text)
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : null
}

function cells(line: string): string[] | null {
  if (!line.includes('|')) return null
  const parts = line.split('|').map((c) => c.trim())
  if (parts[0] === '' && parts.length > 1) parts.shift() // a table drawn with a leading border
  return parts
}

function tableColumn(header: string[] | null): number | null {
  if (!header) return null
  const find = (re: RegExp) => header.findIndex((c, i) => i > 0 && re.test(c))
  const lines = find(/^(%\s*lines?|lines?\s*%)$/i)
  if (lines > 0) return lines
  const stmts = find(/^(%\s*stmts|statements?\s*%|%\s*statements)$/i)
  return stmts > 0 ? stmts : null
}

/** Reads the coverage figure from output fed to it piece by piece; `result()` may be asked at any time. */
export class CoverageScanner {
  private found = new Map<CoverageFormat, Found>()
  private summaryHasLines = false
  private tableHeader: string[] | null = null
  private goPackages = new Map<string, Found>()
  private partial = ''

  /** Output as it arrives: lines may be split across pushes. */
  push(text: string): void {
    const all = this.partial + text
    const end = all.lastIndexOf('\n')
    if (end === -1) {
      this.partial = all.length > MAX_LINE ? '' : all
      return
    }
    this.partial = all.length - end - 1 > MAX_LINE ? '' : all.slice(end + 1)
    this.scanBlock(all.slice(0, end))
  }

  /** The end of the output: a last line without a newline counts too. */
  end(): void {
    if (this.partial) this.scanBlock(this.partial)
    this.partial = ''
  }

  private scanBlock(block: string): void {
    // Every format has a '%' on its line, except a table's header row, which has '|', and lcov's "no data".
    const candidate = (t: string) => t.includes('%') || t.includes('|') || t.includes('no data found')
    if (!candidate(block)) return
    for (const raw of block.split('\n')) if (raw.length <= MAX_LINE && candidate(raw)) this.scanLine(raw)
  }

  private scanLine(raw: string): void {
    const line = stripAnsi(raw).trim().replace(TAP_PREFIX, '').trim()
    let m: RegExpExecArray | null
    if ((m = PLAIN.exec(line))) return this.record('plain', m[1], line)
    if ((m = LCOV.exec(line))) return m[2] ? this.fail('lcov', line, 'lcov found no line data (lines: no data found)') : this.record('lcov', m[1], line)
    if ((m = ISTANBUL_SUMMARY.exec(line))) {
      const isLines = m[1] === 'Lines'
      if (!isLines && this.summaryHasLines) return // Statements of a summary whose Lines row came first
      if (isLines) this.summaryHasLines = true
      return m[3] ? this.fail('istanbul-summary', line, `the coverage summary has no data (${m[1]}: Unknown%): no file was instrumented`) : this.record('istanbul-summary', m[2], line)
    }
    if ((m = GO_TOTAL.exec(line))) return this.record('go-total', m[1], line)
    if ((m = GO.exec(line))) {
      const percent = inRange(m[1])
      if (percent === null) return
      // `ok  <pkg>  0.1s  coverage: …` names its package; the bare line of `go test -v` belongs to the next one.
      const words = line.split(/\s+/)
      const pkg = words[0] === 'ok' || words[0] === 'FAIL' ? (words[1] ?? '') : words[0] === 'coverage:' ? '' : (words[0] ?? '')
      if (pkg) this.goPackages.set(pkg, { percent, line })
      this.found.set('go', { percent, line })
      return
    }
    if ((m = PYTHON.exec(line))) return this.record('python', m[1], line)
    const row = cells(line)
    if (!row) return
    const first = (row[0] ?? '').toLowerCase()
    if (first === 'file') this.tableHeader = row
    else if (first === 'all files') {
      const column = tableColumn(this.tableHeader)
      const text = column !== null ? row[column] : row.slice(1).find((c) => /^\d/.test(c))
      const percent = text !== undefined ? inRange(text) : null
      if (percent === null) this.fail('coverage-table', line, `the "All files" row has no figure in its ${column !== null ? `"${this.tableHeader?.[column]}"` : 'first'} column`)
      else this.found.set('coverage-table', { percent, line })
    }
  }

  private record(format: CoverageFormat, text: string | undefined, line: string): void {
    const percent = text === undefined ? null : inRange(text)
    if (percent !== null) this.found.set(format, { percent, line })
  }

  private fail(format: CoverageFormat, line: string, problem: string): void {
    this.found.set(format, { percent: null, line, problem })
  }

  result(): CoverageReading {
    const goTotal = this.found.has('go-total')
    if (!goTotal && this.goPackages.size > 1) {
      const last = this.found.get('go')
      if (last) this.found.set('go', { percent: null, line: last.line, problem: `go test printed the coverage of ${this.goPackages.size} packages and no total: add -coverprofile=cover.out and print \`go tool cover -func=cover.out\`, whose "total:" line is read` })
    }
    for (const format of COVERAGE_FORMATS) {
      const f = this.found.get(format)
      if (!f) continue
      if (f.percent !== null) return { percent: f.percent, format, line: f.line, problem: null }
      return { percent: null, format, line: f.line, problem: f.problem ?? PROBLEM_NONE }
    }
    return { percent: null, format: null, line: null, problem: PROBLEM_NONE }
  }
}

/** The coverage figure of a whole output at once. */
export function readCoverage(output: string): CoverageReading {
  const s = new CoverageScanner()
  s.push(output)
  s.end()
  return s.result()
}
