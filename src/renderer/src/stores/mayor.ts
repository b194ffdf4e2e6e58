// The AI mayor session's status: read on every (re)connect, then replaced by each `mayor` event (started,
// ended), so the Convoys view's Mayor panel follows a start or stop made anywhere.
import { create } from 'zustand'
import type { MayorStatus } from '../../../shared/contract'
import { errorText } from '../lib/format'
import { getClient } from '../transport'

interface MayorState {
  status: MayorStatus | null
  error: string | null
  refresh(): Promise<void>
  apply(status: MayorStatus): void
}

let readToken = 0

export const useMayor = create<MayorState>()((set) => ({
  status: null,
  error: null,
  async refresh() {
    const mine = ++readToken
    try {
      const status = await getClient().call('mayor.status', {})
      if (mine === readToken) set({ status, error: null })
    } catch (err) {
      if (mine === readToken) set({ error: errorText(err) })
    }
  },
  apply(status) {
    // An event is newer than any read still in flight.
    ++readToken
    set({ status, error: null })
  }
}))
