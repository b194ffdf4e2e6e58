// Deacon: one queue, across all rigs, of what needs the human — agents' permission requests, their
// escalations, and the app's own alarms. Open items first (P0 pinned on top, then by severity, newest
// first); snoozed ones apart until their time; closed ones behind a toggle. The selected item shows whole
// beside the list. Every action has a key, and the Inbox works without a mouse.
import { useEffect, useMemo, useRef, useState } from 'react'
import type { InboxItem } from '../../../../shared/domain'
import { SeverityBadge } from '../../components/Badges'
import { typingTarget, useListKeys } from '../../components/keys'
import { elapsed } from '../../lib/activity'
import { inboxSections, isSnoozed } from '../../lib/inbox-queue'
import { toolSummary } from '../../lib/tool-input'
import { useNow } from '../../lib/use-now'
import { useInbox, useInboxClock, useInboxFilter } from '../../stores/inbox'
import { usePolecats } from '../../stores/polecats'
import { useUi } from '../../stores/ui'
import type { PanelMode } from './ActionPanels'
import { InboxDetail, ItemStatusBadge, KindBadge } from './InboxDetail'
import { NotifyControl } from './NotifyControl'
import { ACTION_KEYS, acknowledge, approve, handBack, openTarget, restartFromItem, retryNow, takeOver, unavailable, type ActionName } from './inbox-actions'

export function InboxView() {
  const { items, loaded, error } = useInbox()
  const clock = useInboxClock((s) => s.now)
  // Relative times ("3 min ago") move on their own; the sections move with the snooze clock.
  const now = Math.max(useNow(10_000), clock)
  const { showClosed, showSnoozed, setShowClosed, setShowSnoozed } = useInboxFilter()
  const sections = useMemo(() => inboxSections(items, clock), [items, clock])
  const visible = useMemo(
    () => [...sections.waiting, ...(showSnoozed ? sections.snoozed : []), ...(showClosed ? sections.closed : [])],
    [sections, showSnoozed, showClosed]
  )
  const selectedId = useUi((s) => s.selection.inbox)
  const select = useUi((s) => s.select)
  const item = items.find((i) => i.id === selectedId)
  const polecat = usePolecats((s) => (item?.polecatId ? s.items.find((p) => p.id === item.polecatId) : undefined))
  const [mode, setMode] = useState<PanelMode | null>(null)
  const listRef = useRef<HTMLDivElement>(null)
  const lastIndex = useRef(0)

  // Keys belong to the Inbox once it shows, not to a terminal left focused in the hidden Polecats view.
  useEffect(() => {
    listRef.current?.focus({ preventScroll: true })
  }, [])

  // The selection stays on a list item: the first one at the start, the next one when the selected one
  // leaves the list (approved, acknowledged, snoozed), so the queue can be worked through key by key.
  const visibleIds = visible.map((i) => i.id)
  const selectedIndex = selectedId ? visibleIds.indexOf(selectedId) : -1
  if (selectedIndex >= 0) lastIndex.current = selectedIndex
  const lastShownSelection = useRef<string | null>(null)
  useEffect(() => {
    if (selectedIndex >= 0) {
      lastShownSelection.current = selectedId ?? null
      return
    }
    if (visibleIds.length === 0) return
    // An item opened from elsewhere (a notification) stays selected even where the list hides it (snoozed,
    // closed); one that was shown and has just left the list hands the selection on.
    if (selectedId && item && useUi.getState().openedItem === selectedId && lastShownSelection.current !== selectedId) return
    select('inbox', visibleIds[Math.min(lastIndex.current, visibleIds.length - 1)])
  })

  useListKeys({
    active: mode === null,
    ids: visibleIds,
    selected: selectedId,
    onSelect: (id) => select('inbox', id),
    onOpen: (id) => {
      const i = items.find((x) => x.id === id)
      if (i) openTarget(i)
    }
  })
  useActionKeys(mode === null ? item : undefined, setMode)

  return (
    <section className="view-body inbox">
      <div className="inbox-main">
        <div className="filters">
          <span className="muted count-text" data-testid="inbox-summary" title="Permission requests, escalations and alarms from every rig">
            {sections.waiting.length ? `${sections.waiting.length} waiting` : 'nothing waiting'}
            {sections.snoozed.length ? ` · ${sections.snoozed.length} snoozed` : ''}
          </span>
          <span className="spacer" />
          <NotifyControl />
          <label className="check">
            <input type="checkbox" data-testid="inbox-show-closed" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} /> show closed
          </label>
        </div>
        {error ? <div className="inline-error">Could not read the inbox: {error}</div> : null}
        <div className="table-wrap" ref={listRef} tabIndex={-1} data-testid="inbox-list" aria-label="Inbox items">
          <ul className="alerts" aria-label="Waiting">
            {sections.waiting.map((i) => (
              <InboxRow key={i.id} item={i} now={now} selected={i.id === selectedId} onSelect={() => select('inbox', i.id)} />
            ))}
          </ul>
          {loaded && sections.waiting.length === 0 ? <div className="empty">Nothing needs you. The inbox is clear.</div> : null}
          {sections.snoozed.length > 0 ? (
            <>
              <button className="section-toggle" data-testid="inbox-snoozed-toggle" aria-expanded={showSnoozed} onClick={() => setShowSnoozed(!showSnoozed)}>
                {showSnoozed ? '▾' : '▸'} snoozed ({sections.snoozed.length}) — back when their time comes
              </button>
              {showSnoozed ? (
                <ul className="alerts snoozed" aria-label="Snoozed" data-testid="inbox-snoozed">
                  {sections.snoozed.map((i) => (
                    <InboxRow key={i.id} item={i} now={now} selected={i.id === selectedId} onSelect={() => select('inbox', i.id)} />
                  ))}
                </ul>
              ) : null}
            </>
          ) : null}
          {showClosed ? (
            <>
              <div className="section-label">closed ({sections.closed.length})</div>
              <ul className="alerts closed" aria-label="Closed" data-testid="inbox-closed-list">
                {sections.closed.map((i) => (
                  <InboxRow key={i.id} item={i} now={now} selected={i.id === selectedId} onSelect={() => select('inbox', i.id)} />
                ))}
              </ul>
            </>
          ) : null}
        </div>
        <KeyHelp />
      </div>
      {item ? (
        <InboxDetail item={item} polecat={polecat} now={now} mode={mode} setMode={setMode} />
      ) : (
        <aside className="detail empty-detail muted">Select an item (j/k) to see what it asks, its agent's screen and what you can do.</aside>
      )}
    </section>
  )
}

