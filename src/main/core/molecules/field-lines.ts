// The line a field of a TOML template is written on, for messages such as
// "feature.toml:12: steps[2].needs: no step 'tset'".
//
// smol-toml gives the line of a syntax error (TomlError.line) but, like @iarna/toml, not where a key of a
// parsed document was written. The witness's source-position.ts finds a key with the parser itself: each
// occurrence of the key's name is renamed to a probe and the text parsed again; the occurrence that defines
// the key is the one whose renaming puts the probe into the key's table (a rename inside a string, a
// comment or another table changes nothing there). This does the same along paths through arrays of
// tables — ['steps', 2, 'needs'] — which a template's `[[steps]]` need: element k of an array of tables is
// the k-th `[[steps]]` header that defines the array.
import { parse } from 'smol-toml'
import { positionAt } from '../witness/source-position'

export type FieldPath = readonly (string | number)[]

const PROBE_SUFFIX = '_gt_line_probe'
const BARE_KEY_CHAR = /[A-Za-z0-9_-]/

/** "steps[2].needs", "molecule.timeout", "vars.feature.required". */
export function fieldName(path: FieldPath): string {
  let out = ''
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part
  return out
}

function nodeAt(doc: unknown, path: FieldPath): unknown {
  let node = doc
  for (const part of path) {
    if (typeof part === 'number') {
      if (!Array.isArray(node) || part >= node.length) return undefined
      node = node[part]
    } else {
      if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined
      node = (node as Record<string, unknown>)[part]
    }
  }
  return node
}

/** Offsets of the occurrences of `key` that define it in the table at `parent`, in the order written. */
function definitions(text: string, parent: FieldPath, key: string): number[] {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return [] // a quoted key with other characters cannot be probed
  const probe = key + PROBE_SUFFIX
  const found: number[] = []
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
    const table = nodeAt(doc, parent)
    if (table && typeof table === 'object' && !Array.isArray(table) && Object.hasOwn(table, probe)) found.push(at)
  }
  return found
}

/**
 * The 1-based line of the field at `path` in `text`, or of the nearest enclosing field that can be found
 * (a missing key: the table it is missing from); null when none can be (or the text does not parse).
 */
export function fieldLine(text: string, path: FieldPath): number | null {
  let doc: unknown
  try {
    doc = parse(text)
  } catch {
    return null
  }
  for (let n = path.length; n > 0; n--) {
    const p = path.slice(0, n)
    const last = p[n - 1]
    if (typeof last === 'number') {
      const arrayKey = p[n - 2]
      if (typeof arrayKey !== 'string') continue
      const defs = definitions(text, p.slice(0, n - 2), arrayKey)
      const array = nodeAt(doc, p.slice(0, n - 1))
      // One header per element: an array of tables. Otherwise an inline array, written at its key.
      if (Array.isArray(array) && defs.length === array.length && last < defs.length) return positionAt(text, defs[last]).line
      if (defs.length) return positionAt(text, defs[defs.length - 1]).line
      n-- // the array's key was not found either: go on with what encloses it
      continue
    }
    const defs = definitions(text, p.slice(0, n - 1), last)
    if (defs.length) return positionAt(text, defs[defs.length - 1]).line
  }
  return null
}
