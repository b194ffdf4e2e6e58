// JSON Lines as the ledger branch and Beads files hold them: one JSON object per line, blank lines ignored.
// Every problem is reported with the file, the line and (where there is one) the field, so a person can open
// the file at that line and fix it; a set of files with any bad record is refused whole.

export interface RecordProblem {
  file: string
  /** 1-based, counting every line of the file (blank ones too), as editors do. */
  line: number
  field: string | null
  message: string
}

/** The records of one or more files are not valid: nothing of them was applied. */
export class LedgerFormatError extends Error {
  constructor(
    readonly problems: RecordProblem[],
    /** What the files are, when they come from a ledger branch (remote, branch, commit). */
    readonly where: string | null = null
  ) {
    super(describeProblems(problems, where))
    this.name = 'LedgerFormatError'
  }
}

/** At most this many problems are listed; a file with thousands of bad lines needs one fix, not a wall of text. */
const SHOWN = 10

export const formatProblem = (p: RecordProblem): string => `${p.file}:${p.line}${p.field ? ` ${p.field}` : ''}: ${p.message}`

function describeProblems(problems: RecordProblem[], where: string | null): string {
  const head = `${where ? `${where}: ` : ''}${problems.length === 1 ? 'a bad record' : `${problems.length} bad records`}, so nothing was imported`
  const shown = problems.slice(0, SHOWN).map((p) => `  ${formatProblem(p)}`)
  if (problems.length > SHOWN) shown.push(`  … and ${problems.length - SHOWN} more`)
  return `${head}:\n${shown.join('\n')}`
}

export interface JsonlLine {
  line: number
  value: Record<string, unknown>
}

/**
 * The JSON objects of a JSONL text with their line numbers. A line that is not JSON, or JSON that is not an
 * object, is a problem of that line; reading goes on so that one pass finds every bad line.
 */
export function readJsonl(file: string, text: string, problems: RecordProblem[]): JsonlLine[] {
  const out: JsonlLine[] = []
  // A byte order mark from an editor is not part of the first record.
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i]
    if (raw.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      problems.push({ file, line: i + 1, field: null, message: `not valid JSON (${(err as Error).message})` })
      continue
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ file, line: i + 1, field: null, message: `expected a JSON object (one record per line), found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)?.slice(0, 40)}` })
      continue
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> })
  }
  return out
}

/** JSON with object keys sorted at every level: the same data always gives the same text (and git blob). */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = sortKeys(v)
    }
    return out
  }
  return value
}

/** Records as JSONL text: one line each, keys sorted, a newline after the last. */
export const toJsonl = (records: unknown[]): string => records.map((r) => stableStringify(r) + '\n').join('')
