// The town's own records on a ledger branch, beside the Beads files: what a new town needs that Beads has no
// place for (rigs, polecats and their branches, checkpoints, the sessions' index, permission rules, the
// events that are not about a bead, convoys, poured molecules, the merge queue's requests, the engineer's
// review comments) and the manifest that says what wrote the branch. Snake_case fields like
// Beads' files; docs/ledger-branch.md lists each file and field. Every record is validated when read, with
// the file, the line and the field of what is wrong.
import { z } from 'zod'
import { CONVOY_MODES, CONVOY_STATES, MERGE_STATES, MOLECULE_ORIGINS, PERMISSION_ACTIONS, POLECAT_STATES, type ConvoyMode, type MergeState, type MoleculeOrigin, type PermissionAction, type PolecatState } from '../../../shared/domain'
import { SAFE_NAME } from '../../../shared/constants'
import { RIG_SETTING_KEYS, isRigSettingKey } from '../rigs/rig-settings'
import { readJsonl, type RecordProblem } from './jsonl'
import { isBeadId, normalizeTime, type EventRecord } from './beads-format'

export const MANIFEST_FILE = 'gt-town.json'
export const TOWN_FILES = {
  rigs: 'gt-rigs.jsonl',
  polecats: 'gt-polecats.jsonl',
  checkpoints: 'gt-checkpoints.jsonl',
  sessions: 'gt-sessions.jsonl',
  rules: 'gt-permission-rules.jsonl',
  events: 'gt-events.jsonl',
  convoys: 'gt-convoys.jsonl',
  molecules: 'gt-molecules.jsonl',
  mergeRequests: 'gt-merge-requests.jsonl',
  reviewComments: 'gt-review-comments.jsonl'
} as const
export const LEDGER_FORMAT = 'gastown-ledger'
export const LEDGER_VERSION = 1

export interface Manifest {
  format: typeof LEDGER_FORMAT
  version: number
  /** The town that wrote the branch (kept by a restored town: it is the same town). */
  town_id: string
  /** `rig`: one rig's branch (its origin), with that rig's beads; `town`: one remote for the whole town. */
  scope: 'rig' | 'town'
  rig: string | null
  bead_prefix: string
  written_by: string
}

export interface RigRecord {
  name: string
  /** Where the rig was added from, without a password or token a URL may carry. */
  source: string
  default_branch: string
  added_at: string
  settings: Record<string, unknown>
}

export interface PolecatRecord {
  id: string
  rig: string
  name: string
  state: PolecatState
  bead_id: string | null
  branch: string | null
  runtime: string | null
  session_id: string | null
  updated_at: string
}

export interface CheckpointRecord {
  id: number | null
  polecat_id: string
  bead_id: string | null
  session_id: string
  at: string
  data: unknown
}

export interface SessionRecord {
  id: string
  polecat_id: string
  rig: string
  bead_id: string | null
  runtime: string
  command: string
  started_at: string
  ended_at: string | null
  exit_code: number | null
  end_reason: string | null
  output_bytes: number
  runtime_session_id: string | null
}

export interface RuleRecord {
  id: string
  rig: string
  tool: string
  command_prefix: string | null
  action: PermissionAction
  created_at: string
  created_by: string
}

/** A convoy with its member beads in their order, and what the dispatcher decided about each (migration 009). */
export interface ConvoyRecord {
  id: string
  title: string
  mode: ConvoyMode
  molecule: string | null
  molecule_vars: Record<string, string> | null
  agent: string | null
  agent_cmd: string | null
  state: 'open' | 'landed'
  created_at: string
  created_by: string
  updated_at: string
  landed_at: string | null
  landed_by: string | null
  left_out: string[] | null
  beads: ConvoyMemberRecord[]
}

export interface ConvoyMemberRecord {
  bead_id: string
  position: number
  added_at: string
  added_by: string
  approved_at: string | null
  approved_by: string | null
  dispatched_at: string | null
  polecat_id: string | null
  sling_error: string | null
  held_reason: string | null
  skipped_at: string | null
  skip_reason: string | null
  skip_item: string | null
}

/**
 * A poured molecule: what the pour decided, and its steps in the template's order (migration 008). The steps'
 * state (done, current) is their beads' status, which issues.jsonl has: nothing of it is kept twice.
 */
