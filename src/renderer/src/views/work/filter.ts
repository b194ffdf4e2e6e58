// The bead table's filter, in a store so other views can open Work already filtered (e.g. a rig).
import { create } from 'zustand'
import type { Bead } from '../../../../shared/domain'

export interface BeadFilter {
  text: string
  /** 'all', 'active' (anything not closed) or one status. */
  status: string
  /** '' for every rig, '-' for beads without a rig. */
  rig: string
}

export const useBeadFilter = create<BeadFilter & { set(patch: Partial<BeadFilter>): void }>()((set) => ({
  text: '',
  status: 'all',
  rig: '',
  set: (patch) => set(patch)
}))

export function filterBeads(beads: Bead[], f: BeadFilter): Bead[] {
  const text = f.text.trim().toLowerCase()
  return beads.filter((b) => {
    if (f.status === 'active' && b.status === 'closed') return false
    if (f.status !== 'all' && f.status !== 'active' && b.status !== f.status) return false
    if (f.rig === '-' && b.rig !== null) return false
    if (f.rig && f.rig !== '-' && b.rig !== f.rig) return false
    if (!text) return true
    return (
      b.id.toLowerCase().includes(text) ||
      b.title.toLowerCase().includes(text) ||
      (b.assignee ?? '').toLowerCase().includes(text) ||
      b.labels.some((l) => l.toLowerCase().includes(text))
    )
  })
}

/** Work that is still open first (by priority), closed last; newest first within each. */
export function sortBeads(beads: Bead[]): Bead[] {
  return [...beads].sort(
    (a, b) =>
      Number(a.status === 'closed') - Number(b.status === 'closed') ||
      a.priority - b.priority ||
      b.createdAt.localeCompare(a.createdAt)
  )
}
