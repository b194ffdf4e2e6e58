// The stated warning rule: a line with the word "warning(s)", not a tally of none, not part of a longer word
// or an option.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isWarningLine, WarningCounter } from '../../src/main/core/witness/warnings'

test('what counts as a warning line', () => {
  for (const line of [
    "src/a.c:3:7: warning: unused variable 'x' [-Wunused-variable]", // gcc, clang
    "warning: unused variable: `x`", // rustc
    "  12:5  warning  'y' is assigned a value but never used  no-unused-vars", // eslint
    '(node:123) Warning: old API', // Node's process.emitWarning
    '✖ 3 problems (0 errors, 3 warnings)', // eslint's tally: warnings, not none
    '\x1b[33mWARNING\x1b[39m: something'
  ])
    assert.equal(isWarningLine(line), true, line)
  for (const line of [
    'Found 0 warnings',
    'no warnings',
    'ExperimentalWarning: is not a word of its own',
    'DeprecationWarning: neither',
    'run again with --trace-warnings',
    'cc -Wno-warnings x.c',
    'npm warn deprecated glob@7',
    'all good'
  ])
    assert.equal(isWarningLine(line), false, line)
})

test('the counter counts lines, split across chunks anywhere, with a last line without a newline', () => {
  const text = 'a.c:1: warning: one\nok\nb.c:2: warning: two\nwarning: three'
  for (const size of [1, 5, text.length]) {
    const c = new WarningCounter()
    for (let i = 0; i < text.length; i += size) c.push(text.slice(i, i + size))
    c.end()
    assert.equal(c.count, 3, `chunks of ${size}`)
  }
})
