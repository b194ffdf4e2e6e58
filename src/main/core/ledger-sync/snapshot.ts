// A ledger snapshot: everything a ledger branch holds, read from the town's database for one scope (a rig, or
// the whole town), written as the branch's files, read back from them, and merged with another snapshot (a
// remote's branch that moved, the branches of several rigs in a restore).
import type { BeadDep } from '../../../shared/domain'
import type { Db } from '../store/db'
import { LedgerFormatError, stableStringify, toJsonl, type RecordProblem } from './jsonl'
import {
  commentRecord,
  dependencyRecords,
  emptyParsed,
  eventRecord,
  issueRecord,
  isNote,
  labelRecords,
  parseBeadsFiles,
  type BeadRecord,
  type BeadsExtra,
  type EventRecord
} from './beads-format'
import { assembleBeads, eventKey } from './assemble'
import {
  LEDGER_FORMAT,
  LEDGER_VERSION,
  MANIFEST_FILE,
  TOWN_FILES,
  isTownFile,
  parseTownFiles,
  redactSource,
  townEventRecord,
  type CheckpointRecord,
  type ConvoyRecord,
  type Manifest,
  type MergeRequestRecord,
  type MoleculeRecord,
  type ReviewCommentRecord,
  type PolecatRecord,
  type RigRecord,
  type RuleRecord,
  type SessionRecord
} from './town-records'

/** A rig's branch (that rig's beads, and the beads of no rig), or the whole town's. */
export type LedgerScope = { rig: string } | 'town'

export interface LedgerSnapshot {
  beads: BeadRecord[]
  /** Who created each bead (the actor of its bead.created event): Beads' created_by. */
  createdBy: Record<string, string>
  events: EventRecord[]
  rigs: RigRecord[]
  polecats: PolecatRecord[]
  checkpoints: CheckpointRecord[]
  sessions: SessionRecord[]
  rules: RuleRecord[]
  convoys: ConvoyRecord[]
  molecules: MoleculeRecord[]
  mergeRequests: MergeRequestRecord[]
  reviewComments: ReviewCommentRecord[]
}

export const emptySnapshot = (): LedgerSnapshot => ({ beads: [], createdBy: {}, events: [], rigs: [], polecats: [], checkpoints: [], sessions: [], rules: [], convoys: [], molecules: [], mergeRequests: [], reviewComments: [] })

export const BEADS_FILES = { issues: 'issues.jsonl', dependencies: 'dependencies.jsonl', labels: 'labels.jsonl', comments: 'comments.jsonl', events: 'events.jsonl' } as const
export const README_FILE = 'README.md'

// ---- from the database ----

interface BeadRow {
  id: string
  title: string
  description: string
  status: BeadRecord['status']
  priority: number
  type: BeadRecord['type']
  assignee: string | null
  rig: string | null
  created_at: string
  updated_at: string
  closed_at: string | null
  close_reason: string | null
  beads_extra: string | null
}

function parseExtra(json: string | null): BeadsExtra {
  if (!json) return {}
  try {
    const v = JSON.parse(json)
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as BeadsExtra) : {}
  } catch {
    return {}
  }
}

/** The town's beads as records (every one, or those with these ids), labels and dependencies attached. */
export function readBeadRecords(db: Db, ids?: string[]): BeadRecord[] {
  const rows = ids
    ? ids.flatMap((id) => (db.prepare('SELECT * FROM beads WHERE id = ?').all(id) as BeadRow[]))
    : (db.prepare('SELECT * FROM beads ORDER BY id').all() as BeadRow[])
  const labels = new Map<string, string[]>()
  const deps = new Map<string, BeadDep[]>()
  const labelStmt = db.prepare('SELECT label FROM bead_labels WHERE bead_id = ? ORDER BY label')
  const depStmt = db.prepare('SELECT type, target FROM bead_deps WHERE bead_id = ? ORDER BY type, target')
  if (ids) {
    for (const r of rows) {
      labels.set(r.id, (labelStmt.all(r.id) as { label: string }[]).map((l) => l.label))
      deps.set(r.id, depStmt.all(r.id) as BeadDep[])
    }
  } else {
    for (const l of db.prepare('SELECT bead_id, label FROM bead_labels ORDER BY bead_id, label').all() as { bead_id: string; label: string }[]) {
      labels.set(l.bead_id, [...(labels.get(l.bead_id) ?? []), l.label])
    }
    for (const d of db.prepare('SELECT bead_id, type, target FROM bead_deps ORDER BY bead_id, type, target').all() as (BeadDep & { bead_id: string })[]) {
      deps.set(d.bead_id, [...(deps.get(d.bead_id) ?? []), { type: d.type, target: d.target }])
    }
  }
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    description: r.description,
    status: r.status,
    priority: r.priority,
    type: r.type,
    assignee: r.assignee,
    rig: r.rig,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    closeReason: r.close_reason,
    labels: labels.get(r.id) ?? [],
    deps: deps.get(r.id) ?? [],
    extra: parseExtra(r.beads_extra)
  }))
}

