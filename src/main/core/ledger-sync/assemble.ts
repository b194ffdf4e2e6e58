// From parsed Beads records to beads: the newest version of each issue, its labels and dependencies attached,
// events without duplicates. Shared by `gt bead import` (against the town's ledger) and by reading a ledger
// branch (against nothing). The rules, which docs/ledger-branch.md repeats:
// - the same issue more than once: the newest updated_at wins; at the same time, the later line;
// - a label or dependency of a bead that is neither in the files nor in the ledger has nothing to belong to:
//   it is skipped and reported (file and line), never an error (Beads' own restore does the same);
// - a dependency on something that is not a bead here is kept as an external dependency on the bead (Beads
//   keeps those too: external refs, beads of another town), written back on export, and holds nothing back;
// - a comment that repeats a note already among the events (the town writes each note both ways) is one note.
import type { BeadDep } from '../../../shared/domain'
import { stableStringify, type RecordProblem } from './jsonl'
import { isBeadId, type EventRecord, type IncomingDep, type IncomingEvent, type IncomingIssue, type IncomingLabel, type ParsedBeads } from './beads-format'

import type { ImportOrphan as Orphan } from '../../../shared/beads-jsonl'
export type { Orphan }

export interface Assembled {
  beads: Map<string, IncomingIssue>
  /** Labels and dependencies of beads that are not in the files but are in the ledger already. */
  forExisting: { labels: IncomingLabel[]; deps: IncomingDep[] }
  orphans: Orphan[]
  /** Dependencies kept as external (their target is not a bead here). */
  external: IncomingDep[]
  events: IncomingEvent[]
}

export const eventKey = (e: EventRecord): string => stableStringify([e.at, e.actor, e.kind, e.subject, e.data ?? null])
const noteKey = (e: EventRecord): string => stableStringify([e.at, e.actor, e.subject, (e.data as { text?: unknown } | null)?.text ?? null])
const isNoteKind = (k: string): boolean => k === 'agent.note' || k === 'bead.comment'

/** Whether Beads' details of a dependency say more than the town's own dependency and the bead already do. */
function worthKeeping(d: IncomingDep, bead: IncomingIssue['bead']): boolean {
  const i = d.info
  const beadCreatedBy = (bead.extra.fields?.created_by as string | undefined) ?? ''
  return i.type !== i.as || i.metadata !== undefined || !!i.thread_id || (!!i.created_at && i.created_at !== bead.createdAt) || (!!i.created_by && i.created_by !== beadCreatedBy)
}

export function assembleBeads(parsed: ParsedBeads, exists: (id: string) => boolean, problems: RecordProblem[]): Assembled {
  const beads = new Map<string, IncomingIssue>()
  for (const issue of parsed.issues) {
    const held = beads.get(issue.bead.id)
    if (!held || Date.parse(issue.bead.updatedAt) >= Date.parse(held.bead.updatedAt)) beads.set(issue.bead.id, issue)
  }
  const known = (id: string): boolean => beads.has(id) || exists(id)
  const out: Assembled = { beads, forExisting: { labels: [], deps: [] }, orphans: [], external: [], events: [] }

  for (const l of parsed.labels) {
    const b = beads.get(l.issueId)
    if (b) {
      if (!b.bead.labels.includes(l.label)) b.bead.labels = [...b.bead.labels, l.label].sort()
    } else if (exists(l.issueId)) out.forExisting.labels.push(l)
    else out.orphans.push({ file: l.file, line: l.line, kind: 'label', issueId: l.issueId })
  }

  const chosenDeps = [...beads.values()].flatMap((b) => b.deps)
  for (const d of [...chosenDeps, ...parsed.deps]) {
    if (!known(d.issueId)) {
      out.orphans.push({ file: d.file, line: d.line, kind: 'dependency', issueId: d.issueId })
      continue
    }
    if (d.target === d.issueId) {
      problems.push({ file: d.file, line: d.line, field: 'depends_on_id', message: `is ${d.issueId} itself: a bead cannot depend on itself` })
      continue
    }
    const b = beads.get(d.issueId)
    const linked = isBeadId(d.target) && known(d.target)
    if (!b) {
      out.forExisting.deps.push(d)
      if (!linked) out.external.push(d)
      continue
    }
    if (linked) {
      const dep: BeadDep = { type: d.info.as, target: d.target }
      if (!b.bead.deps.some((x) => x.type === dep.type && x.target === dep.target)) b.bead.deps.push(dep)
      if (worthKeeping(d, b.bead)) b.bead.extra.deps = { ...b.bead.extra.deps, [d.target]: d.info }
    } else {
      const x = { depends_on_id: d.target, type: d.info.type, ...(d.info.created_at ? { created_at: d.info.created_at } : {}), ...(d.info.created_by ? { created_by: d.info.created_by } : {}), ...(d.info.metadata !== undefined ? { metadata: d.info.metadata } : {}), ...(d.info.thread_id ? { thread_id: d.info.thread_id } : {}) }
      const list = b.bead.extra.external_deps ?? []
      if (!list.some((e) => e.depends_on_id === x.depends_on_id && e.type === x.type)) b.bead.extra.external_deps = [...list, x]
      out.external.push(d)
    }
  }
  for (const b of beads.values()) b.bead.deps.sort((a, c) => (a.type + a.target).localeCompare(c.type + c.target))

  // Every version's comments are history, like the events: kept once each.
  const seen = new Set<string>()
  const notes = new Set<string>()
  const all = [...parsed.events, ...parsed.issues.flatMap((i) => i.comments)]
  for (const e of all) if (!e.comment && isNoteKind(e.event.kind)) notes.add(noteKey(e.event))
  for (const e of all) {
    if (e.comment && notes.has(noteKey(e.event))) continue
    const key = eventKey(e.event)
    if (seen.has(key)) continue
    seen.add(key)
    out.events.push(e)
  }
  return out
}
