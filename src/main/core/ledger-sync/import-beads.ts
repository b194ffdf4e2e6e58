// `gt bead import` and `gt bead export`: Beads JSONL into and out of the town's ledger. An import is one
// transaction, all or nothing: any bad record (JSON, a field, a dependency that would close a cycle) refuses
// the whole import, naming the file, the line and the field, and nothing is written. What an import does with
// a bead the ledger has already, and with records that point at beads nobody has, is in docs/ledger-branch.md.
import type { Statement } from 'better-sqlite3'
import type { BeadDep } from '../../../shared/domain'
import { inTransaction, type Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import { LedgerFormatError, stableStringify, toJsonl, type RecordProblem } from './jsonl'
import { bdExportRecord, depFromBeads, isNote, parseBeadsFiles, type BeadRecord, type BeadsExtra, type BeadsRecordKind, type EventRecord, type IncomingDep } from './beads-format'
import { assembleBeads, eventKey, type Orphan } from './assemble'
import { BEADS_FILES, readBeadRecords, readSnapshot, snapshotFiles, makeManifest } from './snapshot'
import { isTownFile } from './town-records'
import type { ExportedFile, ImportConflict, ImportReport } from '../../../shared/beads-jsonl'

export interface ImportFile {
  /** How the file is named in messages (the path the user gave); its base name tells Beads' layouts apart. */
  name: string
  text: string
}

export type { ImportConflict, ImportReport } from '../../../shared/beads-jsonl'

const BLOCKING = ['blocks', 'parent-child']

class DryRun extends Error {}

/** The fields of a bead that an import compares and replaces (labels and dependencies are only ever added). */
const sameFields = (a: BeadRecord, b: BeadRecord): boolean =>
  a.title === b.title &&
  a.description === b.description &&
  a.status === b.status &&
  a.priority === b.priority &&
  a.type === b.type &&
  a.assignee === b.assignee &&
  a.rig === b.rig &&
  a.createdAt === b.createdAt &&
  a.updatedAt === b.updatedAt &&
  a.closedAt === b.closedAt &&
  a.closeReason === b.closeReason &&
  stableStringify(withoutLinks(a.extra)) === stableStringify(withoutLinks(b.extra))

const withoutLinks = (x: BeadsExtra): BeadsExtra => ({ ...x, deps: undefined, external_deps: undefined })
const hasDep = (list: BeadDep[], d: BeadDep): boolean => list.some((x) => x.type === d.type && x.target === d.target)
const extraJson = (x: BeadsExtra): string | null => {
  const s = stableStringify(x)
  return s === '{}' ? null : s
}

/**
 * Imports Beads files into the ledger in one transaction. Throws LedgerFormatError (every bad record, with
 * file, line and field) and writes nothing when any record is bad; `dryRun` checks and counts everything the
 * same way and then writes nothing.
 */
export function importBeads(db: Db, ledger: Ledger, files: ImportFile[], opts: { dryRun?: boolean; actor?: string } = {}): ImportReport {
  const actor = opts.actor ?? 'human'
  const problems: RecordProblem[] = []
  const beadsFiles: ImportFile[] = []
  for (const f of files) {
    const base = f.name.split(/[\\/]/).pop() ?? f.name
    if (isTownFile(base)) problems.push({ file: f.name, line: 1, field: null, message: 'is a town record of a ledger branch, not a Beads file: a whole town is brought back with gt town restore --from REMOTE' })
    else beadsFiles.push(f)
  }
  const parsed = parseBeadsFiles(beadsFiles, problems)
  if (problems.length) throw new LedgerFormatError(problems)

  const report: ImportReport = {
    dryRun: !!opts.dryRun,
    files: parsed.records,
    ignored: parsed.ignored,
    beads: { created: 0, updated: 0, unchanged: 0, conflicts: [] },
    labels: { added: 0 },
    dependencies: { added: 0, external: 0 },
    events: { added: 0, duplicates: 0 },
    skipped: []
  }
  try {
    inTransaction(db, () => {
      const existsStmt = db.prepare('SELECT 1 FROM beads WHERE id = ?')
      const exists = (id: string): boolean => !!existsStmt.get(id)
      const assembled = assembleBeads(parsed, exists, problems)
      if (problems.length) throw new LedgerFormatError(problems)
      report.skipped = assembled.orphans
      const holder = db.prepare('SELECT id FROM polecats WHERE bead_id = ?')
      const insertBead = db.prepare(
        `INSERT INTO beads (id, title, description, status, priority, type, assignee, rig, created_at, updated_at, closed_at, close_reason, beads_extra)
         VALUES (@id, @title, @description, @status, @priority, @type, @assignee, @rig, @createdAt, @updatedAt, @closedAt, @closeReason, @extra)`
      )
      const updateBead = db.prepare(
        `UPDATE beads SET title = @title, description = @description, status = @status, priority = @priority, type = @type, assignee = @assignee,
           rig = @rig, created_at = @createdAt, updated_at = @updatedAt, closed_at = @closedAt, close_reason = @closeReason, beads_extra = @extra WHERE id = @id`
      )
      const setExtra = db.prepare('UPDATE beads SET beads_extra = ? WHERE id = ?')
      const addLabel = db.prepare('INSERT OR IGNORE INTO bead_labels (bead_id, label) VALUES (?, ?)')
      const addDep = db.prepare('INSERT OR IGNORE INTO bead_deps (bead_id, type, target) VALUES (?, ?, ?)')
      const row = (b: BeadRecord) => ({ ...b, extra: extraJson(b.extra) })

      // Bead rows first, so every dependency's target is there when the dependencies go in.
      const applied: { b: BeadRecord; file: string; line: number; action: 'created' | 'updated' }[] = []
      for (const inc of [...assembled.beads.values()].sort((a, b) => a.bead.id.localeCompare(b.bead.id))) {
        const b = inc.bead
        const cur = readBeadRecords(db, [b.id])[0]
        if (!cur) {
          insertBead.run(row({ ...b, extra: { ...b.extra } }))
          applied.push({ b, file: inc.file, line: inc.line, action: 'created' })
          report.beads.created++
          continue
        }
        const linksIn = b.deps.every((d) => hasDep(cur.deps, d)) && b.labels.every((l) => cur.labels.includes(l)) && (b.extra.external_deps ?? []).every((x) => (cur.extra.external_deps ?? []).some((y) => y.depends_on_id === x.depends_on_id && y.type === x.type))
        if (sameFields(cur, b) && linksIn) {
          report.beads.unchanged++
          continue
        }
        const newer = Date.parse(b.updatedAt) > Date.parse(cur.updatedAt)
        if (!newer && !sameFields(cur, b)) {
          report.beads.conflicts.push({ id: b.id, file: inc.file, line: inc.line, why: `the ledger's version was updated at ${cur.updatedAt}, the file's at ${b.updatedAt}: the ledger's is kept` })
          continue
        }
        const held = holder.get(b.id) as { id: string } | undefined
        if (held && (b.status !== cur.status || b.assignee !== cur.assignee)) {
          report.beads.conflicts.push({ id: b.id, file: inc.file, line: inc.line, why: `it is hooked to ${held.id} here, and the file would change its status or assignee: the ledger's is kept (stop the polecat first)` })
          continue
        }
        const extra: BeadsExtra = { ...b.extra, deps: { ...cur.extra.deps, ...b.extra.deps }, external_deps: mergeExternal(cur.extra.external_deps, b.extra.external_deps) }
        if (!Object.keys(extra.deps!).length) delete extra.deps
        if (!extra.external_deps!.length) delete extra.external_deps
        updateBead.run(row({ ...(newer ? b : cur), extra }))
        applied.push({ b, file: inc.file, line: inc.line, action: 'updated' })
        report.beads.updated++
      }

      // Labels and dependencies: those of the beads just written, and those the files give beads already here.
      const added: { dep: BeadDep & { from: string }; file: string; line: number }[] = []
      const link = (from: string, d: BeadDep, file: string, line: number) => {
        if (addDep.run(from, d.type, d.target).changes) {
          report.dependencies.added++
          added.push({ dep: { ...d, from }, file, line })
        }
      }
      for (const a of applied) {
        for (const l of a.b.labels) report.labels.added += addLabel.run(a.b.id, l).changes
        for (const d of a.b.deps) link(a.b.id, d, a.file, a.line)
      }
      for (const l of assembled.forExisting.labels) report.labels.added += addLabel.run(l.issueId, l.label).changes
      for (const d of assembled.forExisting.deps) {
        if (assembled.external.includes(d)) keepExternal(db, setExtra, d)
        else link(d.issueId, { type: d.info.as, target: d.target }, d.file, d.line)
      }
      report.dependencies.external = assembled.external.length
      for (const r of resolveExternals(db, setExtra)) link(r.from, r.dep, r.file, r.line)

      const cycle = findCycle(db, added)
      if (cycle) {
        throw new LedgerFormatError([
          { file: cycle.file, line: cycle.line, field: 'depends_on_id', message: `${cycle.path[0]} waiting on ${cycle.path[1]} closes the dependency cycle ${cycle.path.join(' → ')}: none of them would ever be ready` }
        ])
      }

      const existingKeys = new Map<string, Set<string>>()
      const keysOf = (subject: string | null): Set<string> => {
        const k = subject ?? '\0'
        let set = existingKeys.get(k)
        if (!set) {
          const rows = (subject === null ? db.prepare('SELECT at, actor, kind, subject, data FROM events WHERE subject IS NULL').all() : db.prepare('SELECT at, actor, kind, subject, data FROM events WHERE subject = ?').all(subject)) as {
            at: string
            actor: string
            kind: string
            subject: string | null
            data: string
          }[]
          set = new Set(rows.map((r) => eventKey({ ...r, data: parseJson(r.data), sourceId: null })))
          existingKeys.set(k, set)
        }
        return set
      }
      const insertEvent = db.prepare('INSERT INTO events (at, actor, kind, subject, data) VALUES (?, ?, ?, ?, ?)')
      const history = assembled.events.map((e) => e.event).sort((a, b) => a.at.localeCompare(b.at) || (a.sourceId ?? 0) - (b.sourceId ?? 0))
      for (const e of history) {
        const keys = keysOf(e.subject)
        const key = eventKey(e)
        if (keys.has(key)) {
          report.events.duplicates++
          continue
        }
        keys.add(key)
        insertEvent.run(e.at, e.actor, e.kind, e.subject, JSON.stringify(e.data ?? null))
        report.events.added++
      }
      for (const a of applied) ledger.append(actor, 'bead.imported', a.b.id, { file: a.file, line: a.line, action: a.action })
      if (opts.dryRun) throw new DryRun()
    })
  } catch (err) {
    if (!(err instanceof DryRun)) throw err
  }
  return report
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}

function mergeExternal(a: BeadsExtra['external_deps'], b: BeadsExtra['external_deps']): NonNullable<BeadsExtra['external_deps']> {
  const out = [...(a ?? [])]
  for (const x of b ?? []) if (!out.some((y) => y.depends_on_id === x.depends_on_id && y.type === x.type)) out.push(x)
  return out
}

function readExtra(db: Db, id: string): BeadsExtra {
  const r = db.prepare('SELECT beads_extra FROM beads WHERE id = ?').get(id) as { beads_extra: string | null } | undefined
  try {
    return r?.beads_extra ? (JSON.parse(r.beads_extra) as BeadsExtra) : {}
  } catch {
    return {}
  }
}

function keepExternal(db: Db, setExtra: Statement, d: IncomingDep): void {
  const extra = readExtra(db, d.issueId)
  const x = { depends_on_id: d.target, type: d.info.type, ...(d.info.created_at ? { created_at: d.info.created_at } : {}), ...(d.info.created_by ? { created_by: d.info.created_by } : {}) }
  extra.external_deps = mergeExternal(extra.external_deps, [x])
  setExtra.run(extraJson(extra), d.issueId)
}

/** External dependencies whose target is a bead now (it came with this import) become dependencies. */
function resolveExternals(db: Db, setExtra: Statement): { from: string; dep: BeadDep; file: string; line: number }[] {
  const out: { from: string; dep: BeadDep; file: string; line: number }[] = []
  const exists = db.prepare('SELECT 1 FROM beads WHERE id = ?')
  for (const r of db.prepare("SELECT id, beads_extra FROM beads WHERE beads_extra LIKE '%external_deps%'").all() as { id: string; beads_extra: string }[]) {
    let extra: BeadsExtra
    try {
      extra = JSON.parse(r.beads_extra)
    } catch {
      continue
    }
    const still = (extra.external_deps ?? []).filter((x) => {
      if (x.depends_on_id === r.id || !exists.get(x.depends_on_id)) return true
      const as = depFromBeads(x.type)
      out.push({ from: r.id, dep: { type: as, target: x.depends_on_id }, file: '(an earlier import)', line: 0 })
      if (x.type !== as || x.created_at || x.created_by) extra.deps = { ...extra.deps, [x.depends_on_id]: { ...x, as } }
      return false
    })
    if (still.length === (extra.external_deps ?? []).length) continue
    if (still.length) extra.external_deps = still
    else delete extra.external_deps
    setExtra.run(extraJson(extra), r.id)
  }
  return out
}

/** A cycle of blocking dependencies through one of those just added, with the line that added it. */
function findCycle(db: Db, added: { dep: BeadDep & { from: string }; file: string; line: number }[]): { path: string[]; file: string; line: number } | null {
  const next = db.prepare(`SELECT DISTINCT target FROM bead_deps WHERE bead_id = ? AND type IN (${BLOCKING.map(() => '?').join(',')}) ORDER BY target`)
  for (const a of added) {
    if (!BLOCKING.includes(a.dep.type)) continue
    // from waits on target: a cycle is a way back from target to from.
    const cameFrom = new Map<string, string>([[a.dep.target, a.dep.from]])
    const queue = [a.dep.target]
    for (let i = 0; i < queue.length; i++) {
      for (const { target } of next.all(queue[i], ...BLOCKING) as { target: string }[]) {
        if (target === a.dep.from) {
          const path = [queue[i]]
          while (path[0] !== a.dep.target) path.unshift(cameFrom.get(path[0])!)
          return { path: [a.dep.from, ...path, a.dep.from], file: a.file, line: a.line }
        }
        if (!cameFrom.has(target)) {
          cameFrom.set(target, queue[i])
          queue.push(target)
        }
      }
    }
  }
  return null
}

export type { ExportedFile } from '../../../shared/beads-jsonl'

/**
 * The ledger's beads as Beads files. `file`: one issues.jsonl in `bd export`'s layout (labels, dependencies
 * and comments inside each issue: what `bd import` reads). `backup`: Beads' backup folder (issues,
 * dependencies, labels, comments and events, the history: what `bd backup restore` reads). With a rig: that
 * rig's beads, the beads of no rig, and every bead they depend on, as the rig's ledger branch has them.
 */
export function exportBeads(db: Db, opts: { rig?: string; layout?: 'file' | 'backup' } = {}): ExportedFile[] {
  const snap = readSnapshot(db, opts.rig ? { rig: opts.rig } : 'town')
  if ((opts.layout ?? 'file') === 'backup') {
    const files = snapshotFiles(snap, makeManifest({ townId: '-', scope: 'town', beadPrefix: 'gt', writtenBy: '' }))
    return (Object.values(BEADS_FILES) as string[]).map((name) => ({ name, text: files.get(name)! }))
  }
  const notes = new Map<string, EventRecord[]>()
  for (const e of snap.events) if (e.subject && isNote(e)) notes.set(e.subject, [...(notes.get(e.subject) ?? []), e])
  return [{ name: BEADS_FILES.issues, text: toJsonl(snap.beads.map((b) => bdExportRecord(b, snap.createdBy[b.id] ?? null, notes.get(b.id) ?? []))) }]
}
