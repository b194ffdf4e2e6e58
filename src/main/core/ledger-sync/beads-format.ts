// The Beads JSONL format, both ways: Beads' records (issues, dependencies, labels, comments, events, with
// Beads' field names) to the town's beads and events, and back. Files come in two layouts, and both are read:
// - a backup folder (`bd backup`, and the ledger branch): issues.jsonl with the issues table's columns,
//   and dependencies.jsonl, labels.jsonl, comments.jsonl, events.jsonl beside it;
// - one file (`bd export`): an issue per line, its labels, dependencies and comments inside it.
// Which record a line holds is known from the file's name when it is one of Beads' names, else from its
// fields. What Beads has and the town does not model is kept on the bead (beads.beads_extra) and written
// back on export; docs/ledger-branch.md lists every mapping.
import { z } from 'zod'
import { BEAD_STATUSES, BEAD_TYPES, DEP_TYPES, type BeadDep, type BeadStatus, type BeadType, type DepType } from '../../../shared/domain'
import { readJsonl, type RecordProblem } from './jsonl'
import type { BeadsRecordKind } from '../../../shared/beads-jsonl'

// ---- the town's side ----

/** A dependency as Beads wrote it, when that is more than the town keeps (its own type, who and when). */
export interface DepInfo {
  type: string
  as: DepType
  created_at?: string
  created_by?: string
  metadata?: unknown
  thread_id?: string
}

/** A dependency on something that is not a bead here (Beads' external refs, a bead of a town not imported). */
export interface ExternalDep {
  depends_on_id: string
  type: string
  created_at?: string
  created_by?: string
  metadata?: unknown
  thread_id?: string
}

/** What a bead from Beads carries beyond the town's columns (beads.beads_extra). */
export interface BeadsExtra {
  /** Beads issue fields the town does not model (design, notes, owner, pinned, metadata, …), not at their defaults. */
  fields?: Record<string, unknown>
  /** Beads' status or type when the town holds it as another one. */
  status?: { beads: string; as: BeadStatus }
  issue_type?: { beads: string; as: BeadType }
  /** Beads' details of dependencies the town holds, by target. */
  deps?: Record<string, DepInfo>
  external_deps?: ExternalDep[]
}

/** A bead as ledger-sync moves it: the town's fields, labels, dependencies, and what Beads had beyond them. */
export interface BeadRecord {
  id: string
  title: string
  description: string
  status: BeadStatus
  priority: number
  type: BeadType
  assignee: string | null
  rig: string | null
  createdAt: string
  updatedAt: string
  closedAt: string | null
  closeReason: string | null
  labels: string[]
  deps: BeadDep[]
  extra: BeadsExtra
}

/** A ledger event as ledger-sync moves it; `sourceId` is its id where it was written (for order only). */
export interface EventRecord {
  at: string
  actor: string
  kind: string
  subject: string | null
  data: unknown
  sourceId: number | null
}

// ---- mappings (docs/ledger-branch.md) ----

/**
 * Beads' statuses the town has not. `pinned` (a standing record that stays open, never worked) and custom
 * statuses become `deferred`: never slung on a guess, never lost (the original goes back on export).
 */
const STATUS_AS: Record<string, BeadStatus> = { pinned: 'deferred', tombstone: 'closed' }
const OUR_STATUSES = new Set<string>(BEAD_STATUSES)
export const statusFromBeads = (s: string): BeadStatus => (OUR_STATUSES.has(s) ? (s as BeadStatus) : (STATUS_AS[s] ?? 'deferred'))

/** Beads' own types the town has not (message, gate, role, rig, event, slot, custom ones) are held as tasks. */
const OUR_TYPES = new Set<string>(BEAD_TYPES)
export const typeFromBeads = (t: string): BeadType => (OUR_TYPES.has(t) ? (t as BeadType) : 'task')

/** Beads' dependency types the town has not: those that hold a bead back in Beads hold it back here. */
const DEP_AS: Record<string, DepType> = { 'waits-for': 'blocks', 'conditional-blocks': 'blocks' }
const OUR_DEPS = new Set<string>(DEP_TYPES)
export const depFromBeads = (t: string): DepType => (OUR_DEPS.has(t) ? (t as DepType) : (DEP_AS[t] ?? 'related'))

