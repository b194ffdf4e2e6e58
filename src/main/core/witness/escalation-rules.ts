// The witness's one rules module: the `[escalation]` table of a molecule (TOML) or of a rig's settings (JSON),
// parsed into validated rules, layered (defaults ← rig ← molecule), and used to classify a check run as P0,
// P1, P2 or green, with the reasons in words.
//
// A threshold is one condition or several joined by `or`, or `none`. The conditions (docs/checks.md):
//   compilation_failure       the build check did not pass (failed, timed out, could not run); alias build_failure
//   test_failure              the test check, or the coverage check (which runs the tests), did not pass
//   coverage_drop > N%        coverage is more than N percentage points below the base branch's
//   test_coverage_drop > N%   test_failure or coverage_drop > N% (the seed's p1 rule)
//   coverage < N%             coverage is below N% (no base branch needed)
//   warnings                  at least one warning line (warnings > N: more than N)
// Levels are tried P0, then P1, then P2; each finding (build, tests, coverage, warnings) takes the most
// severe level whose threshold matches it. A check that did not pass and that no threshold covers is still
// P1 (a failing check is never green); an unreadable coverage figure no threshold covers is P2.
import { parse as parseToml, TomlError } from 'smol-toml'
import { checkOf, didNotPass, formatSeconds, type CheckName, type CheckRunResult, type CommandResult } from './check-result'
import { nearestKeyPosition, positionAt, type DocumentParser, type SourcePosition } from './source-position'
import type { RigSettings } from '../rigs/rig-settings'

export type Severity = 'P0' | 'P1' | 'P2'
export const SEVERITIES: readonly Severity[] = ['P0', 'P1', 'P2']

export type Condition =
  | { kind: 'compilation_failure' }
  | { kind: 'test_failure' }
  | { kind: 'coverage_drop'; morePoints: number }
  | { kind: 'coverage_below'; percent: number }
  | { kind: 'warnings'; moreThan: number }

export interface Threshold {
  /** As written (normalised spaces), e.g. "test_coverage_drop > 5%". */
  text: string
  conditions: Condition[]
  /** Where it was set: "default", or "FILE:LINE" / "FILE". */
  origin: string
}

export interface EscalationRules {
  p0: Threshold
  p1: Threshold
  p2: Threshold
  /** The seed's `deacon_notify`: a P0 is brought to the human's inbox (the Deacon). */
  deaconNotify: boolean
  deaconNotifyOrigin: string
}

/** What one `[escalation]` table sets: only the fields it has. */
export type EscalationOverrides = Partial<EscalationRules>

export const ESCALATION_FIELDS = ['p0_threshold', 'p1_threshold', 'p2_threshold', 'deacon_notify'] as const
export type EscalationField = (typeof ESCALATION_FIELDS)[number]

export const ACCEPTED_CONDITIONS = 'compilation_failure (or build_failure), test_failure, coverage_drop > N%, test_coverage_drop > N%, coverage < N%, warnings, warnings > N; several joined by "or"; or "none"'

/** A rule that cannot be used: names the file, the line (when it can be found) and the field. */
export class EscalationRuleError extends Error {
  constructor(
    readonly file: string,
    readonly position: SourcePosition | null,
    /** The field's path, e.g. "escalation.p1_threshold"; null for a file that does not parse at all. */
    readonly field: string | null,
    readonly problem: string
  ) {
    super(`${file}${position ? `:${position.line}` : ''}: ${field ? `${field}: ` : ''}${problem}`)
    this.name = 'EscalationRuleError'
  }
  get line(): number | null {
    return this.position?.line ?? null
  }
}

class ThresholdSyntaxError extends Error {}