interface EventRow {
  id: number
  at: string
  actor: string
  kind: string
  subject: string | null
  data: string
}

const POLECAT_SUBJECT = /^([a-z0-9][a-z0-9_-]{0,38})\/[a-z0-9][a-z0-9_-]{0,38}$/

/** The whole town's ledger, read in one transaction: what every target's snapshot is cut from. */
export function readTownLedger(db: Db): LedgerSnapshot {
  return db.transaction(() => readTownNow(db))()
}

/** One target's snapshot, read now (readTownLedger + scopeSnapshot). */
export const readSnapshot = (db: Db, scope: LedgerScope): LedgerSnapshot => scopeSnapshot(readTownLedger(db), scope)

function readTownNow(db: Db): LedgerSnapshot {
  const beads = readBeadRecords(db)
  const events: EventRecord[] = []
  const createdBy: Record<string, string> = {}
  for (const r of db.prepare('SELECT * FROM events ORDER BY id').iterate() as IterableIterator<EventRow>) {
    if (r.kind === 'bead.created' && r.subject && !(r.subject in createdBy)) createdBy[r.subject] = r.actor
    events.push({ at: r.at, actor: r.actor, kind: r.kind, subject: r.subject, data: safeParse(r.data), sourceId: r.id })
  }
  const rigs = (db.prepare('SELECT * FROM rigs ORDER BY name').all() as { name: string; source: string; default_branch: string; added_at: string; settings: string }[]).map((r): RigRecord => {
    const v = safeParse(r.settings || '{}')
    const settings = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
    return { name: r.name, source: redactSource(r.source), default_branch: r.default_branch, added_at: r.added_at, settings }
  })
  const polecats = db.prepare('SELECT id, rig, name, state, bead_id, branch, runtime, session_id, updated_at FROM polecats ORDER BY id').all() as PolecatRecord[]
  const checkpoints = (db.prepare('SELECT id, polecat_id, bead_id, session_id, at, data FROM checkpoints ORDER BY id').all() as (Omit<CheckpointRecord, 'data'> & { data: string })[]).map((c) => ({
    ...c,
    data: safeParse(c.data)
  }))
  const sessions = db
    .prepare('SELECT id, polecat_id, rig, bead_id, runtime, command, started_at, ended_at, exit_code, end_reason, output_bytes, runtime_session_id FROM sessions ORDER BY started_at, id')
    .all() as SessionRecord[]
  const rules = db.prepare('SELECT id, rig, tool, command_prefix, action, created_at, created_by FROM permission_rules ORDER BY id').all() as RuleRecord[]
  return { beads, createdBy, events, rigs, polecats, checkpoints, sessions, rules, ...readWorkRecords(db) }
}

type Row = Record<string, unknown>
const json = (v: unknown): unknown => (typeof v === 'string' ? safeParse(v) : null)

