// What gt prints comes from agents and other people: a bead title, an escalation, a note, mail, a terminal
// transcript. A terminal obeys escape sequences wherever they come from (retitle the window, clear lines,
// move the cursor over earlier output, OSC 52 to set the clipboard), so none of that text reaches stdout raw.
//
// Two steps: strip-ansi removes whole escape sequences (CSI, OSC, DCS, … in their 7-bit and C1 forms:
// a parser that is kept up to date, unlike a regex of our own); then every control character left
// (C0 but newline and tab, DEL, C1) and every bidi embedding, override or isolate is shown as a
// `\x1b` / `\u202e` escape. An escape rather than U+FFFD: whoever reads `gt bead show` to find out why a
// title looks odd sees which character was there, and the escape is plain ASCII that no terminal or font
// interprets.
import stripAnsi from 'strip-ansi'

// Bidi embeddings, overrides and isolates reorder the text after them until popped ("Trojan Source").
const BIDI = '\\u202a-\\u202e\\u2066-\\u2069'
/** In text of several lines: every control character but \n and \t (\r was made a line break first). */
const UNSAFE_IN_TEXT = new RegExp(`[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f${BIDI}]`, 'g')
/** In one line (a title, a table cell): \n and \t too, so a title cannot forge the next row. */
const UNSAFE_IN_LINE = new RegExp(`[\\x00-\\x1f\\x7f-\\x9f${BIDI}]`, 'g')
/** What JSON.stringify leaves raw that a terminal still acts on (it escapes C0 itself). */
const UNSAFE_IN_JSON = new RegExp(`[\\x7f-\\x9f${BIDI}\\u2028\\u2029]`, 'g')

function escaped(c: string): string {
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Text of any number of lines, safe to print: line breaks and tabs stay; CRLF, and CRs before a line break
 * (a PTY turns an agent's own \r\n into \r\r\n), become one \n, and a lone CR (a line redrawn in place)
 * a \n as well, so each state of the line shows instead of the cursor going back over it.
 */
export function safeText(s: string): string {
  return stripAnsi(s).replace(/\r+\n?/g, '\n').replace(UNSAFE_IN_TEXT, escaped)
}

/** One line, safe to print: also shows \n, \r and \t as escapes. */
export function safeLine(s: string): string {
  return stripAnsi(s).replace(UNSAFE_IN_LINE, escaped)
}

/**
 * JSON whose text is safe on a terminal: JSON.stringify escapes C0 but leaves DEL, C1 (U+0080–U+009F, e.g.
 * U+009B, the one-byte CSI), bidi controls and U+2028/9 raw; they are written as \u escapes here, which
 * every JSON parser reads back to the same string. Outside strings JSON text is ASCII, so this touches
 * only string contents.
 */
export function safeJson(v: unknown, indent?: number): string {
  return (JSON.stringify(v, null, indent) ?? 'null').replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
