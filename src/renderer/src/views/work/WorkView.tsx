// Work: every bead in the ledger, a form to add one, and the selected bead's detail beside them.
import { useEffect, useMemo } from 'react'
import { BEAD_STATUSES } from '../../../../shared/domain'
import { useListKeys } from '../../components/keys'
import { mergeReadyIds, useBeadDetail, useBeads } from '../../stores/beads'
import { useRigs } from '../../stores/rigs'
import { useUi } from '../../stores/ui'
import { BeadDetailPane } from './BeadDetailPane'
import { BeadTable } from './BeadTable'
import { CreateBeadForm } from './CreateBeadForm'
import { filterBeads, sortBeads, useBeadFilter } from './filter'

export function WorkView() {
  const { items, loaded, error } = useBeads()
  const rigs = useRigs((s) => s.items)
  const filter = useBeadFilter()
  const selected = useUi((s) => s.selection.work)
  const select = useUi((s) => s.select)
  const beads = useMemo(() => sortBeads(filterBeads(items, filter)), [items, filter])
  const mergeReady = useMemo(() => mergeReadyIds(items), [items])

  // The detail pane follows the selection, including one made from another view.
  useEffect(() => {
    void useBeadDetail.getState().show(selected ?? null)
  }, [selected])

  useListKeys({
    active: true,
    ids: beads.map((b) => b.id),
    selected,
    onSelect: (id) => select('work', id),
    onOpen: () => document.querySelector<HTMLElement>('[data-testid="bead-detail"]')?.focus()
  })

  return (
    <section className="view-body work">
      <div className="work-main">
        <CreateBeadForm />
        <div className="filters" role="search">
          <input
            className="filter-text"
            data-testid="bead-filter-text"
            value={filter.text}
            onChange={(e) => filter.set({ text: e.target.value })}
            placeholder="Filter by id, title, label, assignee"
            aria-label="Filter beads"
          />
          <select data-testid="bead-filter-status" value={filter.status} onChange={(e) => filter.set({ status: e.target.value })} aria-label="Status">
            <option value="all">all statuses</option>
            <option value="active">not closed</option>
            {BEAD_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
          <select data-testid="bead-filter-rig" value={filter.rig} onChange={(e) => filter.set({ rig: e.target.value })} aria-label="Rig">
            <option value="">all rigs</option>
            <option value="-">no rig</option>
            {rigs.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
          <span className="muted count-text">
            {beads.length} of {items.length}
          </span>
        </div>
        {error ? <div className="inline-error">Could not list beads: {error}</div> : null}
        <div className="table-wrap">
          <BeadTable beads={beads} selected={selected} mergeReady={mergeReady} onSelect={(id) => select('work', id)} />
          {loaded && beads.length === 0 ? (
            <div className="empty">{items.length === 0 ? 'The ledger is empty. Create the first bead above.' : 'No bead matches the filter.'}</div>
          ) : null}
        </div>
      </div>
      <BeadDetailPane onClose={() => select('work', undefined)} />
    </section>
  )
}