/** Convoys, poured molecules, the merge queue's requests and the review comments, as their records. */
function readWorkRecords(db: Db): Pick<LedgerSnapshot, 'convoys' | 'molecules' | 'mergeRequests' | 'reviewComments'> {
  const members = new Map<string, ConvoyRecord['beads']>()
  for (const m of db.prepare('SELECT * FROM convoy_beads ORDER BY convoy_id, position').all() as (ConvoyRecord['beads'][number] & { convoy_id: string })[]) {
    const { convoy_id, ...member } = m
    members.set(convoy_id, [...(members.get(convoy_id) ?? []), member])
  }
  const convoys = (db.prepare('SELECT * FROM convoys ORDER BY id').all() as Row[]).map(
    (c): ConvoyRecord => ({
      ...(c as unknown as ConvoyRecord),
      molecule_vars: json(c.molecule_vars) as ConvoyRecord['molecule_vars'],
      left_out: json(c.left_out) as string[] | null,
      beads: members.get(c.id as string) ?? []
    })
  )
  const steps = new Map<string, MoleculeRecord['steps']>()
  for (const s of db.prepare('SELECT molecule_id, step_id, position, bead_id, needs, acceptance FROM molecule_steps ORDER BY molecule_id, position').all() as Row[]) {
    const id = s.molecule_id as string
    steps.set(id, [...(steps.get(id) ?? []), { step_id: s.step_id as string, position: s.position as number, bead_id: s.bead_id as string, needs: json(s.needs) as string[], acceptance: s.acceptance as string | null }])
  }
  const molecules = (db.prepare('SELECT * FROM molecules ORDER BY id').all() as Row[]).map(
    (m): MoleculeRecord => ({
      ...(m as unknown as MoleculeRecord),
      vars: json(m.vars),
      escalation: json(m.escalation),
      escalation_origins: json(m.escalation_origins),
      hooks: json(m.hooks),
      steps: steps.get(m.id as string) ?? []
    })
  )
  const mergeRequests = (db.prepare('SELECT * FROM merge_queue ORDER BY id').all() as Row[]).map((q): MergeRequestRecord => ({ ...(q as unknown as MergeRequestRecord), failure: json(q.failure) }))
  const reviewComments = (
    db
      .prepare(
        `SELECT c.id, c.target_kind, c.target_id, c.rig, c.branch, c.polecat_id, c.path, c.line, c.side, c.section, c.body, c.head_sha, c.created_at, c.created_by,
           m.id AS mail_id, m.sender AS mail_sender, m.recipient AS mail_recipient, m.subject AS mail_subject, m.body AS mail_body, m.created_at AS mail_created_at, m.delivered_at AS mail_delivered_at
         FROM review_comments c LEFT JOIN mail m ON m.id = c.mail_id ORDER BY c.created_at, c.id`
      )
      .all() as Row[]
  ).map((r): ReviewCommentRecord => {
    const out: Row = {}
    for (const [k, v] of Object.entries(r)) if (!k.startsWith('mail_')) out[k] = v
    out.mail = r.mail_id
      ? { id: r.mail_id, sender: r.mail_sender, recipient: r.mail_recipient, subject: r.mail_subject, body: r.mail_body, created_at: r.mail_created_at, delivered_at: r.mail_delivered_at }
      : null
    return out as unknown as ReviewCommentRecord
  })
  return { convoys, molecules, mergeRequests, reviewComments }
}

/**
 * A rig's branch has the rig's beads, the beads of no rig, and every bead those depend on (so the branch is
 * whole on its own: Beads and a restore find every dependency's target), with their events; the rig's own
 * records; and the town's events that belong to no other rig (town.started, …).
 */
