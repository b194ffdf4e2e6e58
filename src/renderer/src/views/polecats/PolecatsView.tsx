// Polecats: the worker agents, each one's health at a glance (state and activity, last sign of life, last
// check with its severity, the Dogs' retries), sortable by any column with the mouse or the keyboard, and a
// grid of their live terminals (several at once). Rows follow the core's `polecat` events: nothing is polled.
import { useEffect, useMemo, useRef, useState } from 'react'
import type { InboxItem, Polecat } from '../../../../shared/domain'
import { SeverityBadge, StateBadge } from '../../components/Badges'
import { StopDialog } from '../../components/StopDialog'
import { typingTarget, useListKeys } from '../../components/keys'
import { activityLine, activityText } from '../../lib/activity'
import { polecatKey, shortTime } from '../../lib/format'
import {
  COLUMN_LABELS,
  DEFAULT_SORT,
  lastActivityAt,
  lastActivityText,
  lastCheckView,
  nextSortColumn,
  retriesView,
  sortPolecats,
  toggleSort,
  type PolecatSort,
  type SortColumn
} from '../../lib/polecat-health'
import { useNow } from '../../lib/use-now'
import { useCheckRuns } from '../../stores/check-runs'
import { useInbox } from '../../stores/inbox'
import { usePolecats } from '../../stores/polecats'
import { useUi } from '../../stores/ui'
import { TerminalPane } from './TerminalPane'
import { OpenDiffButton, useOpenDiffKey } from '../diff/open-diff'

// Column widths: the activity takes what is left.
const WIDTHS: Partial<Record<SortColumn, number>> = { polecat: 120, state: 96, lastActivity: 84, lastCheck: 150, retries: 110, bead: 90, branch: 96, runtime: 60 }

