// A molecule template: TOML text → a validated MoleculeTemplate, or an error that names the file, the line
// and the field ("feature.toml:12: steps[2].needs: no step 'tset' (steps are: design, code, test)").
//
// Two shapes are read into one form:
//   the seed's    [molecule] name, description, timeout; [convoy] mode, bundle_size; [hooks] workspace,
//                 ledger; [escalation] p0_threshold, p1_threshold, p2_threshold, deacon_notify
//   Gas Town's    formula, version, type, description, [vars.NAME] description/required/default,
//                 [[steps]] id, title, description, needs, acceptance
// and a file may mix them (a formula with a [molecule] timeout, a molecule with [[steps]] and [vars]).
//
// Unknown keys are warned about, with their line, not refused: Gas Town's formulas carry keys this app does
// not act on (and will carry more), and refusing them would make its users' own formulas unusable here; a
// warning in `gt mol list` still catches a typo. Two exceptions are refused: a formula type other than
// "workflow" (convoy legs, expansions: their meaning would be lost), and any unknown key inside
// [escalation], which the witness's rules module refuses because a typo there would silently keep a
// weaker rule.
import { parse as parseToml, TomlError } from 'smol-toml'
import { z } from 'zod'
import { CONVOY_MODES, type MoleculeEscalation, type MoleculeStepTemplate, type MoleculeTemplate, type MoleculeVar } from '../../../shared/domain'
import { EscalationRuleError, escalationTable, parseEscalationToml } from '../witness/escalation-rules'
import { fieldLine, fieldName, type FieldPath } from './field-lines'
import { parseDuration } from './duration'
import { BUILTIN_VARS, VAR_NAME, referencesIn } from './variables'

/** A template that cannot be used: `FILE:LINE: field: problem`. */
export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    /** "steps[2].needs"; null for a file that is not TOML at all. */
    readonly field: string | null,
    readonly problem: string
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${problem}`)
    this.name = 'TemplateError'
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const NAME_RULE = 'use letters, digits, "-", "_" and ".", starting with a letter or digit (at most 64)'

const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': ['formula', 'version', 'type', 'description', 'vars', 'steps', 'molecule', 'convoy', 'hooks', 'escalation'],
  molecule: ['name', 'description', 'timeout'],
  convoy: ['mode', 'bundle_size'],
  hooks: ['workspace', 'ledger'],
  var: ['description', 'required', 'default'],
  step: ['id', 'title', 'description', 'needs', 'acceptance']
}

// ---- the schema: types and texts; relations between fields are checked after it ----

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Date) return 'a date'
  if (typeof value === 'object') return 'a table'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  return `${typeof value} ${String(value)}`
}

const CONTROL_IN_LINE = /[\x00-\x1f\x7f-\x9f]/
const CONTROL_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/
const charName = (c: string): string => {
  const code = c.charCodeAt(0)
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}${code === 10 ? ' (line break)' : code === 9 ? ' (tab)' : code === 27 ? ' (ESC)' : ''}`
}

const typed = (kind: string, missing: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? `is missing: ${missing}` : `must be ${kind}, not ${describe(iss.input)}`)
})

/** One line of plain text (a title, a name): agents and people read it in tables and terminals. */
const oneLine = (missing: string, max: number) =>
  z.string(typed('a string', missing)).superRefine((v, ctx) => {
    if (v.length > max) ctx.addIssue({ code: 'custom', message: `is longer than ${max} characters: shorten it` })
    const m = CONTROL_IN_LINE.exec(v)
    if (m) ctx.addIssue({ code: 'custom', message: `is one line of plain text, but character ${m.index + 1} is the control character ${charName(m[0])}: remove it` })
  })

/** Text of several lines (a description): line breaks and tabs, no other control character. */
const prose = (max: number) =>
  z
    .string(typed('a string', ''))
    .overwrite((v) => v.replace(/\r\n?/g, '\n'))
    .superRefine((v, ctx) => {
      if (v.length > max) ctx.addIssue({ code: 'custom', message: `is longer than ${max} characters: shorten it` })
      const m = CONTROL_IN_TEXT.exec(v)
      if (m) ctx.addIssue({ code: 'custom', message: `may hold line breaks and tabs but no other control character; character ${m.index + 1} is ${charName(m[0])}: remove it` })
    })

const table = (what: string) => typed(`a table (${what})`, what)

const stepSchema = z.object(
  {
    id: z.string(typed('a string', 'give the step an id, e.g. id = "test"')).regex(NAME, `is not a step id: ${NAME_RULE}`),
    title: oneLine('give the step a title: what it does, in a few words', 300),
    description: prose(100_000).optional(),
    needs: z.array(z.string(typed('a step id (a string)', '')), typed('a list of step ids, e.g. needs = ["design"]', '')).optional(),
    acceptance: prose(20_000).optional()
  },
  table('[[steps]] with id, title, description, needs, acceptance')
)

const varSchema = z.object(
  {
    description: prose(2_000).optional(),
    required: z.boolean(typed('true or false', '')).optional(),
    default: prose(10_000).optional()
  },
  table('[vars.NAME] with description, required, default')
)

