// Where a key of a parsed document is written in its text, for error messages that name the line.
//
// Neither smol-toml nor JSON.parse reports where a key was. Searching the text for the key's name is not
// enough: the same word can be a key of another table, a dotted key, a quoted key, or prose inside a
// multi-line string (a molecule's description may well mention `p0_threshold = …`). So each occurrence of the
// name is tried with the parser itself: the occurrence is renamed to a probe, the text parsed again, and the
// occurrence that defines the key is the one after whose renaming the probe appears in the key's table. A
// rename inside a string, a comment or another table changes nothing there. Cost: one parse per occurrence.

export interface SourcePosition {
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
}

export type DocumentParser = (text: string) => unknown

const PROBE_SUFFIX = '_gt_position_probe'
const BARE_KEY_CHAR = /[A-Za-z0-9_-]/

/** Line and column (1-based) of a character offset. */
export function positionAt(text: string, offset: number): SourcePosition {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: offset - lineStart + 1 }
}

function tableAt(doc: unknown, path: readonly string[]): Record<string, unknown> | null {
  let node = doc
  for (const key of path) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return null
    node = (node as Record<string, unknown>)[key]
  }
  return node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>) : null
}

/**
 * The position of the key at `path` (e.g. ['escalation', 'p1_threshold']) in `text`, or null when it cannot
 * be found (the key is absent, or spelled with escapes). With duplicate keys (JSON allows them; the last
 * wins) the last definition is returned, the one the parser kept.
 */
export function keyPosition(text: string, parse: DocumentParser, path: readonly string[]): SourcePosition | null {
  if (path.length === 0) return null
  const key = path[path.length - 1]
  const parentPath = path.slice(0, -1)
  if (!key) return null
  const probe = /^[A-Za-z0-9_-]+$/.test(key) ? key + PROBE_SUFFIX : null
  if (!probe) return null
  let found: number | null = null
  for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
    const before = text[at - 1]
    const after = text[at + key.length]
    if ((before && BARE_KEY_CHAR.test(before)) || (after && BARE_KEY_CHAR.test(after))) continue
    let doc: unknown
    try {
      doc = parse(text.slice(0, at) + probe + text.slice(at + key.length))
    } catch {
      continue
    }
    const parent = tableAt(doc, parentPath)
    if (parent && Object.hasOwn(parent, probe)) found = at
  }
  return found === null ? null : positionAt(text, found)
}

/** The position of the key at `path`, or of the nearest enclosing table that can be found. */
export function nearestKeyPosition(text: string, parse: DocumentParser, path: readonly string[]): SourcePosition | null {
  for (let n = path.length; n > 0; n--) {
    const pos = keyPosition(text, parse, path.slice(0, n))
    if (pos) return pos
  }
  return null
}
