// Each polecat's health at a glance, as the Polecats table shows and sorts it: its state and activity, its last
// sign of life, its last check (with severity), and the Dogs' retries on its current failure. Pure functions
// of the polecat and the clock, so sorting is the same whichever way the user asks for it.
import type { Polecat, Severity } from '../../../shared/domain'
import { elapsed } from './activity'
import { incidentWords } from './incidents'

export const SORT_COLUMNS = ['polecat', 'state', 'activity', 'lastActivity', 'lastCheck', 'retries', 'bead', 'branch', 'runtime'] as const
export type SortColumn = (typeof SORT_COLUMNS)[number]
export interface PolecatSort {
  column: SortColumn
  /** Ascending means: the one that most needs a look first, for health columns (see `compareBy`). */
  descending: boolean
}

export const DEFAULT_SORT: PolecatSort = { column: 'state', descending: false }

export const COLUMN_LABELS: Record<SortColumn, string> = {
  polecat: 'polecat',
  state: 'state',
  activity: 'activity',
  lastActivity: 'last activity',
  lastCheck: 'last check',
  retries: 'retries',
  bead: 'bead',
  branch: 'branch',
  runtime: 'runtime'
}

const STATE_ORDER: Record<Polecat['state'], number> = { working: 0, starting: 1, idle: 2, exited: 3 }
// Activities that want a human first, then the busy ones, then the finished.
const ACTIVITY_ORDER: Record<Polecat['activity'], number> = { waiting_permission: 0, blocked_screen: 1, at_prompt: 2, starting: 3, working: 4, done: 5, exited: 6 }
const SEVERITY_RANK: Record<Severity, number> = { P0: 0, P1: 1, P2: 2 }

/** The polecat's last sign of life: the witness's note, or the change of activity if that is newer. */
export function lastActivityAt(p: Pick<Polecat, 'lastActivityAt' | 'activitySince'>): string | null {
  const a = p.lastActivityAt ? Date.parse(p.lastActivityAt) : NaN
  const b = Date.parse(p.activitySince)
  if (!Number.isFinite(a)) return Number.isFinite(b) ? p.activitySince : null
  return !Number.isFinite(b) || a >= b ? p.lastActivityAt : p.activitySince
}

/** "12 s ago", or "—" before any. */
export function lastActivityText(p: Pick<Polecat, 'lastActivityAt' | 'activitySince'>, now: number): string {
  const at = lastActivityAt(p)
  return at ? `${elapsed(at, now)} ago` : '—'
}

export interface LastCheckView {
  /** passed, failed (with a severity), or any other status the core stored (cancelled, error, …). */
  status: string
  severity: Severity | null
  /** "P0 failed · 2 min ago" */
  text: string
  /** The reasons, one per line: what failed and how. */
  detail: string
  runId: string
}

export function lastCheckView(p: Pick<Polecat, 'health'>, now: number): LastCheckView | null {
  const c = p.health.lastCheck
  if (!c) return null
  const when = `${elapsed(c.at, now)} ago`
  return {
    status: c.status,
    severity: c.severity,
    text: `${c.status} · ${when}`,
    detail: c.reasons.length ? c.reasons.join('\n') : c.status === 'passed' ? 'every check passed' : c.status,
    runId: c.runId
  }
}

/** "2 · its checks failed" — the Dogs' attempts on its current failure, and which failure; null for none. */
export function retriesView(p: Pick<Polecat, 'health'>): { count: number; text: string; title: string } | null {
  const { retries, lastIncident } = p.health
  if (retries <= 0 && !lastIncident) return null
  const what = lastIncident ? incidentWords(lastIncident) : 'its current failure'
  return {
    count: retries,
    text: lastIncident ? `${retries} · ${lastIncident.replace(/_/g, ' ')}` : String(retries),
    title: `The Dogs made ${retries} attempt${retries === 1 ? '' : 's'} on its current failure: ${what}`
  }
}

/** How bad the last check was, worst first: P0, P1, P2, another failure, passed, never checked. */
function checkRank(p: Polecat): number {
  const c = p.health.lastCheck
  if (!c) return 5
  if (c.severity) return SEVERITY_RANK[c.severity]
  return c.status === 'passed' ? 4 : 3
}

const time = (iso: string | null | undefined): number => {
  const t = iso ? Date.parse(iso) : NaN
  return Number.isFinite(t) ? t : -Infinity
}

/**
 * Ascending order per column: names and branches alphabetically; state working first; activity what wants a
 * human first, then the longest in it; last activity the quietest first; last check the worst first, then the
 * oldest; retries the most first. Ties fall back to the id, so the order never flickers.
 */
export function compareBy(column: SortColumn, a: Polecat, b: Polecat): number {
  switch (column) {
    case 'polecat':
      return a.id.localeCompare(b.id)
    case 'state':
      return STATE_ORDER[a.state] - STATE_ORDER[b.state]
    case 'activity':
      return (ACTIVITY_ORDER[a.activity] ?? 9) - (ACTIVITY_ORDER[b.activity] ?? 9) || time(a.activitySince) - time(b.activitySince)
    case 'lastActivity':
      return time(lastActivityAt(a)) - time(lastActivityAt(b))
    case 'lastCheck':
      return checkRank(a) - checkRank(b) || time(a.health.lastCheck?.at) - time(b.health.lastCheck?.at)
    case 'retries':
      return b.health.retries - a.health.retries
    case 'bead':
      return (a.beadId ?? '\uffff').localeCompare(b.beadId ?? '\uffff')
    case 'branch':
      return (a.branch ?? '\uffff').localeCompare(b.branch ?? '\uffff')
    case 'runtime':
      return (a.runtime ?? '\uffff').localeCompare(b.runtime ?? '\uffff')
  }
}

export function sortPolecats(items: readonly Polecat[], sort: PolecatSort): Polecat[] {
  const dir = sort.descending ? -1 : 1
  return [...items].sort((a, b) => dir * compareBy(sort.column, a, b) || a.id.localeCompare(b.id))
}

/** A click (or Enter) on a column header: that column ascending, or the other way round if it is already. */
export function toggleSort(sort: PolecatSort, column: SortColumn): PolecatSort {
  return sort.column === column ? { column, descending: !sort.descending } : { column, descending: false }
}

/** The `o` key: sort by the next column, ascending (the `O` key reverses the current one: `toggleSort`). */
export function nextSortColumn(sort: PolecatSort): PolecatSort {
  const i = SORT_COLUMNS.indexOf(sort.column)
  return { column: SORT_COLUMNS[(i + 1) % SORT_COLUMNS.length], descending: false }
}
