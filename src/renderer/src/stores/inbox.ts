// The Deacon inbox: every item the core listed, kept up to date row by row from its `inbox.item` events (no
// re-read per change); read whole on every (re)connect and when closed items are asked for. The clock the
// sections are computed with moves when the next snoozed item's time comes, so it comes back on its own.
import { create } from 'zustand'
import type { InboxItem } from '../../../shared/domain'
import { nextSnoozeEnd } from '../lib/inbox-queue'
import { getClient } from '../transport'
import { createListStore } from './list'

// Whether closed items are listed lives outside the list store so `refresh` can read it.
export const useInboxFilter = create<{ showClosed: boolean; showSnoozed: boolean; setShowClosed(v: boolean): void; setShowSnoozed(v: boolean): void }>()((set) => ({
  showClosed: false,
  showSnoozed: false,
  setShowClosed: (v) => {
    set({ showClosed: v })
    if (v) void useInbox.getState().refresh()
  },
  setShowSnoozed: (v) => set({ showSnoozed: v })
}))

export const useInbox = createListStore<InboxItem>(
  () => getClient().call('inbox.list', { includeClosed: useInboxFilter.getState().showClosed, limit: 1000 }),
  (e) => e.id
)

/** "Now" for the inbox's sections and counts: re-read when a snoozed item's time comes. */
export const useInboxClock = create<{ now: number }>()(() => ({ now: Date.now() }))

let wake: ReturnType<typeof setTimeout> | null = null

function scheduleWake(): void {
  if (wake) clearTimeout(wake)
  wake = null
  const now = Date.now()
  useInboxClock.setState({ now })
  const next = nextSnoozeEnd(useInbox.getState().items, now)
  if (next === null) return
  // Timers longer than 2^31 ms fire at once; a snooze that long is re-checked daily instead.
  wake = setTimeout(scheduleWake, Math.min(next - now + 50, 86_400_000))
}

useInbox.subscribe((s, prev) => {
  if (s.items !== prev.items) scheduleWake()
})
