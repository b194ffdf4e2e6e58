import { create } from 'zustand'
import type { InboxItem, Severity } from '../../../shared/domain'
import { getClient } from '../transport'
import { createListStore } from './list'

const RANK: Record<Severity, number> = { P0: 0, P1: 1, P2: 2 }

/** Most severe first, then newest: the order a human should read alerts in. */
export function sortInbox(list: InboxItem[]): InboxItem[] {
  return [...list].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.createdAt.localeCompare(a.createdAt))
}

// Whether acknowledged alerts are listed lives outside the list store so `refresh` can read it.
export const useInboxFilter = create<{ showAcknowledged: boolean; set(v: boolean): void }>()((set) => ({
  showAcknowledged: false,
  set: (v) => {
    set({ showAcknowledged: v })
    void useInbox.getState().refresh()
  }
}))

export const useInbox = createListStore<InboxItem>(
  async () =>
    sortInbox(await getClient().call('inbox.list', { includeClosed: useInboxFilter.getState().showAcknowledged })),
  (e) => e.id
)