const documentSchema = z.object({
  formula: z.string(typed('a string', '')).optional(),
  version: z.int(typed('a whole number', '')).min(0, 'must be 0 or more').optional(),
  type: z.string(typed('a string', '')).optional(),
  description: prose(100_000).optional(),
  molecule: z
    .object({ name: z.string(typed('a string', '')).optional(), description: prose(100_000).optional(), timeout: z.string(typed('a duration such as "2h"', '')).optional() }, table('[molecule] with name, description, timeout'))
    .optional(),
  convoy: z
    .object(
      {
        mode: z.enum(CONVOY_MODES, { error: (iss) => `must be "mountain" (runs without asking) or "gated" (each wave waits for approval), not ${describe(iss.input)}` }).optional(),
        bundle_size: z.int(typed('a whole number', '')).min(1, 'must be at least 1').max(100, 'must be at most 100').optional()
      },
      table('[convoy] with mode, bundle_size')
    )
    .optional(),
  hooks: z.object({ workspace: oneLine('', 1_000).optional(), ledger: oneLine('', 1_000).optional() }, table('[hooks] with workspace, ledger')).optional(),
  escalation: z.unknown().optional(), // the witness's rules module checks it, with its own words
  vars: z.record(z.string(), varSchema, table('[vars.NAME] tables')).optional(),
  steps: z.array(stepSchema, typed('a list of [[steps]] tables', '')).optional()
})

// ---- loading ----

/** Parses and validates a template's text; `file` is how messages name it. Throws TemplateError. */
export function parseTemplate(text: string, file: string): MoleculeTemplate {
  let doc: Record<string, unknown>
  try {
    doc = parseToml(text) as Record<string, unknown>
  } catch (err) {
    if (err instanceof TomlError) throw new TemplateError(file, err.line, null, `is not valid TOML: ${err.message.replace(/^Invalid TOML document:\s*/, '').split('\n')[0]}`)
    throw err
  }
  const fail = (path: FieldPath, problem: string): never => {
    throw new TemplateError(file, fieldLine(text, path), fieldName(path), problem)
  }

  const parsed = documentSchema.safeParse(doc)
  if (!parsed.success) {
    const [first, ...more] = parsed.error.issues
    fail(first!.path as FieldPath, first!.message + (more.length ? ` (and ${more.length} more problem${more.length === 1 ? '' : 's'} after it)` : ''))
  }
  const d = parsed.data!

  // The name, and which shape this is.
  if (d.type !== undefined && d.type !== 'workflow') fail(['type'], `${JSON.stringify(d.type)} formulas are not supported: a molecule here is a workflow of [[steps]] (type = "workflow")`)
  if (Object.hasOwn(doc, 'legs')) fail(['legs'], 'convoy formulas (legs) are not supported: a molecule here is a workflow of [[steps]]')
  const moleculeName = d.molecule?.name
  if (moleculeName !== undefined && d.formula !== undefined && moleculeName !== d.formula) {
    fail(['formula'], `names the template ${JSON.stringify(d.formula)} but [molecule] name is ${JSON.stringify(moleculeName)}: give it one name`)
  }
  const name = moleculeName ?? d.formula
  if (name === undefined) fail(d.molecule ? ['molecule', 'name'] : ['molecule'], 'the template has no name: give [molecule] name = "…" (or, for a Gas Town formula, formula = "…")')
  if (!NAME.test(name!)) fail(moleculeName !== undefined ? ['molecule', 'name'] : ['formula'], `${JSON.stringify(name)} is not a template name: ${NAME_RULE}`)
  if (d.molecule?.description !== undefined && d.description !== undefined && d.molecule.description !== d.description) {
    fail(['description'], 'the template has two descriptions (top-level and in [molecule]): keep one')
  }
  const description = d.molecule?.description ?? d.description ?? ''

  let timeout: MoleculeTemplate['timeout'] = null
  if (d.molecule?.timeout !== undefined) {
    const r = parseDuration(d.molecule.timeout)
    if ('problem' in r) fail(['molecule', 'timeout'], r.problem)
    else timeout = { text: d.molecule.timeout.trim(), seconds: r.seconds }
  }

  const warnings: string[] = []
  const warn = (path: FieldPath, problem: string) => {
    const line = fieldLine(text, path)
    warnings.push(`${file}${line ? `:${line}` : ''}: ${fieldName(path)}: ${problem}`)
  }

  // Variables.
  const vars: MoleculeVar[] = []
  for (const [varName, v] of Object.entries(d.vars ?? {})) {
    if (!VAR_NAME.test(varName)) fail(['vars', varName], `${JSON.stringify(varName)} is not a variable name: use letters, digits, "_" and "-", starting with a letter or "_"`)
    if (v.required && v.default !== undefined) warn(['vars', varName, 'default'], 'a required variable with a default is never missing: drop one of the two')
    vars.push({ name: varName, description: v.description ?? '', required: v.required ?? false, default: v.default ?? null })
  }

  // Steps: unique ids, needs that exist, no cycle.
  const steps: MoleculeStepTemplate[] = (d.steps ?? []).map((s) => ({
    id: s.id,
    title: s.title,
    description: s.description ?? '',
    needs: [...new Set(s.needs ?? [])],
    acceptance: s.acceptance ?? null
  }))
  const ids = steps.map((s) => s.id)
  steps.forEach((s, i) => {
    const first = ids.indexOf(s.id)
    if (first !== i) fail(['steps', i, 'id'], `the step id '${s.id}' is used twice (steps[${first}] and steps[${i}]): give each step its own id`)
  })
  steps.forEach((s, i) => {
    for (const need of s.needs) {
      if (need === s.id) fail(['steps', i, 'needs'], `a step cannot need itself ('${need}')`)
      if (!ids.includes(need)) fail(['steps', i, 'needs'], `no step '${need}' (steps are: ${ids.join(', ')})`)
    }
  })
  const cycle = needsCycle(steps)
  if (cycle) {
    fail(['steps', ids.indexOf(cycle[0]!), 'needs'], `the needs make a cycle: ${cycle.join(' → ')} (each needs the next), so none of them could ever start: remove one of these needs`)
  }

  // Every {{name}} must be a variable: a misspelt one would reach the agent as literal braces.
  const known = new Set([...vars.map((v) => v.name), ...Object.keys(BUILTIN_VARS)])
  const knownList = [...vars.map((v) => v.name), ...Object.keys(BUILTIN_VARS).map((b) => `${b} (filled by the control room)`)].join(', ')
  const checkRefs = (path: FieldPath, value: string | null | undefined) => {
    for (const ref of referencesIn(value ?? '')) {
      if (!known.has(ref)) fail(path, `{{${ref}}} is not a variable of this template: declare it in [vars.${ref}] or correct it (the variables are: ${knownList})`)
    }
  }
  checkRefs(d.molecule?.description !== undefined ? ['molecule', 'description'] : ['description'], description)
  steps.forEach((s, i) => {
    checkRefs(['steps', i, 'title'], s.title)
    checkRefs(['steps', i, 'description'], s.description)
    checkRefs(['steps', i, 'acceptance'], s.acceptance)
  })

  // [escalation]: the witness's one rules module, which names the line and field itself.
  let escalation: MoleculeEscalation = {}
  const escalationOrigins: MoleculeTemplate['escalationOrigins'] = {}
  try {
    const rules = parseEscalationToml(text, file)
    escalation = escalationTable(rules) as MoleculeEscalation
    if (rules.p0) escalationOrigins.p0_threshold = rules.p0.origin
    if (rules.p1) escalationOrigins.p1_threshold = rules.p1.origin
    if (rules.p2) escalationOrigins.p2_threshold = rules.p2.origin
    if (rules.deaconNotify !== undefined) escalationOrigins.deacon_notify = rules.deaconNotifyOrigin ?? file
  } catch (err) {
    if (err instanceof EscalationRuleError) throw new TemplateError(file, err.line, err.field, err.problem)
    throw err
  }

  unknownKeys(doc, warn)

  return {
    name: name!,
    description,
    shape: d.formula !== undefined ? 'formula' : 'molecule',
    version: d.version ?? null,
    timeout,
    convoy: d.convoy ? { mode: d.convoy.mode ?? null, bundleSize: d.convoy.bundle_size ?? null } : null,
    hooks: d.hooks ? { workspace: d.hooks.workspace ?? null, ledger: d.hooks.ledger ?? null } : null,
    escalation,
    escalationOrigins,
    vars,
    steps,
    warnings
  }
}

