// Keyboard: Ctrl/Cmd+1..6 switch views; j/k or arrows move a list's selection; Enter opens it.
import { useEffect, useRef } from 'react'
import { VIEWS, useUi } from '../stores/ui'

/** Keys typed into a field, a dialog or a terminal belong to that, not to list navigation. */
export function typingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.closest('input, textarea, select, [contenteditable="true"], .xterm')) return true
  return document.querySelector('[role="dialog"]') !== null
}

export function useViewShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return
      const n = Number(e.key)
      if (!Number.isInteger(n) || n < 1 || n > VIEWS.length) return
      // A taken-over terminal forwards every key to the agent; don't steal its Ctrl+digits.
      const el = document.activeElement
      if (el instanceof HTMLElement && el.closest('[data-taken-over="true"]')) return
      e.preventDefault()
      useUi.getState().setView(VIEWS[n - 1])
    }
    // Capture phase: a focused (read-only) xterm would otherwise swallow the keystroke first.
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [])
}

/**
 * j/k/arrows move `selected` through `ids`; Enter calls `onOpen`. Only while `active` (the view is
 * showing) and never while the user is typing somewhere.
 */
export function useListKeys(opts: {
  active: boolean
  ids: string[]
  selected: string | undefined
  onSelect(id: string): void
  onOpen?(id: string): void
}): void {
  const ref = useRef(opts)
  ref.current = opts
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { active, ids, selected, onSelect, onOpen } = ref.current
      if (!active || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return
      const i = selected ? ids.indexOf(selected) : -1
      let next: string | undefined
      if (e.key === 'j' || e.key === 'ArrowDown') next = ids[Math.min(ids.length - 1, i + 1)]
      else if (e.key === 'k' || e.key === 'ArrowUp') next = ids[Math.max(0, i - 1)]
      else if (e.key === 'Enter' && selected && onOpen) {
        // Enter on a focused button or link activates that instead.
        if (e.target instanceof HTMLElement && e.target.closest('button, a')) return
        e.preventDefault()
        onOpen(selected)
        return
      } else return
      e.preventDefault()
      if (next === undefined) return
      onSelect(next)
      requestAnimationFrame(() => {
        document.querySelector(`[data-row-key="${CSS.escape(next)}"]`)?.scrollIntoView({ block: 'nearest' })
      })
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
