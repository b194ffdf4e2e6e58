// UI state that isn't data from the core: theme, current view, selections, open terminals, toasts,
// and the connection status the header shows.
import { create } from 'zustand'
import { errorText } from '../lib/format'
import type { ConnStatus } from '../transport'

// The refinery and convoys come last so the keys of the views before them (Ctrl+1…5) stay what users learned.
export const VIEWS = ['rigs', 'work', 'polecats', 'inbox', 'history', 'refinery', 'convoys'] as const
export type View = (typeof VIEWS)[number]
export type Theme = 'dark' | 'light'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  message: string
  /** A toast that leads somewhere (a new inbox item): clicking it or its button runs this. */
  action?: ToastAction
}

export interface ToastAction {
  label: string
  run(): void
  testId?: string
  /** What it is about (an inbox item's id): dismissFor(key) takes it away once that is settled. */
  key?: string
}

interface UiState {
  theme: Theme
  view: View
  /** The selected row's key in each view's list. */
  selection: Partial<Record<View, string>>
  /** Polecat ids with a terminal pane open, in opening order. */
  terminals: string[]
  toasts: Toast[]
  conn: ConnStatus
  /** The inbox item last opened from outside the Inbox (a notification): it stays selected even if hidden. */
  openedItem: string | null
  /** The inbox item a takeover started from: handing back with the keyboard returns there. */
  takeoverFrom: { polecatId: string; itemId: string } | null
  setTheme(theme: Theme): void
  setView(view: View): void
  select(view: View, id: string | undefined): void
  openTerminal(polecatId: string): void
  closeTerminal(polecatId: string): void
  /** Shows the Inbox with this item selected (a notification was clicked). */
  openInboxItem(id: string): void
  setTakeoverFrom(from: { polecatId: string; itemId: string } | null): void
  toast(kind: Toast['kind'], message: string, action?: ToastAction): void
  dismiss(id: number): void
  /** Takes away the toasts about `key` (an inbox item that was decided). */
  dismissFor(key: string): void
  setConn(conn: ConnStatus): void
}

const THEME_KEY = 'gt.theme'
const TOAST_MS = { error: 8000, info: 4000, action: 15000 }
let toastId = 0

function initialTheme(): Theme {
  try {
    return localStorage.getItem(THEME_KEY) === 'light' ? 'light' : 'dark'
  } catch {
    return 'dark'
  }
}

export const useUi = create<UiState>()((set, get) => ({
  theme: initialTheme(),
  view: 'rigs',
  selection: {},
  terminals: [],
  toasts: [],
  conn: 'connecting',
  takeoverFrom: null,
  openedItem: null,
  setTheme(theme) {
    try {
      localStorage.setItem(THEME_KEY, theme)
    } catch {
      // Storage can be disabled; the theme then lasts for this page only.
    }
    set({ theme })
  },
  setView: (view) => set({ view }),
  select: (view, id) => set({ selection: { ...get().selection, [view]: id } }),
  openTerminal(polecatId) {
    const { terminals, selection } = get()
    set({
      view: 'polecats',
      selection: { ...selection, polecats: polecatId },
      terminals: terminals.includes(polecatId) ? terminals : [...terminals, polecatId]
    })
  },
  closeTerminal: (polecatId) => set({ terminals: get().terminals.filter((t) => t !== polecatId) }),
  openInboxItem: (id) => set({ view: 'inbox', openedItem: id, selection: { ...get().selection, inbox: id } }),
  setTakeoverFrom: (takeoverFrom) => set({ takeoverFrom }),
  toast(kind, message, action) {
    const id = ++toastId
    set({ toasts: [...get().toasts.slice(-4), { id, kind, message, ...(action ? { action } : {}) }] })
    setTimeout(() => get().dismiss(id), action ? TOAST_MS.action : TOAST_MS[kind])
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
  dismissFor: (key) => {
    const toasts = get().toasts
    if (toasts.some((t) => t.action?.key === key)) set({ toasts: toasts.filter((t) => t.action?.key !== key) })
  },
  setConn: (conn) => set({ conn })
}))

/** Run an action; on failure show its message as an error toast. Returns undefined on failure. */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    useUi.getState().toast('error', `${what}: ${errorText(err)}`)
    return undefined
  }
}