const NUMBER = String.raw`(\d+(?:\.\d+)?)`
const CONDITION_FORMS: Array<[RegExp, (m: RegExpExecArray) => Condition[]]> = [
  [/^(?:compilation_failure|build_failure)$/, () => [{ kind: 'compilation_failure' }]],
  [/^test_failure$/, () => [{ kind: 'test_failure' }]],
  [new RegExp(String.raw`^coverage_drop\s*>\s*${NUMBER}\s*%$`), (m) => [{ kind: 'coverage_drop', morePoints: parseDrop(m[1]!) }]],
  [new RegExp(String.raw`^test_coverage_drop\s*>\s*${NUMBER}\s*%$`), (m) => [{ kind: 'test_failure' }, { kind: 'coverage_drop', morePoints: parseDrop(m[1]!) }]],
  [new RegExp(String.raw`^coverage\s*<\s*${NUMBER}\s*%$`), (m) => [{ kind: 'coverage_below', percent: parseFloor(m[1]!) }]],
  [/^warnings(?:\s*>\s*(\d+))?$/, (m) => [{ kind: 'warnings', moreThan: m[1] === undefined ? 0 : Number(m[1]) }]]
]

function parseDrop(text: string): number {
  const n = Number(text)
  if (!(n >= 0 && n < 100)) throw new ThresholdSyntaxError(`a coverage drop is from 0% to under 100% (got ${text}%)`)
  return n
}

function parseFloor(text: string): number {
  const n = Number(text)
  if (!(n > 0 && n <= 100)) throw new ThresholdSyntaxError(`a coverage floor is above 0% and at most 100% (got ${text}%)`)
  return n
}

/** Parses one threshold ("test_coverage_drop > 5%"); throws a message that says what is accepted. */
export function parseThreshold(text: string, origin = 'default'): Threshold {
  const normal = text.trim().replace(/\s+/g, ' ')
  if (normal === '') throw new ThresholdSyntaxError(`is empty; write "none" to turn this level off. Accepted: ${ACCEPTED_CONDITIONS}`)
  if (normal.toLowerCase() === 'none') return { text: 'none', conditions: [], origin }
  const conditions: Condition[] = []
  for (const part of normal.split(/\s+or\s+/i)) {
    const word = part.trim().toLowerCase()
    const form = CONDITION_FORMS.find(([re]) => re.test(word))
    if (!form) {
      const hint = /%/.test(word) || /\d/.test(word) ? ' (percentages are written like "5%", after > or <)' : ''
      throw new ThresholdSyntaxError(`"${part.trim()}" is not a condition${hint}. Accepted: ${ACCEPTED_CONDITIONS}`)
    }
    for (const c of form[1](form[0].exec(word)!)) if (!conditions.some((x) => sameCondition(x, c))) conditions.push(c)
  }
  return { text: normal, conditions, origin }
}

const sameCondition = (a: Condition, b: Condition): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The seed's rules, used where neither the rig nor the molecule says otherwise. */
export const DEFAULT_ESCALATION: EscalationRules = Object.freeze({
  p0: parseThreshold('compilation_failure'),
  p1: parseThreshold('test_coverage_drop > 5%'),
  p2: parseThreshold('warnings'),
  deaconNotify: true,
  deaconNotifyOrigin: 'default'
})

export interface TableSource {
  /** The file (or, for settings without one, a name for people: "rig web's settings"). */
  file: string
  /** Where the table sits in its document, e.g. ['escalation']. */
  path?: string[]
  /** Finds the position of a key path in the source text (see source-position.ts). */
  locate?: (path: string[]) => SourcePosition | null
}

/**
 * Validates an `[escalation]` table already parsed (rig settings kept as JSON, a `gt rig config` value).
 * Unknown fields are refused (a typo would otherwise silently keep the default).
 */
