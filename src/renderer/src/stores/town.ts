// The town: what the core says about itself (town.info), and whether dispatch runs (town.status): a mass
// death pauses it town-wide until the human resumes it. The status is re-read on connect, when the ledger
// changes, when the witness raises a mass death, and when the page comes back into view.
import { create } from 'zustand'
import type { TownInfo } from '../../../shared/contract'
import { errorText } from '../lib/format'
import { getClient } from '../transport'

interface TownState {
  info: TownInfo | null
  error: string | null
  /** Why dispatch is paused (the witness's words), or null while it runs. */
  dispatchPaused: string | null
  refresh(): Promise<void>
  refreshStatus(): Promise<void>
  /** Resumes dispatch; true when it was paused. Throws the core's error. */
  resume(): Promise<boolean>
}

let statusToken = 0

export const useTown = create<TownState>()((set, get) => ({
  info: null,
  error: null,
  dispatchPaused: null,
  async refresh() {
    try {
      set({ info: await getClient().call('town.info', {}), error: null })
    } catch (err) {
      set({ error: errorText(err) })
    }
  },
  async refreshStatus() {
    // Answers can cross (a re-read started before a resume answers after it): only the newest counts.
    const mine = ++statusToken
    try {
      const st = await getClient().call('town.status', {})
      if (mine === statusToken) set({ dispatchPaused: st.dispatchPaused })
    } catch {
      // Keep what is shown; the next connect or change reads it again.
    }
  },
  async resume() {
    ++statusToken
    const r = await getClient().call('town.resume', {})
    set({ dispatchPaused: null })
    void get().refreshStatus()
    return r.resumed
  }
}))