export interface MoleculeRecord {
  id: string
  bead_id: string
  name: string
  origin: MoleculeOrigin
  rig: string | null
  source_file: string
  shape: 'molecule' | 'formula'
  description: string
  vars: unknown
  timeout_s: number | null
  timeout_text: string | null
  escalation: unknown
  escalation_origins: unknown
  convoy_mode: ConvoyMode | null
  bundle_size: number | null
  hooks: unknown
  poured_at: string
  poured_by: string
  timeout_raised_at: string | null
  steps: { step_id: string; position: number; bead_id: string; needs: string[]; acceptance: string | null }[]
}

/** A merge request's place and fate in its rig's queue (migration 006; the candidates' runs are not kept). */
export interface MergeRequestRecord {
  id: string
  rig: string
  branch: string
  bead_id: string | null
  polecat_id: string | null
  priority: number
  state: MergeState
  queued_sha: string | null
  tested_sha: string | null
  approved_sha: string | null
  merged_sha: string | null
  failure: unknown
  enqueued_at: string
  started_at: string | null
  finished_at: string | null
  updated_at: string
}

/** The engineer's comment on a line of a diff (migration 007), with the REVIEW mail that carries it to the polecat. */
export interface ReviewCommentRecord {
  id: string
  target_kind: 'polecat' | 'merge-request'
  target_id: string
  rig: string
  branch: string
  polecat_id: string | null
  path: string
  line: number
  side: 'old' | 'new'
  section: 'committed' | 'uncommitted'
  body: string
  head_sha: string
  created_at: string
  created_by: string
  /** Kept with the comment so an undelivered one still reaches the polecat of a restored town. */
  mail: { id: string; sender: string; recipient: string; subject: string; body: string; created_at: string; delivered_at: string | null } | null
}

// ---- validation ----

const CONTROL = /[\x00-\x1f\x7f-\x9f]/
const CONTROL_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/
const line = (max: number, min = 0) =>
  z
    .string()
    .min(min, 'is empty: it needs a value')
    .max(max, `is longer than ${max} characters`)
    .refine((v) => !CONTROL.test(v), 'is one line of plain text but holds a control character')
const text = (max: number) =>
  z
    .string()
    .max(max, `is longer than ${max} characters`)
    .refine((v) => !CONTROL_IN_TEXT.test(v), 'holds a control character other than a line break or a tab')