export function scopeSnapshot(town: LedgerSnapshot, scope: LedgerScope): LedgerSnapshot {
  if (scope === 'town') return town
  const byId = new Map(town.beads.map((b) => [b.id, b]))
  const chosen = new Set<string>()
  const queue = town.beads.filter((b) => b.rig === scope.rig || b.rig === null).map((b) => b.id)
  while (queue.length) {
    const id = queue.pop()!
    if (chosen.has(id)) continue
    chosen.add(id)
    for (const d of byId.get(id)?.deps ?? []) if (!chosen.has(d.target)) queue.push(d.target)
  }
  const rigNames = new Set(town.rigs.map((r) => r.name))
  const ofRig = (polecatId: string): boolean => POLECAT_SUBJECT.exec(polecatId)?.[1] === scope.rig
  const belongs = (subject: string | null): boolean => {
    if (subject === null || chosen.has(subject)) return true
    if (byId.has(subject)) return false // another rig's bead
    if (subject === scope.rig) return true
    if (rigNames.has(subject)) return false
    if (POLECAT_SUBJECT.test(subject)) return ofRig(subject)
    return true // the town's own (mail to the mayor, …)
  }
  const createdBy: Record<string, string> = {}
  for (const id of chosen) if (town.createdBy[id]) createdBy[id] = town.createdBy[id]
  return {
    beads: town.beads.filter((b) => chosen.has(b.id)),
    createdBy,
    events: town.events.filter((e) => belongs(e.subject)),
    rigs: town.rigs.filter((r) => r.name === scope.rig),
    polecats: town.polecats.filter((p) => p.rig === scope.rig),
    checkpoints: town.checkpoints.filter((c) => ofRig(c.polecat_id)),
    sessions: town.sessions.filter((x) => x.rig === scope.rig),
    rules: town.rules.filter((r) => r.rig === scope.rig),
    // A convoy may span rigs: it is on the branch of every rig one of its beads is in, whole (a restore from
    // some of the rigs' branches keeps the members it has the beads of).
    convoys: town.convoys.filter((c) => c.beads.some((m) => chosen.has(m.bead_id))),
    molecules: town.molecules.filter((m) => chosen.has(m.bead_id)),
    mergeRequests: town.mergeRequests.filter((q) => q.rig === scope.rig),
    reviewComments: town.reviewComments.filter((c) => c.rig === scope.rig)
  }
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}

/**
 * Whether a snapshot changed, cheaply: events and checkpoints are only ever appended (their count and last id
 * say which they are), everything else is compared whole — but a polecat's updated_at, which moves with every
 * sign of activity, makes no commit of its own (it goes along with the next change).
 */
export function snapshotFingerprint(s: LedgerSnapshot, manifest: Manifest): string {
  const last = (ids: (number | null)[]) => ids.reduce<number>((m, id) => Math.max(m, id ?? 0), 0)
  return stableStringify({
    manifest,
    beads: s.beads,
    createdBy: s.createdBy,
    rigs: s.rigs,
    polecats: s.polecats.map((p) => ({ ...p, updated_at: null })),
    sessions: s.sessions,
    rules: s.rules,
    convoys: s.convoys,
    molecules: s.molecules,
    mergeRequests: s.mergeRequests,
    reviewComments: s.reviewComments,
    events: [s.events.length, last(s.events.map((e) => e.sourceId))],
    checkpoints: [s.checkpoints.length, last(s.checkpoints.map((c) => c.id))]
  })
}

// ---- merging ----

const checkpointKey = (c: CheckpointRecord): string => stableStringify([c.polecat_id, c.bead_id, c.session_id, c.at, c.data ?? null])
const byTime = <T>(at: (x: T) => string, id: (x: T) => number | null) => (a: T, b: T) => at(a).localeCompare(at(b)) || (id(a) ?? 0) - (id(b) ?? 0)

/**
 * `ours` with what `theirs` adds. Records that are only ever added (beads, events, checkpoints, sessions) are
 * joined: a bead in both is the newer by updated_at (ours at the same time), an event or a checkpoint in both
 * is kept once. Configuration (rigs, polecats, permission rules) is ours alone when `config` is 'ours' — a
 * removed rig or rule stays removed — and joined when 'both' (a restore from several rigs' branches).
 */
