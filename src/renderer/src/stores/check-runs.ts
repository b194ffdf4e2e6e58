// The recent check runs of the rig the Rigs view shows (checks.list {rig}): read when it shows, when the
// core says checks changed (a run finished), and after the user asks for a run here (checks.run).
import { create } from 'zustand'
import type { CheckRun } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { getClient } from '../transport'

const RECENT = 30

interface CheckRunsState {
  rig: string | null
  runs: CheckRun[]
  loaded: boolean
  error: string | null
  /** The run whose details are open (its checks, commands and output): null the newest, '' none. */
  openRun: string | null
  show(rig: string | null): Promise<void>
  refresh(): Promise<void>
  setOpenRun(id: string | null): void
  /** Queues the rig's checks in the polecat's worktree; resolves with the queued run, or throws the core's error. */
  run(polecatId: string): Promise<CheckRun>
}

let token = 0

export const useCheckRuns = create<CheckRunsState>()((set, get) => ({
  rig: null,
  runs: [],
  loaded: false,
  error: null,
  openRun: null,
  async show(rig) {
    if (rig === get().rig) return get().refresh()
    ++token
    // A run opened from elsewhere (a polecat's last check) stays open when its rig shows.
    set({ rig, runs: [], loaded: false, error: null })
    return get().refresh()
  },
  async refresh() {
    const rig = get().rig
    if (!rig) return
    const mine = ++token
    try {
      const runs = await getClient().call('checks.list', { rig, limit: RECENT })
      if (mine === token) set({ runs, loaded: true, error: null })
    } catch (err) {
      if (mine === token) set({ error: errorText(err), loaded: true })
    }
  },
  setOpenRun: (openRun) => set({ openRun }),
  async run(polecatId) {
    const run = await getClient().call('checks.run', { polecat: polecatId })
    set({ openRun: run.id })
    await get().refresh()
    return run
  }
}))