const time = z.string().refine((v) => normalizeTime(v) !== null, 'is not a time like 2026-01-21T01:39:24Z')
const rigName = z.string().regex(SAFE_NAME, 'is not a rig name: 1–39 lowercase letters, digits, "-" or "_", starting with a letter or digit')
const polecatId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,38}\/[a-z0-9][a-z0-9_-]{0,38}$/, 'is not a polecat id (RIG/NAME)')
const beadRef = z.string().refine(isBeadId, 'is not a bead id')
const sessionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'is not a session id')
// Checked again by git (check-ref-format) before a restore uses it: this keeps options and oddities out.
const branchName = line(255, 1).refine((v) => !v.startsWith('-') && !v.includes('..') && !/[\s~^:?*[\\]/.test(v), 'is not a branch name git accepts')

const manifestSchema = z
  .object({
    format: z.literal(LEDGER_FORMAT, { error: `is not "${LEDGER_FORMAT}": this is not a Gas Town ledger branch` }),
    version: z.number().int().min(1),
    town_id: line(100, 1),
    scope: z.enum(['rig', 'town']),
    rig: rigName.nullable(),
    bead_prefix: z.string().regex(/^[a-z][a-z0-9]{0,9}$/, 'is not a bead prefix (a lowercase letter, then up to 9 letters or digits)'),
    written_by: line(200)
  })
  .refine((m) => (m.scope === 'rig') === (m.rig !== null), { message: 'a rig branch names its rig, a town branch none', path: ['rig'] })

const rigSchema = z.object({
  name: rigName,
  source: line(4096, 1)
    .refine((v) => !v.startsWith('-'), 'starts with "-", which git would read as an option')
    .refine((v) => !/^[A-Za-z][A-Za-z0-9+.-]*::/.test(v), 'names a git remote helper (transport::address), which the town never runs from a ledger branch'),
  default_branch: branchName,
  added_at: time,
  settings: z.record(z.string(), z.unknown()).superRefine((settings, ctx) => {
    for (const [key, value] of Object.entries(settings)) {
      if (!isRigSettingKey(key)) continue // a setting this version does not know: kept, ignored, as in the town's own rows
      const r = RIG_SETTING_KEYS[key].schema.safeParse(value)
      if (!r.success) ctx.addIssue({ code: 'custom', path: [key], message: r.error.issues.map((i) => i.message).join('; ') })
    }
  })
})

const polecatSchema = z
  .object({
    id: polecatId,
    rig: rigName,
    name: z.string().regex(SAFE_NAME, 'is not a polecat name'),
    state: z.enum(POLECAT_STATES),
    bead_id: beadRef.nullable(),
    branch: branchName.nullable(),
    runtime: line(64).nullable(),
    session_id: sessionId.nullable(),
    updated_at: time
  })
  .refine((p) => p.id === `${p.rig}/${p.name}`, { message: 'is not RIG/NAME of this record', path: ['id'] })

const checkpointSchema = z.object({
  id: z.number().int().nullable(),
  polecat_id: polecatId,
  bead_id: beadRef.nullable(),
  session_id: sessionId,
  at: time,
  data: z.unknown()
})

const sessionSchema = z.object({
  id: sessionId,
  polecat_id: polecatId,
  rig: rigName,
  bead_id: beadRef.nullable(),
  runtime: line(64, 1),
  command: text(100_000),
  started_at: time,
  ended_at: time.nullable(),
  exit_code: z.number().int().nullable(),
  end_reason: line(64).nullable(),
  output_bytes: z.number().int().min(0),
  runtime_session_id: line(200).nullable()
})

const ruleSchema = z.object({
  id: line(64, 1),
  rig: rigName,
  tool: line(120, 1),
  command_prefix: line(500).nullable(),
  action: z.enum(PERMISSION_ACTIONS),
  created_at: time,
  created_by: line(80)
})

const recordId = (what: string) => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, `is not ${what} id`)
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'is not a commit id (40 or 64 hex digits)')
const nullableTime = time.nullable()

const convoyMemberSchema = z.object({
  bead_id: beadRef,
  position: z.number().int().min(0),
  added_at: time,
  added_by: line(255),
  approved_at: nullableTime,
  approved_by: line(255).nullable(),
  dispatched_at: nullableTime,
  polecat_id: polecatId.nullable(),
  sling_error: text(20_000).nullable(),
  held_reason: text(20_000).nullable(),
  skipped_at: nullableTime,
  skip_reason: text(20_000).nullable(),
  skip_item: line(100).nullable()
})

const convoySchema = z
  .object({
    id: recordId('a convoy'),
    title: line(500, 1),
    mode: z.enum(CONVOY_MODES),
    molecule: line(200).nullable(),
    molecule_vars: z.record(z.string(), z.string()).nullable(),
    agent: line(64).nullable(),
    agent_cmd: text(100_000).nullable(),
    state: z.enum(CONVOY_STATES),
    created_at: time,
    created_by: line(255),
    updated_at: time,
    landed_at: nullableTime,
    landed_by: line(255).nullable(),
    left_out: z.array(beadRef).nullable(),
    beads: z.array(convoyMemberSchema)
  })
  .refine((c) => c.agent === null || c.agent_cmd === null, { message: 'a convoy slings with an agent runtime or a command, not both', path: ['agent_cmd'] })
  .refine((c) => new Set(c.beads.map((b) => b.bead_id)).size === c.beads.length, { message: 'names a bead twice', path: ['beads'] })
  .refine((c) => new Set(c.beads.map((b) => b.position)).size === c.beads.length, { message: 'gives two beads the same position', path: ['beads'] })

const stepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'is not a step id')
const moleculeSchema = z
  .object({
    id: recordId('a molecule'),
    bead_id: beadRef,
    name: line(200, 1),
    origin: z.enum(MOLECULE_ORIGINS),
    rig: rigName.nullable(),
    source_file: line(4096, 1),
    shape: z.enum(['molecule', 'formula']),
    description: text(100_000),
    vars: z.record(z.string(), z.string()),
    timeout_s: z.number().int().min(1).nullable(),
    timeout_text: line(100).nullable(),
    escalation: z.record(z.string(), z.unknown()),
    escalation_origins: z.record(z.string(), z.unknown()),
    convoy_mode: z.enum(CONVOY_MODES).nullable(),
    bundle_size: z.number().int().min(1).nullable(),
    hooks: z.unknown(),
    poured_at: time,
    poured_by: line(255),
    timeout_raised_at: nullableTime,
    steps: z
      .array(z.object({ step_id: stepId, position: z.number().int().min(0), bead_id: beadRef, needs: z.array(stepId), acceptance: text(100_000).nullable() }))
      .min(1, 'is empty: a poured molecule has its steps')
  })
  .refine((m) => new Set(m.steps.map((s) => s.step_id)).size === m.steps.length && new Set(m.steps.map((s) => s.position)).size === m.steps.length, {
    message: 'names a step or a position twice',
    path: ['steps']
  })
  .refine((m) => m.steps.every((s) => s.needs.every((n) => m.steps.some((o) => o.step_id === n))), { message: 'a step needs a step the molecule does not have', path: ['steps'] })

const mergeRequestSchema = z.object({
  id: beadRef,
  rig: rigName,
  branch: branchName,
  bead_id: beadRef.nullable(),
  polecat_id: polecatId.nullable(),
  priority: z.number().int().min(0).max(4),
  state: z.enum(MERGE_STATES),
  queued_sha: sha.nullable(),
  tested_sha: sha.nullable(),
  approved_sha: sha.nullable(),
  merged_sha: sha.nullable(),
  failure: z.record(z.string(), z.unknown()).nullable(),
  enqueued_at: time,
  started_at: nullableTime,
  finished_at: nullableTime,
  updated_at: time
})

const reviewCommentSchema = z.object({
  id: recordId('a review comment'),
  target_kind: z.enum(['polecat', 'merge-request']),
  target_id: line(100, 1),
  rig: rigName,
  branch: branchName,
  polecat_id: polecatId.nullable(),
  path: text(4096).refine((v) => v.length > 0, 'is empty: it needs a value'),
  line: z.number().int().min(1),
  side: z.enum(['old', 'new']),
  section: z.enum(['committed', 'uncommitted']),
  body: text(100_000),
  head_sha: sha,
  created_at: time,
  created_by: line(255),
  mail: z
    .object({ id: recordId('a mail'), sender: line(255), recipient: line(255, 1), subject: line(200), body: text(1_000_000), created_at: time, delivered_at: nullableTime })
    .nullable()
})

const townEventSchema = z.object({
  id: z.number().int().nullable(),
  at: time,
  actor: line(255),
  kind: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'is not an event kind'),
  subject: line(255).nullable(),
  data: z.unknown()
})

export interface TownRecords {
  manifest: Manifest | null
  rigs: RigRecord[]
  polecats: PolecatRecord[]
  checkpoints: CheckpointRecord[]
  sessions: SessionRecord[]
  rules: RuleRecord[]
  events: EventRecord[]
  convoys: ConvoyRecord[]
  molecules: MoleculeRecord[]
  mergeRequests: MergeRequestRecord[]
  reviewComments: ReviewCommentRecord[]
}

export const isTownFile = (name: string): boolean => name === MANIFEST_FILE || (Object.values(TOWN_FILES) as string[]).includes(name)