export function mergeSnapshots(ours: LedgerSnapshot, theirs: LedgerSnapshot, config: 'ours' | 'both'): LedgerSnapshot {
  const beads = new Map(ours.beads.map((b) => [b.id, b]))
  for (const b of theirs.beads) {
    const mine = beads.get(b.id)
    if (!mine || Date.parse(b.updatedAt) > Date.parse(mine.updatedAt)) beads.set(b.id, b)
  }
  const events = new Map<string, EventRecord>()
  for (const e of [...ours.events, ...theirs.events]) if (!events.has(eventKey(e))) events.set(eventKey(e), e)
  const checkpoints = new Map<string, CheckpointRecord>()
  for (const c of [...ours.checkpoints, ...theirs.checkpoints]) if (!checkpoints.has(checkpointKey(c))) checkpoints.set(checkpointKey(c), c)
  const sessions = new Map(ours.sessions.map((s) => [s.id, s]))
  for (const s of theirs.sessions) {
    const mine = sessions.get(s.id)
    if (!mine || (!mine.ended_at && s.ended_at)) sessions.set(s.id, s)
  }
  const joinBy = <T>(a: T[], b: T[], key: (x: T) => string, newer?: (x: T, y: T) => boolean): T[] => {
    const m = new Map(a.map((x) => [key(x), x]))
    if (config === 'both') for (const x of b) if (!m.has(key(x)) || newer?.(x, m.get(key(x))!)) m.set(key(x), x)
    return [...m.values()].sort((x, y) => key(x).localeCompare(key(y)))
  }
  return {
    beads: [...beads.values()].sort((a, b) => a.id.localeCompare(b.id)),
    createdBy: { ...theirs.createdBy, ...ours.createdBy },
    events: [...events.values()].sort(byTime((e) => e.at, (e) => e.sourceId)),
    checkpoints: [...checkpoints.values()].sort(byTime((c) => c.at, (c) => c.id)),
    sessions: [...sessions.values()].sort((a, b) => a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id)),
    rigs: joinBy(ours.rigs, theirs.rigs, (r) => r.name),
    polecats: joinBy(ours.polecats, theirs.polecats, (p) => p.id, (x, y) => Date.parse(x.updated_at) > Date.parse(y.updated_at)),
    rules: joinBy(ours.rules, theirs.rules, (r) => `${r.rig}\0${r.tool}\0${r.command_prefix ?? ''}`),
    // Work records are joined whatever `config` says (a convoy on two rigs' branches is one convoy): the one
    // changed last wins; a molecule or a comment only ever gains a mark (the overrun raised, the mail delivered).
    convoys: newest(ours.convoys, theirs.convoys, (a, b) => Date.parse(a.updated_at) > Date.parse(b.updated_at)),
    molecules: newest(ours.molecules, theirs.molecules, (a, b) => a.timeout_raised_at !== null && b.timeout_raised_at === null),
    mergeRequests: newest(ours.mergeRequests, theirs.mergeRequests, (a, b) => Date.parse(a.updated_at) > Date.parse(b.updated_at)),
    reviewComments: newest(ours.reviewComments, theirs.reviewComments, (a, b) => !!a.mail?.delivered_at && !b.mail?.delivered_at, (c) => `${c.created_at}\0${c.id}`)
  }
}

/** Records by id, ours unless theirs `wins`; sorted by `order` (the id unless given). */
function newest<T extends { id: string }>(ours: T[], theirs: T[], wins: (theirs: T, ours: T) => boolean, order: (x: T) => string = (x) => x.id): T[] {
  const m = new Map(ours.map((x) => [x.id, x]))
  for (const x of theirs) if (!m.has(x.id) || wins(x, m.get(x.id)!)) m.set(x.id, x)
  return [...m.values()].sort((a, b) => order(a).localeCompare(order(b)))
}

// ---- files ----

const README = `# gt/ledger: a Gas Town town's ledger

This branch is written by Gas Town Control Room, as ordinary commits that never rewrite history. It holds
the town's ledger so that a new town can be built from the remotes alone (\`gt town restore --from REMOTE\`).

- issues.jsonl, dependencies.jsonl, labels.jsonl, comments.jsonl, events.jsonl: Beads' backup layout
  (\`bd backup restore\` reads this folder).
- gt-*.jsonl, gt-town.json: the town's own records (rigs, polecats and their branches, checkpoints, sessions,
  permission rules, the events that are not about a bead, convoys, poured molecules, merge requests, review
  comments).

The branch has nothing to do with the code of this repository; leave it to the control room.
`