/** The first cycle of needs found, as step ids [a, b, …, a]; null when there is none. */
function needsCycle(steps: MoleculeStepTemplate[]): string[] | null {
  const needs = new Map(steps.map((s) => [s.id, s.needs]))
  const state = new Map<string, 'visiting' | 'done'>()
  const trail: string[] = []
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id]
    state.set(id, 'visiting')
    trail.push(id)
    for (const n of needs.get(id) ?? []) {
      const found = visit(n)
      if (found) return found
    }
    trail.pop()
    state.set(id, 'done')
    return null
  }
  for (const s of steps) {
    const found = visit(s.id)
    if (found) return found
  }
  return null
}

/** Warns about every key the template format does not know (see the top of this file for why only warn). */
function unknownKeys(doc: Record<string, unknown>, warn: (path: FieldPath, problem: string) => void): void {
  const check = (value: unknown, path: FieldPath, known: readonly string[], where: string) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) warn([...path, key], `is not a key of ${where}; it is ignored (the keys are: ${known.join(', ')})`)
    }
  }
  check(doc, [], KNOWN_KEYS['']!, 'a template')
  for (const t of ['molecule', 'convoy', 'hooks'] as const) check(doc[t], [t], KNOWN_KEYS[t]!, `[${t}]`)
  const vars = doc.vars
  if (vars && typeof vars === 'object') for (const [k, v] of Object.entries(vars)) check(v, ['vars', k], KNOWN_KEYS.var!, `[vars.${k}]`)
  if (Array.isArray(doc.steps)) doc.steps.forEach((s, i) => check(s, ['steps', i], KNOWN_KEYS.step!, '[[steps]]'))
}
