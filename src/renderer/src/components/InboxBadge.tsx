// What waits in the Deacon inbox, in the nav (P0s apart, in their own colour and words) and in the window
// title, which Electron's window follows: "(2 P0 · 5) Gas Town Control Room".
import { useEffect, useMemo } from 'react'
import { inboxCounts, titleWithCounts } from '../lib/inbox-queue'
import { useInbox, useInboxClock } from '../stores/inbox'

export function useInboxCounts() {
  const items = useInbox((s) => s.items)
  const now = useInboxClock((s) => s.now)
  return useMemo(() => inboxCounts(items, now), [items, now])
}

export function InboxBadge() {
  const { waiting, p0 } = useInboxCounts()
  if (waiting === 0) return null
  return (
    <span className="inbox-badge" aria-label={`${waiting} waiting${p0 ? `, ${p0} P0` : ''}`}>
      {p0 > 0 ? (
        <span className="count p0" data-testid="nav-inbox-p0">
          {p0} P0
        </span>
      ) : null}
      <span className="count" data-testid="nav-inbox-count">
        {waiting}
      </span>
    </span>
  )
}

export function useWindowTitle(): void {
  const counts = useInboxCounts()
  useEffect(() => {
    document.title = titleWithCounts(counts)
  }, [counts])
}