/** The branch's files for a snapshot: Beads' backup layout, the town's own files, the manifest and a README. */
export function snapshotFiles(snap: LedgerSnapshot, manifest: Manifest): Map<string, string> {
  const beadIds = new Set(snap.beads.map((b) => b.id))
  const onBeads = snap.events.filter((e) => e.subject !== null && beadIds.has(e.subject))
  const others = snap.events.filter((e) => e.subject === null || !beadIds.has(e.subject))
  const createdBy = (b: BeadRecord): string | null => snap.createdBy[b.id] ?? null
  const files = new Map<string, string>()
  files.set(BEADS_FILES.issues, toJsonl(snap.beads.map((b) => issueRecord(b, createdBy(b)))))
  files.set(BEADS_FILES.dependencies, toJsonl(snap.beads.flatMap((b) => dependencyRecords(b, createdBy(b)))))
  files.set(BEADS_FILES.labels, toJsonl(snap.beads.flatMap(labelRecords)))
  files.set(BEADS_FILES.comments, toJsonl(onBeads.filter(isNote).map(commentRecord)))
  files.set(BEADS_FILES.events, toJsonl(onBeads.map(eventRecord)))
  files.set(TOWN_FILES.events, toJsonl(others.map(townEventRecord)))
  files.set(TOWN_FILES.rigs, toJsonl(snap.rigs))
  files.set(TOWN_FILES.polecats, toJsonl(snap.polecats))
  files.set(TOWN_FILES.checkpoints, toJsonl(snap.checkpoints))
  files.set(TOWN_FILES.sessions, toJsonl(snap.sessions))
  files.set(TOWN_FILES.rules, toJsonl(snap.rules))
  files.set(TOWN_FILES.convoys, toJsonl(snap.convoys))
  files.set(TOWN_FILES.molecules, toJsonl(snap.molecules))
  files.set(TOWN_FILES.mergeRequests, toJsonl(snap.mergeRequests))
  files.set(TOWN_FILES.reviewComments, toJsonl(snap.reviewComments))
  files.set(MANIFEST_FILE, JSON.stringify(JSON.parse(stableStringify(manifest)), null, 2) + '\n')
  files.set(README_FILE, README)
  return files
}

export function makeManifest(p: { townId: string; scope: LedgerScope; beadPrefix: string; writtenBy: string }): Manifest {
  return {
    format: LEDGER_FORMAT,
    version: LEDGER_VERSION,
    town_id: p.townId,
    scope: p.scope === 'town' ? 'town' : 'rig',
    rig: p.scope === 'town' ? null : p.scope.rig,
    bead_prefix: p.beadPrefix,
    written_by: p.writtenBy
  }
}

/**
 * A ledger branch's files as a snapshot, every record validated. Any bad record refuses the whole branch
 * (LedgerFormatError naming `where`, the file, the line and the field); files this version does not know are
 * left alone (a newer version says so in the manifest's version, which is checked).
 */
export function snapshotFromFiles(files: Map<string, string>, where: string): { manifest: Manifest | null; snapshot: LedgerSnapshot } {
  const problems: RecordProblem[] = []
  const beadsFiles = (Object.values(BEADS_FILES) as string[]).filter((n) => files.has(n)).map((name) => ({ name, text: files.get(name)! }))
  const parsed = parseBeadsFiles(beadsFiles, problems, emptyParsed())
  const town = parseTownFiles(new Map([...files].filter(([n]) => isTownFile(n))), problems)
  if (!town.manifest && !problems.some((p) => p.file === MANIFEST_FILE)) problems.push({ file: MANIFEST_FILE, line: 1, field: null, message: 'is missing: this is not a Gas Town ledger branch' })
  const assembled = assembleBeads(parsed, () => false, problems)
  // A branch is written whole: a label or dependency of a bead it does not have means it was damaged.
  for (const o of assembled.orphans) problems.push({ file: o.file, line: o.line, field: 'issue_id', message: `is ${o.issueId}, which ${BEADS_FILES.issues} does not have` })
  if (problems.length) throw new LedgerFormatError(problems, where)
  const createdBy: Record<string, string> = {}
  const beads = [...assembled.beads.values()].map((i) => {
    const by = i.bead.extra.fields?.created_by
    if (typeof by === 'string' && by) createdBy[i.bead.id] = by
    return i.bead
  })
  const events = [...assembled.events.map((e) => e.event), ...town.events]
  return {
    manifest: town.manifest,
    snapshot: {
      beads: beads.sort((a, b) => a.id.localeCompare(b.id)),
      createdBy,
      events: events.sort(byTime((e) => e.at, (e) => e.sourceId)),
      rigs: town.rigs,
      polecats: town.polecats,
      checkpoints: town.checkpoints,
      sessions: town.sessions,
      rules: town.rules,
      convoys: town.convoys,
      molecules: town.molecules,
      mergeRequests: town.mergeRequests,
      reviewComments: town.reviewComments
    }
  }
}