export function parseEscalationTable(table: unknown, source: TableSource): EscalationOverrides {
  const path = source.path ?? ['escalation']
  const where = (field: string | null): [SourcePosition | null, string] => {
    const full = field ? [...path, field] : path
    return [source.locate?.(full) ?? null, full.join('.')]
  }
  const origin = (field: string): string => {
    const [pos] = where(field)
    return pos ? `${source.file}:${pos.line}` : source.file
  }
  if (!table || typeof table !== 'object' || Array.isArray(table)) {
    const [pos, name] = where(null)
    throw new EscalationRuleError(source.file, pos, name, `must be a table of ${ESCALATION_FIELDS.join(', ')} (got ${describe(table)})`)
  }
  const out: EscalationOverrides = {}
  for (const [field, value] of Object.entries(table)) {
    if (!(ESCALATION_FIELDS as readonly string[]).includes(field)) {
      const [pos, name] = where(field)
      throw new EscalationRuleError(source.file, pos, name, `is not an escalation field; the fields are ${ESCALATION_FIELDS.join(', ')}`)
    }
    if (field === 'deacon_notify') {
      if (typeof value !== 'boolean') {
        const [pos, name] = where(field)
        throw new EscalationRuleError(source.file, pos, name, `must be true or false (got ${describe(value)})`)
      }
      out.deaconNotify = value
      out.deaconNotifyOrigin = origin(field)
      continue
    }
    if (typeof value !== 'string') {
      const [pos, name] = where(field)
      throw new EscalationRuleError(source.file, pos, name, `must be a string such as "compilation_failure" (got ${describe(value)}). Accepted: ${ACCEPTED_CONDITIONS}`)
    }
    let threshold: Threshold
    try {
      threshold = parseThreshold(value, origin(field))
    } catch (err) {
      if (!(err instanceof ThresholdSyntaxError)) throw err
      const [pos, name] = where(field)
      throw new EscalationRuleError(source.file, pos, name, err.message)
    }
    out[field.slice(0, 2) as 'p0' | 'p1' | 'p2'] = threshold
  }
  return out
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Date) return 'a date'
  if (typeof value === 'object') return 'a table'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  return `${typeof value} ${String(value)}`
}

function parseDocument(text: string, file: string, parse: DocumentParser, kind: string): unknown {
  try {
    return parse(text)
  } catch (err) {
    if (err instanceof TomlError) throw new EscalationRuleError(file, { line: err.line, column: err.column }, null, `is not valid ${kind}: ${err.message.replace(/^Invalid TOML document:\s*/, '').split('\n')[0]}`)
    const message = err instanceof Error ? err.message : String(err)
    const at = /position (\d+)/.exec(message)
    throw new EscalationRuleError(file, at ? positionAt(text, Number(at[1])) : null, null, `is not valid ${kind}: ${message}`)
  }
}

function tableAt(doc: unknown, path: string[]): { found: boolean; value: unknown } {
  let node: unknown = doc
  for (const key of path) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return { found: false, value: undefined }
    node = (node as Record<string, unknown>)[key]
  }
  return { found: true, value: node }
}

/** The `[escalation]` table of a TOML document (a molecule); {} when it has none. */
export function parseEscalationToml(text: string, file: string, path: string[] = ['escalation']): EscalationOverrides {
  const parse: DocumentParser = (t) => parseToml(t)
  const { found, value } = tableAt(parseDocument(text, file, parse, 'TOML'), path)
  if (!found) return {}
  return parseEscalationTable(value, { file, path, locate: (p) => nearestKeyPosition(text, parse, p) })
}

/** The escalation table of a JSON document (rig settings) at `path`; {} when it has none. */
export function parseEscalationJson(text: string, file: string, path: string[] = ['escalation']): EscalationOverrides {
  const parse: DocumentParser = (t) => JSON.parse(t)
  const { found, value } = tableAt(parseDocument(text, file, parse, 'JSON'), path)
  if (!found) return {}
  return parseEscalationTable(value, { file, path, locate: (p) => nearestKeyPosition(text, parse, p) })
}

