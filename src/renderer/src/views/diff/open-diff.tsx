// Ways into the diff view from the other views: a button on a polecat's row or an inbox item, and `d` on the
// selected polecat. A merge request's inbox item (the gated merge queue's) opens the request itself; any
// other item opens the branch of the polecat it is about.
import { useEffect, useRef } from 'react'
import type { InboxItem, Polecat } from '../../../../shared/domain'
import { typingTarget } from '../../components/keys'
import { openDiff, type DiffTargetRef } from '../../stores/diff'

/** What an inbox item's diff is: its merge request, else its polecat's branch (if the polecat has one). */
export function diffTargetOfItem(item: InboxItem, polecat: Polecat | undefined): DiffTargetRef | null {
  const mergeRequestId = (item as InboxItem & { mergeRequestId?: string | null }).mergeRequestId
  if (mergeRequestId) return { mergeRequest: mergeRequestId }
  return polecat?.branch ? { polecat: polecat.id } : null
}

export function OpenDiffButton({ target, testId, label = 'Diff' }: { target: DiffTargetRef | null; testId: string; label?: string }) {
  if (!target) return null
  return (
    <button
      className="small"
      data-testid={testId}
      title="Review the branch's changes: files, lines, comments to the polecat (d)"
      onClick={(e) => {
        e.stopPropagation()
        openDiff(target)
      }}
    >
      {label}
    </button>
  )
}

/** `d` opens the diff of the selected polecat's branch, while its list shows and nobody types. */
export function useOpenDiffKey(active: boolean, selected: Polecat | undefined): void {
  const ref = useRef({ active, selected })
  ref.current = { active, selected }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { active, selected } = ref.current
      if (!active || e.key !== 'd' || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target) || !selected?.branch) return
      e.preventDefault()
      openDiff({ polecat: selected.id })
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
