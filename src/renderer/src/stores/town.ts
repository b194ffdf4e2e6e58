import { create } from 'zustand'
import type { TownInfo } from '../../../shared/contract'
import { errorText } from '../lib/format'
import { getClient } from '../transport'

interface TownState {
  info: TownInfo | null
  error: string | null
  refresh(): Promise<void>
}

export const useTown = create<TownState>()((set) => ({
  info: null,
  error: null,
  async refresh() {
    try {
      set({ info: await getClient().call('town.info', {}), error: null })
    } catch (err) {
      set({ error: errorText(err) })
    }
  }
}))