function InboxRow({ item, now, selected, onSelect }: { item: InboxItem; now: number; selected: boolean; onSelect(): void }) {
  const pinned = item.severity === 'P0' && item.status === 'open' && !isSnoozed(item, now)
  const firstBodyLine = item.body.split('\n').find((l) => l.trim()) ?? ''
  return (
    <li
      data-testid={`inbox-row-${item.id}`}
      data-row-key={item.id}
      data-severity={item.severity}
      data-kind={item.kind}
      data-status={item.status}
      data-incident={item.incident ?? ''}
      aria-selected={selected}
      className={`alert sev-row-${item.severity}${selected ? ' selected' : ''}${item.status !== 'open' && item.status !== 'orphaned' ? ' acked' : ''}`}
      onClick={onSelect}
    >
      <div className="alert-head">
        <SeverityBadge severity={item.severity} />
        {pinned ? (
          <span className="pin" title="P0: pinned on top">
            pinned
          </span>
        ) : null}
        <KindBadge kind={item.kind} />
        {item.status !== 'open' || item.snoozedUntil ? <ItemStatusBadge item={item} now={now} /> : null}
        <span className="alert-title ellipsis">{item.title}</span>
        <span className="spacer" />
        <span className="muted small nowrap" title={item.createdAt}>
          {elapsed(item.createdAt, now)} ago
        </span>
      </div>
      {item.tool ? (
        <div className="alert-line mono ellipsis" title={toolSummary(item.tool)}>
          {toolSummary(item.tool)}
        </div>
      ) : firstBodyLine ? (
        <div className="alert-line ellipsis">{firstBodyLine}</div>
      ) : null}
      <div className="alert-foot muted small">
        <span className="mono">{item.rig ?? 'no rig'}</span>
        {item.polecatId ? <span className="mono">{item.polecatId}</span> : null}
        {item.beadId ? <span className="mono">{item.beadId}</span> : null}
        {item.attempts > 0 ? <span title="Attempts the Dogs made before it came to you">the Dogs tried {item.attempts}×</span> : null}
        {item.count > 1 ? <span title={`The same failure, on ${item.affected.join(', ')}`}>seen {item.count}×</span> : null}
        {item.raisedLevels > 0 ? <span title="Raised a level after waiting unacknowledged">raised {item.raisedLevels}×</span> : null}
      </div>
    </li>
  )
}

const KEY_HELP: [string, string][] = [
  ['j/k', 'move'],
  ['Enter', 'terminal'],
  ['a', 'approve'],
  ['A', 'always allow'],
  ['d', 'deny'],
  ['t', 'take over'],
  ['h', 'hand back'],
  ['n', 'retry now'],
  ['R', 'restart'],
  ['X', 'stop'],
  ['r', 'reply'],
  ['s', 'snooze'],
  ['e', 'acknowledge']
]

function KeyHelp() {
  return (
    <div className="key-help muted small" aria-label="Keys">
      {KEY_HELP.map(([k, what]) => (
        <span key={k}>
          <kbd>{k}</kbd> {what}
        </span>
      ))}
    </div>
  )
}

const KEY_TO_ACTION = new Map<string, ActionName>(Object.entries(ACTION_KEYS).filter(([n]) => n !== 'open').map(([n, k]) => [k, n as ActionName]))

/** The action keys on the selected item, while no panel is open and nobody types in a field. */
function useActionKeys(item: InboxItem | undefined, setMode: (m: PanelMode) => void): void {
  const ref = useRef({ item, setMode })
  ref.current = { item, setMode }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { item, setMode } = ref.current
      if (!item || e.ctrlKey || e.metaKey || e.altKey || e.repeat || typingTarget(e.target)) return
      const action = KEY_TO_ACTION.get(e.key)
      if (!action) return
      e.preventDefault()
      const polecat = item.polecatId ? usePolecats.getState().items.find((p) => p.id === item.polecatId) : undefined
      const why = unavailable(action, item, polecat)
      if (why) {
        useUi.getState().toast('info', `${e.key}: ${why}`)
        return
      }
      if (action === 'approve') void approve(item)
      else if (action === 'always') setMode('always')
      else if (action === 'deny') setMode('deny')
      else if (action === 'snooze') setMode('snooze')
      else if (action === 'reply') setMode('reply')
      else if (action === 'ack') void acknowledge(item)
      else if (action === 'takeover') void takeOver(item)
      else if (action === 'handback') void handBack(item.polecatId!)
      else if (action === 'retry') void retryNow(item)
      else if (action === 'restart') void restartFromItem(item)
      else if (action === 'stop') setMode('stop')
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
