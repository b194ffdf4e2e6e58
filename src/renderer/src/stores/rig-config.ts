// The settings of the rig the Rigs view shows (rigs.config): read when it shows, and again when the core says
// rigs changed (a setting changed here, or with gt rig config). A change made here applies the core's answer.
import { create } from 'zustand'
import type { RigConfig } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { getClient } from '../transport'

interface RigConfigState {
  rig: string | null
  config: RigConfig | null
  error: string | null
  show(rig: string | null): Promise<void>
  refresh(): Promise<void>
  /** Sets one setting (null: back to its default); resolves with the core's refusal as text, or null. */
  configure(key: string, value: string | null): Promise<string | null>
}

let token = 0

export const useRigConfig = create<RigConfigState>()((set, get) => ({
  rig: null,
  config: null,
  error: null,
  async show(rig) {
    if (rig === get().rig) return get().refresh()
    ++token
    set({ rig, config: null, error: null })
    return get().refresh()
  },
  async refresh() {
    const rig = get().rig
    if (!rig) return
    const mine = ++token
    try {
      const config = await getClient().call('rigs.config', { rig })
      if (mine === token) set({ config, error: null })
    } catch (err) {
      if (mine === token) set({ error: errorText(err) })
    }
  },
  async configure(key, value) {
    const rig = get().rig
    if (!rig) return 'no rig is shown'
    try {
      const config = await getClient().call('rigs.configure', { rig, key, value })
      ++token
      if (get().rig === rig) set({ config, error: null })
      return null
    } catch (err) {
      return errorText(err)
    }
  }
}))