/** Issue columns Beads writes at these values by default: not kept (Beads fills them in again). */
const FIELD_DEFAULTS: Record<string, unknown> = {
  design: '',
  acceptance_criteria: '',
  notes: '',
  estimated_minutes: null,
  created_by: '',
  owner: '',
  closed_by_session: '',
  external_ref: null,
  spec_id: null,
  compaction_level: 0,
  compacted_at: null,
  compacted_at_commit: null,
  original_size: null,
  sender: '',
  ephemeral: 0,
  wisp_type: '',
  pinned: 0,
  is_template: 0,
  mol_type: '',
  work_type: 'mutex',
  source_system: '',
  metadata: '{}',
  source_repo: '',
  event_kind: '',
  actor: '',
  target: '',
  payload: '',
  await_type: '',
  await_id: '',
  timeout_ns: 0,
  waiters: '',
  hook_bead: '',
  role_bead: '',
  agent_state: '',
  last_activity: null,
  role_type: '',
  due_at: null,
  defer_until: null
}
/** The issue fields the town models itself. */
const MODELLED = new Set(['id', 'title', 'description', 'status', 'priority', 'issue_type', 'assignee', 'rig', 'created_at', 'updated_at', 'closed_at', 'close_reason'])
/**
 * Fields Beads computes (counts, the parent, the blocked flag, the content hash) and the arrays of `bd export`:
 * not columns, so never kept. A stale content hash would make Beads take a changed bead for the old one.
 */
const NOT_KEPT = new Set(['labels', 'dependencies', 'comments', 'dependency_count', 'dependent_count', 'comment_count', 'parent', 'is_blocked', 'content_hash'])

// ---- field checks: the same rules as the contract (src/shared/contract.ts) ----