/** Layers rules: the defaults, then each table in turn (rig, then molecule); a later one wins field by field. */
export function resolveEscalation(...layers: Array<EscalationOverrides | null | undefined>): EscalationRules {
  const out: EscalationRules = { ...DEFAULT_ESCALATION }
  for (const layer of layers) {
    if (!layer) continue
    if (layer.p0) out.p0 = layer.p0
    if (layer.p1) out.p1 = layer.p1
    if (layer.p2) out.p2 = layer.p2
    if (layer.deaconNotify !== undefined) {
      out.deaconNotify = layer.deaconNotify
      out.deaconNotifyOrigin = layer.deaconNotifyOrigin ?? 'unknown'
    }
  }
  return out
}

/**
 * The rules for one bead of a rig, the one place they are put together: the defaults, the rig's settings,
 * then the molecule the bead belongs to (its `[escalation]` wins, field by field).
 */
export function beadEscalation(rig: string, s: Pick<RigSettings, `escalation.${EscalationField}`>, molecule?: EscalationOverrides | null): EscalationRules {
  const rigLayer = parseEscalationTable(
    { p0_threshold: s['escalation.p0_threshold'], p1_threshold: s['escalation.p1_threshold'], p2_threshold: s['escalation.p2_threshold'], deacon_notify: s['escalation.deacon_notify'] },
    { file: `rig ${rig} settings` }
  )
  return resolveEscalation(rigLayer, molecule)
}

/** The table form of rules, to store in settings or list (`gt rig config RIG`). */
export function escalationTable(rules: EscalationOverrides): Partial<Record<EscalationField, string | boolean>> {
  const out: Partial<Record<EscalationField, string | boolean>> = {}
  if (rules.p0) out.p0_threshold = rules.p0.text
  if (rules.p1) out.p1_threshold = rules.p1.text
  if (rules.p2) out.p2_threshold = rules.p2.text
  if (rules.deaconNotify !== undefined) out.deacon_notify = rules.deaconNotify
  return out
}

// ---- classification ---------------------------------------------------------------------------------------

export type FindingSubject = 'build' | 'test' | 'coverage' | 'warnings'

export interface Reason {
  severity: Severity
  subject: FindingSubject
  /** What decided the severity: "p1_threshold: test_coverage_drop > 5% (molecule.toml:14)", or why none did. */
  rule: string
  /** For people: "build failed (exit code 2)", "coverage 71.2% is 6.3 points below the base branch's 77.5%". */
  text: string
  /** The base branch fails the same check (or has as many warnings): not this polecat's doing. */
  onBaseBranch: boolean
}

export interface Classification {
  /** null: every check that ran passed and nothing matched. */
  severity: Severity | null
  /** Most severe first. */
  reasons: Reason[]
  /** One line: "P0: build failed (exit code 2)" or "all checks passed". */
  summary: string
  /** deacon_notify is on and the run is P0. */
  notifyDeacon: boolean
  /** Checks that do not pass here and do not pass on the base branch either. */
  failingOnBase: CheckName[]
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10)
const round2 = (n: number): number => Math.round(n * 100) / 100
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

function failureText(r: CommandResult): string {
  const name = r.check === 'build' ? 'build' : r.check === 'test' ? 'tests' : 'the coverage command'
  if (r.status === 'timed-out') return `${name} timed out after ${formatSeconds(r.timeoutMs)}`
  if (r.status === 'error') return `${name} could not run: ${r.note ?? 'unknown error'}`
  return `${name} failed${r.exitCode !== null ? ` (exit code ${r.exitCode})` : r.signal ? ` (ended by ${r.signal})` : ''}`
}

interface Finding {
  subject: FindingSubject
  text: string
  onBaseBranch: boolean
}

/**
 * Classifies a finished run with `rules`; `baseline` is the same checks' run on the base branch (for
 * coverage drops and for recognising a failure the base branch already has). A cancelled run has no
 * verdict: it is refused.
 */
