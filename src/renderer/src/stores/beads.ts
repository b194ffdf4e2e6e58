// Beads: the whole ledger's list (closed ones too; the view filters) and the detail of the one open
// in the side pane, which is re-read whenever beads, sessions or the ledger change.
import { create } from 'zustand'
import type { BeadDetail } from '../../../shared/contract'
import type { Bead } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { getClient } from '../transport'
import { createListStore } from './list'

export const useBeads = createListStore<Bead>(() => getClient().call('beads.list', { includeClosed: true }), (b) => b.id)

/** Open merge requests in the list, keyed by the bead each one tracks: a cheap "ready for merge" flag for table rows. */
export function mergeReadyIds(beads: Bead[]): Set<string> {
  const ids = new Set<string>()
  for (const b of beads) {
    if (b.type !== 'merge-request' || b.status === 'closed') continue
    for (const d of b.deps) if (d.type === 'tracks') ids.add(d.target)
  }
  return ids
}

interface DetailState {
  id: string | null
  detail: BeadDetail | null
  error: string | null
  loading: boolean
  show(id: string | null): Promise<void>
  refresh(): Promise<void>
}

let token = 0

export const useBeadDetail = create<DetailState>()((set, get) => ({
  id: null,
  detail: null,
  error: null,
  loading: false,
  async show(id) {
    if (id === get().id) return get().refresh()
    set({ id, detail: null, error: null })
    return get().refresh()
  },
  async refresh() {
    const id = get().id
    if (!id) return
    const mine = ++token
    set({ loading: true })
    try {
      const detail = await getClient().call('beads.show', { id })
      if (mine === token) set({ detail, error: null, loading: false })
    } catch (err) {
      if (mine === token) set({ error: errorText(err), loading: false })
    }
  }
}))