function issuesAsProblems(file: string, lineNo: number, error: z.ZodError, raw: unknown): RecordProblem[] {
  return error.issues.map((i) => {
    let at: unknown = raw
    for (const p of i.path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined
    const missing = i.code === 'invalid_type' && at === undefined
    return { file, line: lineNo, field: i.path.map(String).join('.') || null, message: missing ? 'is missing: it needs a value' : i.message }
  })
}

const norm = (t: string): string => normalizeTime(t)!

/** Reads the town's files of a ledger branch (absent ones are empty), appending every bad record to `problems`. */
export function parseTownFiles(files: Map<string, string>, problems: RecordProblem[]): TownRecords {
  const out: TownRecords = { manifest: null, rigs: [], polecats: [], checkpoints: [], sessions: [], rules: [], events: [], convoys: [], molecules: [], mergeRequests: [], reviewComments: [] }
  const manifestText = files.get(MANIFEST_FILE)
  if (manifestText !== undefined) {
    let raw: unknown
    try {
      raw = JSON.parse(manifestText)
    } catch (err) {
      problems.push({ file: MANIFEST_FILE, line: 1, field: null, message: `not valid JSON (${(err as Error).message})` })
    }
    if (raw !== undefined) {
      const r = manifestSchema.safeParse(raw)
      if (!r.success) problems.push(...issuesAsProblems(MANIFEST_FILE, 1, r.error, raw))
      else if (r.data.version > LEDGER_VERSION)
        problems.push({ file: MANIFEST_FILE, line: 1, field: 'version', message: `is ${r.data.version}: the branch was written by a newer Gas Town (this one reads version ${LEDGER_VERSION}); update it first` })
      else out.manifest = r.data as Manifest
    }
  }
  const each = <T>(file: string, schema: z.ZodType<T>, take: (v: T) => void) => {
    const t = files.get(file)
    if (t === undefined) return
    for (const { line: n, value } of readJsonl(file, t, problems)) {
      const r = schema.safeParse(value)
      if (!r.success) problems.push(...issuesAsProblems(file, n, r.error, value))
      else take(r.data)
    }
  }
  each(TOWN_FILES.rigs, rigSchema, (r) => out.rigs.push({ ...r, added_at: norm(r.added_at) }))
  each(TOWN_FILES.polecats, polecatSchema, (p) => out.polecats.push({ ...p, updated_at: norm(p.updated_at) }))
  each(TOWN_FILES.checkpoints, checkpointSchema, (c) => out.checkpoints.push({ ...c, at: norm(c.at) }))
  each(TOWN_FILES.sessions, sessionSchema, (s) => out.sessions.push({ ...s, started_at: norm(s.started_at), ended_at: s.ended_at === null ? null : norm(s.ended_at) }))
  each(TOWN_FILES.rules, ruleSchema, (r) => out.rules.push({ ...r, created_at: norm(r.created_at) }))
  const nt = (t: string | null): string | null => (t === null ? null : norm(t))
  each(TOWN_FILES.convoys, convoySchema, (c) =>
    out.convoys.push({
      ...c,
      created_at: norm(c.created_at),
      updated_at: norm(c.updated_at),
      landed_at: nt(c.landed_at),
      beads: [...c.beads].sort((a, b) => a.position - b.position).map((m) => ({ ...m, added_at: norm(m.added_at), approved_at: nt(m.approved_at), dispatched_at: nt(m.dispatched_at), skipped_at: nt(m.skipped_at) }))
    })
  )
  each(TOWN_FILES.molecules, moleculeSchema, (m) =>
    out.molecules.push({ ...m, hooks: m.hooks ?? null, poured_at: norm(m.poured_at), timeout_raised_at: nt(m.timeout_raised_at), steps: [...m.steps].sort((a, b) => a.position - b.position) })
  )
  each(TOWN_FILES.mergeRequests, mergeRequestSchema, (q) =>
    out.mergeRequests.push({ ...q, enqueued_at: norm(q.enqueued_at), started_at: nt(q.started_at), finished_at: nt(q.finished_at), updated_at: norm(q.updated_at) })
  )
  each(TOWN_FILES.reviewComments, reviewCommentSchema, (c) =>
    out.reviewComments.push({ ...c, created_at: norm(c.created_at), mail: c.mail && { ...c.mail, created_at: norm(c.mail.created_at), delivered_at: nt(c.mail.delivered_at) } })
  )
  each(TOWN_FILES.events, townEventSchema, (e) => out.events.push({ at: norm(e.at), actor: e.actor, kind: e.kind, subject: e.subject, data: e.data ?? null, sourceId: e.id }))
  return out
}

/** A gt-events.jsonl record. */
export const townEventRecord = (e: EventRecord): Record<string, unknown> => ({ id: e.sourceId, at: e.at, actor: e.actor, kind: e.kind, subject: e.subject, data: e.data ?? null })

/**
 * A source as it may be written to a remote: a URL's password or token (https://user:TOKEN@host/…, or a token
 * alone as the user) is never pushed anywhere. ssh's user (git@host:path) is not a secret and stays.
 */
export function redactSource(source: string): string {
  if (!/^https?:\/\//i.test(source)) return source
  try {
    const url = new URL(source)
    if (!url.username && !url.password) return source
    url.username = ''
    url.password = ''
    return url.toString()
  } catch {
    return source
  }
}
