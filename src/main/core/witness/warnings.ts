// How warnings are counted in a check's output, kept simple and stated (docs/checks.md): a line counts once
// if it holds the word "warning" or "warnings" (any case, a whole word: not `ExperimentalWarning`, not an
// option such as `--trace-warnings`, not npm's `npm warn`), unless it is a tally of none ("0 warnings",
// "no warnings"). Colours are removed first. Compilers (tsc, gcc, clang, rustc, go vet), linters (eslint, golangci-lint) and test runners print
// their warnings this way; a tool that prints them otherwise is not counted.
import stripAnsi from 'strip-ansi'

// A whole word: not part of a longer word (ExperimentalWarning) nor of an option (--trace-warnings, -Wno-…).
const WARNING = /(?<![\w-])warnings?(?![\w-])/i
const NONE = /\b(?:0|no|zero)\s+warnings?(?![\w-])/i
const MAX_LINE = 4000

export function isWarningLine(line: string): boolean {
  const text = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line
  const plain = text.includes('\x1b') ? stripAnsi(text) : text
  return WARNING.test(plain) && !NONE.test(plain)
}

/** Counts warning lines in output fed to it piece by piece (lines may be split across pushes). */
export class WarningCounter {
  count = 0
  private partial = ''

  push(text: string): void {
    const all = this.partial + text
    const end = all.lastIndexOf('\n')
    if (end === -1) {
      this.partial = all.length > MAX_LINE ? all.slice(0, MAX_LINE) : all
      return
    }
    const tail = all.slice(end + 1)
    this.partial = tail.length > MAX_LINE ? tail.slice(0, MAX_LINE) : tail
    const block = all.slice(0, end)
    // Most output has no warning at all: one search of the block spares splitting it into lines.
    if (!/warning/i.test(block)) return
    for (const line of block.split('\n')) if (isWarningLine(line)) this.count++
  }

  end(): void {
    if (this.partial && isWarningLine(this.partial)) this.count++
    this.partial = ''
  }
}