export function classify(run: CheckRunResult, rules: EscalationRules, baseline?: CheckRunResult | null): Classification {
  if (run.overall === 'cancelled') throw new Error(`the check run of ${run.worktree} was cancelled: it has no verdict to classify`)
  const base = baseline && baseline.overall !== 'cancelled' ? baseline : null
  const build = checkOf(run, 'build')
  const failingTest = [checkOf(run, 'test'), checkOf(run, 'coverage')].find(didNotPass) ?? null
  const failsOnBase = (check: CheckName) => !!base && didNotPass(checkOf(base, check))
  const current = run.coverage?.percent ?? null
  const basePercent = base?.coverage?.percent ?? null

  const matchCondition = (c: Condition): Finding | null => {
    switch (c.kind) {
      case 'compilation_failure':
        return didNotPass(build) ? { subject: 'build', text: failureText(build), onBaseBranch: failsOnBase('build') } : null
      case 'test_failure':
        return failingTest ? { subject: 'test', text: failureText(failingTest), onBaseBranch: failsOnBase(failingTest.check) } : null
      case 'coverage_drop': {
        if (current === null || basePercent === null) return null
        const drop = round2(basePercent - current)
        return drop > c.morePoints ? { subject: 'coverage', text: `coverage ${fmt(current)}% is ${fmt(drop)} points below the base branch's ${fmt(basePercent)}%`, onBaseBranch: false } : null
      }
      case 'coverage_below':
        return current !== null && current < c.percent ? { subject: 'coverage', text: `coverage ${fmt(current)}% is below ${fmt(c.percent)}%`, onBaseBranch: basePercent !== null && basePercent < c.percent } : null
      case 'warnings': {
        if (run.warnings <= c.moreThan) return null
        const by = run.checks.filter((x) => x.warnings > 0).map((x) => `${x.check} ${x.warnings}`)
        return { subject: 'warnings', text: `${plural(run.warnings, 'warning')}${by.length ? ` (${by.join(', ')})` : ''}`, onBaseBranch: !!base && base.warnings >= run.warnings }
      }
    }
  }

  const reasons: Reason[] = []
  const taken = new Set<FindingSubject>()
  for (const severity of SEVERITIES) {
    const threshold = rules[severity === 'P0' ? 'p0' : severity === 'P1' ? 'p1' : 'p2']
    for (const c of threshold.conditions) {
      const f = matchCondition(c)
      if (!f || taken.has(f.subject)) continue
      taken.add(f.subject)
      const field = `${severity.toLowerCase()}_threshold`
      reasons.push({ severity, ...f, rule: `${field}: ${threshold.text} (${threshold.origin})` })
    }
  }
  // What no threshold covers is not therefore green.
  if (didNotPass(build) && !taken.has('build')) reasons.push({ severity: 'P1', subject: 'build', text: failureText(build), onBaseBranch: failsOnBase('build'), rule: 'no threshold covers a failing build: a check that does not pass is P1' })
  if (failingTest && !taken.has('test')) reasons.push({ severity: 'P1', subject: 'test', text: failureText(failingTest), onBaseBranch: failsOnBase(failingTest.check), rule: 'no threshold covers failing tests: a check that does not pass is P1' })
  const coverageCheck = checkOf(run, 'coverage')
  if (coverageCheck.status === 'ok' && run.coverage && run.coverage.percent === null && !taken.has('coverage')) {
    reasons.push({ severity: 'P2', subject: 'coverage', text: `the coverage figure could not be read: ${run.coverage.problem}`, onBaseBranch: false, rule: 'an unreadable coverage figure is P2' })
  }
  reasons.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity))
  const severity = reasons[0]?.severity ?? null
  const failingOnBase = base ? run.checks.filter((c) => didNotPass(c) && didNotPass(checkOf(base, c.check))).map((c) => c.check) : []
  return {
    severity,
    reasons,
    summary: severity ? `${severity}: ${reasons.map((r) => r.text + (r.onBaseBranch ? ' (the base branch too)' : '')).join('; ')}` : 'all checks passed',
    notifyDeacon: rules.deaconNotify && severity === 'P0',
    failingOnBase
  }
}
