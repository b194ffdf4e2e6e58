// Beads to put in a convoy: a filter (text and rig) over the candidates and a list to pick several from.
// Keyboard: ↓ from the filter enters the list; ↑/↓ (or j/k) move, Space picks, Shift+↑/↓ picks a range, a picks
// every shown bead (again: none). Mouse: a click picks one, Shift+click a range.
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { Bead } from '../../../../shared/domain'
import { PriorityBadge, StatusBadge } from '../../components/Badges'
import { filterCandidates, keepCandidates, moveCursor, selectRange, toggle, toggleAllShown, type PickState } from './convoy-form'

export function BeadPicker({ candidates, pick, onPick, testId = 'bead-picker' }: { candidates: Bead[]; pick: PickState; onPick(p: PickState): void; testId?: string }) {
  const [text, setText] = useState('')
  const [rig, setRig] = useState('')
  const listRef = useRef<HTMLUListElement>(null)
  const rigs = useMemo(() => [...new Set(candidates.map((b) => b.rig!))].sort(), [candidates])
  const shown = useMemo(() => filterCandidates(candidates, { text, rig }), [candidates, text, rig])
  const shownIds = shown.map((b) => b.id)

  // A bead that stopped being a candidate while the form is open is dropped from the selection.
  const candidateKey = candidates.map((b) => b.id).join(' ')
  useEffect(() => {
    const kept = keepCandidates(pick, candidates.map((b) => b.id))
    if (kept !== pick) onPick(kept)
  }, [candidateKey]) // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (pick.cursor) listRef.current?.querySelector(`[data-bead="${CSS.escape(pick.cursor)}"]`)?.scrollIntoView({ block: 'nearest' })
  }, [pick.cursor])

  function onListKey(e: KeyboardEvent) {
    if (e.ctrlKey || e.metaKey || e.altKey) return
    const down = e.key === 'ArrowDown' || e.key === 'j'
    const up = e.key === 'ArrowUp' || e.key === 'k'
    if (down || up) onPick(moveCursor(pick, shownIds, down ? 1 : -1, e.shiftKey))
    else if (e.key === ' ' && pick.cursor && shownIds.includes(pick.cursor)) onPick(toggle(pick, pick.cursor))
    else if (e.key === 'a') onPick(toggleAllShown(pick, shownIds))
    else return
    e.preventDefault()
  }

  function onFilterKey(e: KeyboardEvent) {
    if (e.key !== 'ArrowDown') return
    e.preventDefault()
    listRef.current?.focus()
    if (!pick.cursor || !shownIds.includes(pick.cursor)) onPick(moveCursor({ ...pick, cursor: null }, shownIds, 1))
  }

  const active = pick.cursor && shownIds.includes(pick.cursor) ? pick.cursor : null
  return (
    <div className="bead-picker" data-testid={testId}>
      <div className="fields">
        <label className="field grow">
          <span>beads — filter</span>
          <input data-testid={`${testId}-filter`} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onFilterKey} placeholder="id, title or label (↓ to the list)" autoComplete="off" spellCheck={false} />
        </label>
        <label className="field">
          <span>rig</span>
          <select data-testid={`${testId}-rig`} value={rig} onChange={(e) => setRig(e.target.value)}>
            <option value="">every rig</option>
            {rigs.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ul
        ref={listRef}
        className="bead-picker-list"
        role="listbox"
        aria-multiselectable="true"
        aria-label="Beads to put in the convoy"
        aria-activedescendant={active ? `pick-${active}` : undefined}
        tabIndex={0}
        onKeyDown={onListKey}
        data-testid={`${testId}-list`}
      >
        {shown.length === 0 ? <li className="muted small pad">{candidates.length ? 'No bead matches the filter.' : 'No open bead with a rig is free to go in a convoy (each bead travels in one open convoy at a time).'}</li> : null}
        {shown.map((b) => {
          const on = pick.selected.includes(b.id)
          return (
            <li
              key={b.id}
              id={`pick-${b.id}`}
              role="option"
              aria-selected={on}
              data-bead={b.id}
              data-testid={`pick-${b.id}`}
              className={`bead-picker-row${on ? ' picked' : ''}${active === b.id ? ' cursor' : ''}`}
              onMouseDown={(e) => e.shiftKey && e.preventDefault() /* no text selection on Shift+click */}
              onClick={(e) => onPick(e.shiftKey ? selectRange(pick, shownIds, b.id) : toggle(pick, b.id))}
            >
              <input type="checkbox" checked={on} readOnly tabIndex={-1} aria-hidden="true" />
              <span className="mono small">{b.id}</span>
              <span className="mono muted small">{b.rig}</span>
              <PriorityBadge priority={b.priority} />
              <StatusBadge status={b.status} />
              <span className="ellipsis">{b.title}</span>
            </li>
          )
        })}
      </ul>
      <div className="muted small bead-picker-foot">
        <span data-testid={`${testId}-count`}>
          {pick.selected.length} picked{pick.selected.length ? `: ${pick.selected.join(', ')}` : ''}
        </span>
        <span className="spacer" />
        <span>↑↓ move · Space pick · Shift+↑↓ range · a all shown</span>
      </div>
    </div>
  )
}