export function PolecatsView({ active }: { active: boolean }) {
  const { items, loaded, error } = usePolecats()
  const terminals = useUi((s) => s.terminals)
  const selected = useUi((s) => s.selection.polecats)
  const select = useUi((s) => s.select)
  const openTerminal = useUi((s) => s.openTerminal)
  const [stopping, setStopping] = useState<Polecat | null>(null)
  const [sort, setSort] = useState<PolecatSort>(DEFAULT_SORT)
  const polecats = useMemo(() => sortPolecats(items, sort), [items, sort])
  // Durations tick while the view shows; hidden, it costs nothing.
  const now = useNow(1000, active)
  const waitingItems = useInbox((s) => s.items)

  useListKeys({
    active: active && stopping === null,
    ids: polecats.map((p) => p.id),
    selected,
    onSelect: (id) => select('polecats', id),
    onOpen: openTerminal
  })
  useSortKeys(active && stopping === null, setSort)
  useOpenDiffKey(active && stopping === null, polecats.find((p) => p.id === selected))

  return (
    <section className="view-body polecats" hidden={!active}>
      {error ? <div className="inline-error">Could not list polecats: {error}</div> : null}
      <div className="table-wrap polecat-list">
        <table className="table health-table" data-testid="polecat-table" data-sort={sort.column} data-sort-dir={sort.descending ? 'descending' : 'ascending'}>
          <thead>
            <tr>
              {(['polecat', 'state', 'activity', 'lastActivity', 'lastCheck', 'retries', 'bead', 'branch', 'runtime'] as SortColumn[]).map((c) => (
                <SortHeader key={c} column={c} sort={sort} onSort={(col) => setSort((s) => toggleSort(s, col))} />
              ))}
              <th style={{ width: 190 }} />
            </tr>
          </thead>
          <tbody>
            {polecats.map((p) => (
              <tr
                key={p.id}
                data-testid={`polecat-row-${polecatKey(p.id)}`}
                data-row-key={p.id}
                data-state={p.state}
                className={selected === p.id ? 'selected' : undefined}
                onClick={() => openTerminal(p.id)}
              >
                <td className="mono strong">{p.id}</td>
                <td>
                  <StateBadge state={p.state} />
                </td>
                <ActivityCell polecat={p} now={now} itemId={p.activity === 'waiting_permission' ? openPermissionOf(waitingItems, p.id) : null} />
                <LastActivityCell polecat={p} now={now} />
                <LastCheckCell polecat={p} now={now} />
                <RetriesCell polecat={p} />
                <td className="mono">{p.beadId ?? '—'}</td>
                <td className="mono muted ellipsis" title={p.branch ?? undefined}>
                  {p.branch ?? '—'}
                </td>
                <td className="mono muted">{p.runtime ?? '—'}</td>
                <td className="actions">
                  <button
                    className="small"
                    onClick={(e) => {
                      e.stopPropagation()
                      openTerminal(p.id)
                    }}
                  >
                    {terminals.includes(p.id) ? 'Shown' : 'Terminal'}
                  </button>
                  <OpenDiffButton target={p.branch ? { polecat: p.id } : null} testId={`polecat-diff-${polecatKey(p.id)}`} />
                  <button
                    className="small danger-quiet"
                    disabled={p.state === 'exited'}
                    onClick={(e) => {
                      e.stopPropagation()
                      setStopping(p)
                    }}
                  >
                    Stop
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {loaded && polecats.length === 0 ? <div className="empty">No polecats. Sling a bead from the Beads view to start one.</div> : null}
      </div>
      <div className="key-help muted small" aria-label="Keys">
        <span>
          <kbd>j/k</kbd> move
        </span>
        <span>
          <kbd>Enter</kbd> terminal
        </span>
        <span>
          <kbd>o</kbd> sort by the next column
        </span>
        <span>
          <kbd>O</kbd> reverse the order
        </span>
        <span>or click a column</span>
      </div>
      <div className={`term-grid n${Math.min(terminals.length, 4)}`}>
        {terminals.map((id) => (
          <TerminalPane key={id} polecatId={id} visible={active} onStop={setStopping} />
        ))}
        {terminals.length === 0 ? <div className="empty term-empty">Click a polecat (or select it and press Enter) to watch its terminal.</div> : null}
      </div>
      {stopping ? <StopDialog polecat={stopping} onDone={() => setStopping(null)} /> : null}
    </section>
  )
}

/** A column header that sorts: a button (Tab to it, Enter or Space), with the order said to screen readers too. */
function SortHeader({ column, sort, onSort }: { column: SortColumn; sort: PolecatSort; onSort(c: SortColumn): void }) {
  const on = sort.column === column
  const dir = on ? (sort.descending ? 'descending' : 'ascending') : 'none'
  return (
    <th style={WIDTHS[column] ? { width: WIDTHS[column] } : undefined} aria-sort={dir} data-testid={`polecat-sort-${column}`}>
      <button className={`th-sort${on ? ' on' : ''}`} onClick={() => onSort(column)} title={`Sort by ${COLUMN_LABELS[column]}${on ? ' (again: the other way round)' : ''}`}>
        {COLUMN_LABELS[column]}
        <span className="sort-mark" aria-hidden="true">
          {on ? (sort.descending ? ' ▼' : ' ▲') : ''}
        </span>
      </button>
    </th>
  )
}

/** o: sort by the next column; O: reverse. Only while the view shows and nobody types in a field or terminal. */
function useSortKeys(active: boolean, setSort: (f: (s: PolecatSort) => PolecatSort) => void): void {
  const ref = useRef({ active, setSort })
  ref.current = { active, setSort }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { active, setSort } = ref.current
      if (!active || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return
      if (e.key === 'o') setSort((s) => nextSortColumn(s))
      else if (e.key === 'O') setSort((s) => toggleSort(s, s.column))
      else return
      e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}

function LastActivityCell({ polecat, now }: { polecat: Polecat; now: number }) {
  const at = lastActivityAt(polecat)
  const title = `last sign of life: ${shortTime(at)}; last progress (commit, checkpoint, note): ${shortTime(polecat.lastProgressAt)}`
  return (
    <td className="muted small" data-testid={`polecat-last-activity-${polecatKey(polecat.id)}`} title={title}>
      {lastActivityText(polecat, now)}
    </td>
  )
}

/** The last check, with its severity; a click shows the run in the Rigs view. */
function LastCheckCell({ polecat, now }: { polecat: Polecat; now: number }) {
  const c = lastCheckView(polecat, now)
  const key = polecatKey(polecat.id)
  if (!c) {
    return (
      <td className="muted small" data-testid={`polecat-last-check-${key}`} data-check="none">
        not checked
      </td>
    )
  }
  return (
    <td className="small" data-testid={`polecat-last-check-${key}`} data-check={c.status} data-severity={c.severity ?? ''} title={c.detail}>
      <button
        className="link check-link"
        onClick={(e) => {
          e.stopPropagation()
          showRun(polecat.rig, c.runId)
        }}
        aria-label={`Show the check run of ${polecat.id} in the Rigs view: ${c.status}${c.severity ? ` ${c.severity}` : ''}`}
      >
        {c.severity ? <SeverityBadge severity={c.severity} /> : <span className={`badge check-${c.status}`}>{c.status === 'passed' ? 'green' : c.status}</span>} {c.text}
      </button>
    </td>
  )
}

function showRun(rig: string, runId: string): void {
  const ui = useUi.getState()
  useCheckRuns.getState().setOpenRun(runId)
  ui.select('rigs', rig)
  ui.setView('rigs')
}

function RetriesCell({ polecat }: { polecat: Polecat }) {
  const r = retriesView(polecat)
  const key = polecatKey(polecat.id)
  if (!r) {
    return (
      <td className="muted small" data-testid={`polecat-retries-${key}`} data-retries="0">
        —
      </td>
    )
  }
  return (
    <td className={`small${r.count > 0 ? ' retries-used' : ''}`} data-testid={`polecat-retries-${key}`} data-retries={r.count} title={r.title}>
      {r.text}
    </td>
  )
}

/** The open permission request a waiting polecat's agent is blocked on (the newest, if several). */
function openPermissionOf(items: InboxItem[], polecatId: string): string | null {
  let found: InboxItem | null = null
  for (const i of items) {
    if (i.polecatId === polecatId && i.kind === 'permission' && i.status === 'open' && (!found || i.createdAt > found.createdAt)) found = i
  }
  return found?.id ?? null
}

function ActivityCell({ polecat, now, itemId }: { polecat: Polecat; now: number; itemId: string | null }) {
  const t = activityText(polecat, now)
  const line = activityLine(t)
  return (
    <td className="activity" data-testid={`polecat-activity-${polecatKey(polecat.id)}`} data-activity={t.activity} title={line}>
      {polecat.takenOver ? (
        <span className="badge taken" title="A human is typing into its terminal; the witness waits">
          taken over
        </span>
      ) : null}
      {polecat.takenOver ? ' ' : null}
      <span className={`act act-${t.activity}`}>{t.words}</span>
      {t.duration ? <span className="muted"> · {t.duration}</span> : null}
      {itemId ? ' ' : null}
      {itemId ? (
        <button
          className="link small"
          data-testid={`polecat-inbox-link-${polecatKey(polecat.id)}`}
          title="Open the request in the Deacon inbox"
          onClick={(e) => {
            e.stopPropagation()
            useUi.getState().openInboxItem(itemId)
          }}
        >
          ▸ inbox
        </button>
      ) : null}
      {t.processOnly && t.duration ? (
        <span
          className="muted small heuristic"
          data-testid={`polecat-heuristic-${polecatKey(polecat.id)}`}
          title="This runtime reports nothing through hooks: its activity and whether it is stuck are judged from its process and terminal output alone"
        >
          {' '}
          (judged from output alone)
        </span>
      ) : null}
      {t.detail ? <span className="mono"> · {t.detail}</span> : null}
    </td>
  )
}
