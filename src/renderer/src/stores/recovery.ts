// Start-up recovery and quitting, as the page shows them. The core pushes each change of its recovery report
// (`recovery` events) and the page applies it as it comes, never polling; on every (re)connect it reads
// `town.recovery` once, so a page opened mid-recovery shows it too. A finished recovery stays on screen
// while it has failures, until dismissed (remembered per run, so a reload does not bring it back); one that
// went well is shown for a few seconds, and only to a page that saw it run. `quitting` events carry the
// saving of the agents' work when the control room quits, which the overlay shows until the window goes.
import { create } from 'zustand'
import type { RecoveryReport } from '../../../shared/domain'
import { failedSteps } from '../lib/recovery-words'
import { getClient, type Transport } from '../transport'

/** How long a recovery that went well stays on screen after it finished. */
export const CLEAN_LINGER_MS = 10_000
const DISMISSED_KEY = 'gt.recovery.dismissed'

export interface Quitting {
  done: number
  total: number
  /** The polecat whose work was saved last; null before the first. */
  last: string | null
  /** The connection dropped after quitting began: the control room has stopped. */
  stopped: boolean
}

interface RecoveryState {
  report: RecoveryReport | null
  /** Every detail each step went through, oldest first, by `rig:NAME` / `polecat:ID` (the core keeps only the last). */
  trail: Record<string, string[]>
  /** This page saw the current report while it ran. */
  seenRunning: boolean
  /** A recovery that went well, just finished: shown until CLEAN_LINGER_MS have passed. */
  lingering: boolean
  /** The dismissed report's key (its start and how many steps had failed then). */
  dismissed: string | null
  quitting: Quitting | null
  apply(report: RecoveryReport | null): void
  load(): Promise<void>
  dismiss(): void
  onQuitting(e: { done: number; total: number; polecatId: string | null }): void
  onConnection(connected: boolean): void
}

/** A dismissal holds for the run it was made on, unless more steps failed after it. */
export const dismissKey = (r: RecoveryReport) => `${r.startedAt}#${failedSteps(r).length}`

export const stepKey = (kind: 'rig' | 'polecat', name: string) => `${kind}:${name}`

function readDismissed(): string | null {
  try {
    return localStorage.getItem(DISMISSED_KEY)
  } catch {
    return null
  }
}

// Answers can cross: a `town.recovery` read that started before an event answers after it. Only a read that
// no event overtook is applied.
let eventsSeen = 0
let lingerTimer: ReturnType<typeof setTimeout> | null = null

export const useRecovery = create<RecoveryState>()((set, get) => ({
  report: null,
  trail: {},
  seenRunning: false,
  lingering: false,
  dismissed: readDismissed(),
  quitting: null,
  apply(report) {
    const prev = get().report
    const sameRun = !!report && !!prev && prev.startedAt === report.startedAt
    const trail: Record<string, string[]> = sameRun ? { ...get().trail } : {}
    if (report) {
      for (const [kind, steps] of [['rig', report.rigs], ['polecat', report.polecats]] as const) {
        for (const s of steps) {
          const k = stepKey(kind, s.name)
          const seen = trail[k] ?? []
          if (s.detail && seen[seen.length - 1] !== s.detail) trail[k] = [...seen, s.detail]
        }
      }
    }
    const seenRunning = (sameRun && get().seenRunning) || (!!report && !report.finishedAt)
    const justFinished = !!report?.finishedAt && seenRunning && !(sameRun && prev?.finishedAt)
    if (!sameRun && lingerTimer) {
      clearTimeout(lingerTimer)
      lingerTimer = null
    }
    let lingering = sameRun ? get().lingering : false
    if (justFinished && failedSteps(report).length === 0) {
      lingering = true
      if (lingerTimer) clearTimeout(lingerTimer)
      lingerTimer = setTimeout(() => {
        lingerTimer = null
        set({ lingering: false })
      }, CLEAN_LINGER_MS)
    }
    set({ report, trail, seenRunning, lingering })
  },
  async load() {
    const mine = eventsSeen
    try {
      const report = await getClient().call('town.recovery', {})
      if (mine === eventsSeen) get().apply(report)
    } catch {
      // Keep what is shown: the events carry every change, and the next connect reads it again.
    }
  },
  dismiss() {
    const r = get().report
    if (!r) return
    const key = dismissKey(r)
    try {
      localStorage.setItem(DISMISSED_KEY, key)
    } catch {
      // Storage can be disabled: the dismissal then lasts for this page only.
    }
    if (lingerTimer) clearTimeout(lingerTimer)
    lingerTimer = null
    set({ dismissed: key, lingering: false })
  },
  onQuitting(e) {
    const q = get().quitting
    set({ quitting: { done: e.done, total: e.total, last: e.polecatId ?? q?.last ?? null, stopped: false } })
  },
  onConnection(connected) {
    const q = get().quitting
    if (!q) return
    // Connected again means a control room is running (a new one): whatever was quitting is over.
    set({ quitting: connected ? null : { ...q, stopped: true } })
  }
}))

/** Whether the banner shows: while a recovery runs; after, while it has failures or just went well; never once dismissed. */
export function bannerShown(s: Pick<RecoveryState, 'report' | 'dismissed' | 'lingering'>): boolean {
  const r = s.report
  if (!r || r.polecats.length + r.rigs.length === 0) return false
  if (s.dismissed === dismissKey(r)) return false
  if (!r.finishedAt) return true
  return failedSteps(r).length > 0 || s.lingering
}

/** Wires the store to the connection: events as they come, one read per connection. Returns the unsubscribe. */
export function startRecoverySync(client: Transport = getClient()): () => void {
  let loadedEpoch = 0
  const loadFor = (epoch: number) => {
    if (epoch === loadedEpoch) return
    loadedEpoch = epoch
    void useRecovery.getState().load()
  }
  const offEvent = client.onEvent((event) => {
    if (event.type === 'recovery') {
      eventsSeen++
      useRecovery.getState().apply(event.report)
    } else if (event.type === 'quitting') useRecovery.getState().onQuitting(event)
  })
  const offStatus = client.onStatus((status, epoch) => {
    useRecovery.getState().onConnection(status === 'connected')
    if (status === 'connected') loadFor(epoch)
  })
  // The socket may have opened before this subscribed (IPC is open from the start).
  if (client.status() === 'connected') loadFor(client.epoch())
  return () => {
    offEvent()
    offStatus()
  }
}
