// Telling the human about a new P0 or a new permission request (never about what was already there when the
// page loaded): a desktop notification where the user allowed them — the HTML Notification API, which Electron
// turns into native ones — and an in-app toast otherwise. Clicking either opens the Inbox on that item.
// Permission is asked for only when the user clicks "Enable desktop notifications", never on load.
// Once the item is no longer open (approved, denied, resolved in the agent's terminal), its toast or desktop
// notification goes away: it would lead to something already decided.
import { create } from 'zustand'
import type { InboxItem } from '../../../shared/domain'
import { deservesNotification } from '../lib/inbox-queue'
import { toolSummary } from '../lib/tool-input'
import { useUi } from './ui'

export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported'

function currentPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

interface NotifyState {
  permission: NotifyPermission
  /** Asks the browser for permission; call from a user's click only. */
  enable(): Promise<void>
}

export const useNotify = create<NotifyState>()((set) => ({
  permission: currentPermission(),
  async enable() {
    if (typeof Notification === 'undefined') return
    try {
      set({ permission: await Notification.requestPermission() })
    } catch {
      set({ permission: currentPermission() })
    }
  }
}))

const seen = new Set<string>()
/** Desktop notifications shown, by item, until their item closes. */
const shown = new Map<string, Notification>()
let primed = false
/** Items pushed before the first list arrived: announced only if that list did not already hold them. */
let early: InboxItem[] = []

/** The first full list: what is in it existed at load and is never announced. */
function prime(items: readonly InboxItem[]): void {
  for (const item of items) seen.add(item.id)
  primed = true
  const pending = early
  early = []
  for (const item of pending) if (!seen.has(item.id)) see(item)
}

function see(item: InboxItem): void {
  if (seen.has(item.id)) return
  seen.add(item.id)
  if (deservesNotification(item)) announce(item)
}

/** A full list arrived (connect, reconnect): items never seen before appeared while the page was away. */
export function noteList(items: readonly InboxItem[]): void {
  if (!primed) return prime(items)
  for (const item of items) see(item)
}

/** An item the core pushed. */
export function noteItem(item: InboxItem): void {
  if (item.status !== 'open') withdraw(item.id)
  if (!primed) {
    if (!seen.has(item.id)) early.push(item)
    return
  }
  see(item)
}

export function notificationText(item: InboxItem): { title: string; body: string } {
  const who = item.polecatId ?? item.rig ?? 'the control room'
  if (item.kind === 'permission' && item.tool) {
    return { title: `${item.severity} · ${who} asks permission`, body: toolSummary(item.tool).slice(0, 300) }
  }
  const kind = item.kind === 'alarm' ? 'alarm' : 'escalation'
  return { title: `${item.severity} ${kind} · ${who}`, body: [item.title, item.body].filter(Boolean).join('\n').slice(0, 300) }
}

function withdraw(id: string): void {
  useUi.getState().dismissFor(id)
  const n = shown.get(id)
  if (n) {
    shown.delete(id)
    n.close()
  }
}

function announce(item: InboxItem): void {
  const { title, body } = notificationText(item)
  const open = () => useUi.getState().openInboxItem(item.id)
  if (currentPermission() === 'granted') {
    try {
      const n = new Notification(title, { body, tag: item.id })
      shown.set(item.id, n)
      n.onclick = () => {
        window.focus()
        open()
        n.close()
      }
      n.onclose = () => {
        if (shown.get(item.id) === n) shown.delete(item.id)
      }
      return
    } catch {
      // Some browsers only allow notifications from a service worker: fall back to the toast.
    }
  }
  useUi.getState().toast(item.severity === 'P0' ? 'error' : 'info', `${title}: ${body}`, { label: 'Open', run: open, testId: 'notify-toast', key: item.id })
}