const CONTROL = /[\x00-\x1f\x7f-\x9f]/
const CONTROL_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/
const charName = (c: string): string => {
  const names: Record<number, string> = { 0: 'NUL', 9: 'tab', 10: 'line break', 27: 'ESC', 127: 'DEL' }
  const code = c.charCodeAt(0)
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}${names[code] ? ` (${names[code]})` : ''}`
}
const received = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'object' ? 'an object' : String(v))

/** One line of text (a title, a label, a name): no control character at all. */
const oneLine = (max: number, min = 0) =>
  z.string({ error: (iss) => `expected text, found ${received(iss.input)}` }).superRefine((v, ctx) => {
    if (v.length < min) ctx.addIssue({ code: 'custom', message: 'is empty: it needs a value' })
    if (v.length > max) ctx.addIssue({ code: 'custom', message: `is ${v.length} characters long, more than ${max}` })
    const m = CONTROL.exec(v)
    if (m) ctx.addIssue({ code: 'custom', message: `is one line of plain text, but character ${m.index + 1} is the control character ${charName(m[0])}` })
  })

/** Text of several lines: line breaks and tabs kept, CRLF and lone CR made \n, other control characters refused. */
const multiLine = (max: number) =>
  z
    .string({ error: (iss) => `expected text, found ${received(iss.input)}` })
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .superRefine((v, ctx) => {
      if (v.length > max) ctx.addIssue({ code: 'custom', message: `is ${v.length} characters long, more than ${max}` })
      const m = CONTROL_IN_TEXT.exec(v)
      if (m) ctx.addIssue({ code: 'custom', message: `may hold line breaks and tabs but no other control character; character ${m.index + 1} is ${charName(m[0])}` })
    })

// A bead id becomes part of a branch name (polecat/NAME/ID): the contract's rule.
const BEAD_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
export const isBeadId = (v: string): boolean => v.length <= 64 && BEAD_ID.test(v) && !v.includes('..') && !v.endsWith('.') && !v.endsWith('.lock')
const beadId = z
  .string({ error: (iss) => `expected a bead id, found ${received(iss.input)}` })
  .refine(isBeadId, { error: (iss) => `${received(iss.input)} is not a bead id the town can use: at most 64 letters, digits, ".", "_" and "-", not starting with "-" or "."` })

const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** A Beads time (RFC 3339; Dolt's "YYYY-MM-DD HH:MM:SS" read as UTC) as the town writes times: toISOString(). */
export function normalizeTime(s: string): string | null {
  if (!TIME.test(s)) return null
  let t = s.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1')
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) t += 'Z'
  t = t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}
const time = z.string({ error: (iss) => `expected a time like 2026-01-21T01:39:24Z, found ${received(iss.input)}` }).transform((v, ctx) => {
  const iso = normalizeTime(v)
  if (iso === null) {
    ctx.addIssue({ code: 'custom', message: `"${v.slice(0, 40)}" is not a time like 2026-01-21T01:39:24Z` })
    return z.NEVER
  }
  return iso
})
/** '' and null both mean "none" in Beads' exports. */
const none = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' || v === undefined ? null : v), s.nullable())
const word = (what: string) =>
  z.string({ error: (iss) => `expected ${what}, found ${received(iss.input)}` }).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, `is not ${what}: letters, digits, "_", "-", "." or ":", at most 64`)

const dependencyFields = {
  depends_on_id: oneLine(255, 1),
  type: word('a dependency type').default('blocks'),
  created_at: none(time),
  created_by: none(oneLine(255)),
  metadata: z.unknown().optional(),
  thread_id: none(oneLine(255))
}
const dependencySchema = z.object({ issue_id: beadId, ...dependencyFields })
const embeddedDependencySchema = z.object({ issue_id: beadId.optional(), ...dependencyFields })
const labelSchema = z.object({ issue_id: beadId, label: oneLine(255, 1) })
const commentFields = { id: z.unknown().optional(), author: none(oneLine(255)), text: multiLine(1_000_000), created_at: time }
const commentSchema = z.object({ issue_id: beadId, ...commentFields })
const embeddedCommentSchema = z.object({ issue_id: beadId.optional(), ...commentFields })
const eventSchema = z.object({
  id: z.union([z.number(), z.string(), z.null()]).optional(),
  issue_id: beadId,
  event_type: word('an event type'),
  actor: none(oneLine(255)),
  old_value: z.string().nullable().optional(),
  new_value: z.string().nullable().optional(),
  comment: z.string().nullable().optional(),
  created_at: time
})
const issueSchema = z.object({
  id: beadId,
  title: oneLine(500, 1),
  description: none(multiLine(1_000_000)),
  status: word('a status').default('open'),
  priority: z
    .number({ error: (iss) => `expected a priority from 0 (most urgent) to 4, found ${received(iss.input)}` })
    .int(`is not a whole number from 0 to 4`)
    .min(0, 'is below 0: priorities run from 0 (most urgent) to 4')
    .max(4, 'is above 4: priorities run from 0 (most urgent) to 4')
    .default(2),
  issue_type: word('an issue type').default('task'),
  assignee: none(oneLine(255)),
  rig: none(oneLine(100)),
  created_at: time,
  updated_at: none(time),
  closed_at: none(time),
  close_reason: none(multiLine(100_000)),
  labels: z.array(oneLine(255, 1)).optional(),
  dependencies: z.array(z.unknown()).nullable().optional(),
  comments: z.array(z.unknown()).nullable().optional()
})

// ---- reading ----

export type { BeadsRecordKind }

/** Beads' file names, and what each holds (a backup folder); other names are read record by record. */
const KIND_OF_FILE: Record<string, BeadsRecordKind> = {
  'issues.jsonl': 'issue',
  'beads.jsonl': 'issue',
  'dependencies.jsonl': 'dependency',
  'labels.jsonl': 'label',
  'comments.jsonl': 'comment',
  'events.jsonl': 'event'
}
/** Beads' own settings in a backup folder: not beads, nothing for the town to take. */
const IGNORED_FILES: Record<string, string> = { 'config.jsonl': "Beads' own settings (issue prefix, custom types): the town keeps its own" }

export interface Located {
  file: string
  line: number
}
export interface IncomingDep extends Located {
  issueId: string
  target: string
  info: DepInfo
}
export interface IncomingLabel extends Located {
  issueId: string
  label: string
}
export interface IncomingIssue extends Located {
  bead: BeadRecord
  /** Dependencies and comments written inside the issue (bd export). */
  deps: IncomingDep[]
  comments: IncomingEvent[]
}
export interface IncomingEvent extends Located {
  event: EventRecord
  /** A Beads comment (held as a bead.comment event): the same note may also come as an event. */
  comment: boolean
}

export interface ParsedBeads {
  issues: IncomingIssue[]
  deps: IncomingDep[]
  labels: IncomingLabel[]
  events: IncomingEvent[]
  ignored: { file: string; why: string }[]
  records: { file: string; kinds: Partial<Record<BeadsRecordKind, number>> }[]
}

export const emptyParsed = (): ParsedBeads => ({ issues: [], deps: [], labels: [], events: [], ignored: [], records: [] })

const baseName = (name: string): string => name.split(/[\\/]/).pop() ?? name

/** Which record a line of a file with no Beads name holds, by the fields only that record has. */
function kindOf(v: Record<string, unknown>): BeadsRecordKind | null {
  if ('event_type' in v) return 'event'
  if ('depends_on_id' in v) return 'dependency'
  if ('issue_id' in v && 'label' in v) return 'label'
  if ('issue_id' in v && 'text' in v) return 'comment'
  if ('id' in v && 'title' in v) return 'issue'
  return null
}

const NEEDS: Record<BeadsRecordKind, string> = {
  issue: 'an issue needs id and title',
  dependency: 'a dependency needs issue_id and depends_on_id',
  label: 'a label needs issue_id and label',
  comment: 'a comment needs issue_id, author and text',
  event: 'an event needs issue_id, event_type and created_at'
}

/** Zod's findings as problems of this line, each with its field ("dependencies[2].type"). */
function problemsOf(file: string, line: number, error: z.ZodError, raw: unknown, prefix = ''): RecordProblem[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[')
    const field = prefix && path ? `${prefix}.${path}` : prefix || path || null
    let at: unknown = raw
    for (const p of i.path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined
    const missing = i.code === 'invalid_type' && at === undefined
    return { file, line, field, message: missing ? 'is missing: it needs a value' : i.message }
  })
}

/** Parses Beads files (any mix of layouts), appending every bad record to `problems`. */
export function parseBeadsFiles(files: { name: string; text: string }[], problems: RecordProblem[], into: ParsedBeads = emptyParsed()): ParsedBeads {
  for (const f of files) {
    const base = baseName(f.name)
    if (IGNORED_FILES[base]) {
      into.ignored.push({ file: f.name, why: IGNORED_FILES[base] })
      continue
    }
    const fixed = KIND_OF_FILE[base] ?? null
    const kinds: Partial<Record<BeadsRecordKind, number>> = {}
    for (const { line, value } of readJsonl(f.name, f.text, problems)) {
      const kind = fixed ?? kindOf(value)
      if (!kind) {
        problems.push({
          file: f.name,
          line,
          field: null,
          message: 'not a Beads record: expected an issue (id, title), a dependency (issue_id, depends_on_id), a label (issue_id, label), a comment (issue_id, text) or an event (issue_id, event_type)'
        })
        continue
      }
      if (fixed && kindOf(value) !== kind && !(kind === 'issue' && 'id' in value)) {
        problems.push({ file: f.name, line, field: null, message: `${base} holds ${kind} records, and ${NEEDS[kind]}` })
        continue
      }
      kinds[kind] = (kinds[kind] ?? 0) + 1
      parseRecord(kind, f.name, line, value, problems, into)
    }
    into.records.push({ file: f.name, kinds })
  }
  return into
}

function parseRecord(kind: BeadsRecordKind, file: string, line: number, value: Record<string, unknown>, problems: RecordProblem[], into: ParsedBeads): void {
  if (kind === 'issue') {
    const issue = parseIssue(file, line, value, problems)
    if (issue) into.issues.push(issue)
  } else if (kind === 'dependency') {
    const r = dependencySchema.safeParse(value)
    if (!r.success) problems.push(...problemsOf(file, line, r.error, value))
    else into.deps.push(incomingDep(file, line, r.data.issue_id, r.data))
  } else if (kind === 'label') {
    const r = labelSchema.safeParse(value)
    if (!r.success) problems.push(...problemsOf(file, line, r.error, value))
    else into.labels.push({ file, line, issueId: r.data.issue_id, label: r.data.label })
  } else if (kind === 'comment') {
    const r = commentSchema.safeParse(value)
    if (!r.success) problems.push(...problemsOf(file, line, r.error, value))
    else into.events.push(commentEvent(file, line, r.data.issue_id, r.data))
  } else {
    const e = parseEvent(file, line, value, problems)
    if (e) into.events.push(e)
  }
}

type DepFields = z.output<typeof embeddedDependencySchema>
function incomingDep(file: string, line: number, issueId: string, d: DepFields): IncomingDep {
  const info: DepInfo = { type: d.type, as: depFromBeads(d.type) }
  if (d.created_at) info.created_at = d.created_at
  if (d.created_by) info.created_by = d.created_by
  if (d.metadata !== undefined && d.metadata !== null && d.metadata !== '' && d.metadata !== '{}') info.metadata = d.metadata
  if (d.thread_id) info.thread_id = d.thread_id
  return { file, line, issueId, target: d.depends_on_id, info }
}

type CommentFields = z.output<typeof embeddedCommentSchema>
function commentEvent(file: string, line: number, issueId: string, c: CommentFields): IncomingEvent {
  return { file, line, comment: true, event: { at: c.created_at, actor: c.author ?? '', kind: 'bead.comment', subject: issueId, data: { text: c.text }, sourceId: null } }
}

function parseIssue(file: string, line: number, value: Record<string, unknown>, problems: RecordProblem[]): IncomingIssue | null {
  const r = issueSchema.safeParse(value)
  if (!r.success) {
    problems.push(...problemsOf(file, line, r.error, value))
    return null
  }
  const d = r.data
  const before = problems.length
  const deps: IncomingDep[] = []
  for (const [i, raw] of (d.dependencies ?? []).entries()) {
    const dr = embeddedDependencySchema.safeParse(raw)
    if (!dr.success) problems.push(...problemsOf(file, line, dr.error, raw, `dependencies[${i}]`))
    else if (dr.data.issue_id && dr.data.issue_id !== d.id) problems.push({ file, line, field: `dependencies[${i}].issue_id`, message: `is ${dr.data.issue_id}, but the dependency is written inside ${d.id}` })
    else deps.push(incomingDep(file, line, d.id, dr.data))
  }
  const comments: IncomingEvent[] = []
  for (const [i, raw] of (d.comments ?? []).entries()) {
    const cr = embeddedCommentSchema.safeParse(raw)
    if (!cr.success) problems.push(...problemsOf(file, line, cr.error, raw, `comments[${i}]`))
    else comments.push(commentEvent(file, line, d.id, cr.data))
  }
  if (problems.length > before) return null

  const status = statusFromBeads(d.status)
  const type = typeFromBeads(d.issue_type)
  const extra: BeadsExtra = {}
  const fields: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (MODELLED.has(k) || NOT_KEPT.has(k) || v === undefined) continue
    if (k in FIELD_DEFAULTS ? v === FIELD_DEFAULTS[k] : v === null) continue
    fields[k] = v
  }
  if (Object.keys(fields).length) extra.fields = fields
  if (status !== d.status) extra.status = { beads: d.status, as: status }
  if (type !== d.issue_type) extra.issue_type = { beads: d.issue_type, as: type }
  const closedAt = d.closed_at ?? (status === 'closed' ? (d.updated_at ?? d.created_at) : null)
  const bead: BeadRecord = {
    id: d.id,
    title: d.title,
    description: d.description ?? '',
    status,
    priority: d.priority,
    type,
    assignee: d.assignee,
    rig: d.rig,
    createdAt: d.created_at,
    updatedAt: d.updated_at ?? d.created_at,
    closedAt: status === 'closed' ? closedAt : null,
    closeReason: status === 'closed' ? d.close_reason : null,
    labels: [...new Set(d.labels ?? [])].sort(),
    deps: [],
    extra
  }
  // A close reason on a bead that is not closed (reopened in Beads) is Beads' data: kept, not ours.
  if (status !== 'closed' && d.close_reason) fields.close_reason = d.close_reason
  if (status !== 'closed' && d.closed_at) fields.closed_at = value.closed_at
  if (Object.keys(fields).length) extra.fields = fields
  return { file, line, bead, deps, comments }
}

function parseEvent(file: string, line: number, value: Record<string, unknown>, problems: RecordProblem[]): IncomingEvent | null {
  const r = eventSchema.safeParse(value)
  if (!r.success) {
    problems.push(...problemsOf(file, line, r.error, value))
    return null
  }
  const e = r.data
  const sourceId = typeof e.id === 'number' && Number.isInteger(e.id) ? e.id : null
  // The town's own kinds always have a dot (bead.created, agent.note); Beads' event types never do.
  if (e.event_type.includes('.')) {
    let data: unknown = null
    if (e.new_value !== null && e.new_value !== undefined && e.new_value !== '') {
      try {
        data = JSON.parse(e.new_value)
      } catch {
        problems.push({ file, line, field: 'new_value', message: `is not JSON, and a Gas Town event (${e.event_type}) keeps its data there as JSON` })
        return null
      }
    }
    return { file, line, comment: false, event: { at: e.created_at, actor: e.actor ?? '', kind: e.event_type, subject: e.issue_id, data, sourceId } }
  }
  const data = { old_value: e.old_value ?? null, new_value: e.new_value ?? null, comment: e.comment ?? null }
  return { file, line, comment: false, event: { at: e.created_at, actor: e.actor ?? '', kind: `beads.${e.event_type}`, subject: e.issue_id, data, sourceId } }
}

// ---- writing ----

/** The issues table's columns for one bead (a backup folder's issues.jsonl): what `bd backup restore` inserts. */
export function issueRecord(b: BeadRecord, createdBy: string | null): Record<string, unknown> {
  const fields = b.extra.fields ?? {}
  return {
    // Columns Beads declares NOT NULL without a default: always written.
    design: '',
    acceptance_criteria: '',
    notes: '',
    created_by: createdBy ?? '',
    ...fields,
    id: b.id,
    title: b.title,
    description: b.description,
    status: b.extra.status && b.extra.status.as === b.status ? b.extra.status.beads : b.status,
    priority: b.priority,
    issue_type: b.extra.issue_type && b.extra.issue_type.as === b.type ? b.extra.issue_type.beads : b.type,
    assignee: b.assignee,
    rig: b.rig ?? '',
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    closed_at: b.closedAt ?? (fields.closed_at as string | undefined) ?? null,
    close_reason: b.closeReason ?? (fields.close_reason as string | undefined) ?? ''
  }
}

/** The bead's dependencies as Beads records, its external ones included. */
export function dependencyRecords(b: BeadRecord, createdBy: string | null): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const d of b.deps) {
    const info = b.extra.deps?.[d.target]
    const known = info && info.as === d.type ? info : null
    out.push(depRecord(b.id, d.target, known?.type ?? d.type, known ?? {}, b.createdAt, createdBy))
  }
  for (const x of b.extra.external_deps ?? []) out.push(depRecord(b.id, x.depends_on_id, x.type, x, b.createdAt, createdBy))
  return out
}

function depRecord(issueId: string, target: string, type: string, info: Partial<DepInfo>, createdAt: string, createdBy: string | null): Record<string, unknown> {
  const r: Record<string, unknown> = { issue_id: issueId, depends_on_id: target, type, created_at: info.created_at ?? createdAt, created_by: info.created_by ?? createdBy ?? '' }
  if (info.metadata !== undefined) r.metadata = info.metadata
  if (info.thread_id) r.thread_id = info.thread_id
  return r
}

export const labelRecords = (b: BeadRecord): Record<string, unknown>[] => b.labels.map((label) => ({ issue_id: b.id, label }))

/** Events that are notes on a bead: also written as Beads comments, which Beads shows with the bead. */
export const isNote = (e: EventRecord): boolean => (e.kind === 'agent.note' || e.kind === 'bead.comment') && typeof (e.data as { text?: unknown } | null)?.text === 'string'

export function commentRecord(e: EventRecord): Record<string, unknown> {
  return { id: e.sourceId === null ? null : `gt-note-${e.sourceId}`, issue_id: e.subject, author: e.actor, text: (e.data as { text: string }).text, created_at: e.at }
}

/** An event on a bead as a Beads event; Beads' own events (beads.*) are given back as they came. */
export function eventRecord(e: EventRecord): Record<string, unknown> {
  if (e.kind.startsWith('beads.')) {
    const d = (e.data ?? {}) as { old_value?: unknown; new_value?: unknown; comment?: unknown }
    return { id: e.sourceId, issue_id: e.subject, event_type: e.kind.slice('beads.'.length), actor: e.actor, old_value: d.old_value ?? null, new_value: d.new_value ?? null, comment: d.comment ?? null, created_at: e.at }
  }
  return {
    id: e.sourceId,
    issue_id: e.subject,
    event_type: e.kind,
    actor: e.actor,
    old_value: null,
    new_value: JSON.stringify(e.data ?? null),
    comment: isNote(e) ? (e.data as { text: string }).text : null,
    created_at: e.at
  }
}

/** One bead in `bd export`'s layout: the issue with its labels, dependencies and comments inside. */
export function bdExportRecord(b: BeadRecord, createdBy: string | null, notes: EventRecord[]): Record<string, unknown> {
  const r = issueRecord(b, createdBy)
  if (b.labels.length) r.labels = b.labels
  const deps = dependencyRecords(b, createdBy)
  if (deps.length) r.dependencies = deps
  if (notes.length) r.comments = notes.map(commentRecord)
  return r
}
