// Seance: past and live sessions, and the transcript of the one being read.
import { create } from 'zustand'
import type { SessionTranscript } from '../../../shared/contract'
import type { Session } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { getClient } from '../transport'
import { createListStore } from './list'

export const useSessions = createListStore<Session>(
  async () => (await getClient().call('sessions.list', { limit: 500 })).sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
  (s) => s.id
)

interface TranscriptState {
  id: string | null
  transcript: SessionTranscript | null
  error: string | null
  loading: boolean
  show(id: string | null): Promise<void>
  /** Re-reads the open transcript if its session is still live. */
  reload(): Promise<void>
}

let token = 0

export const useTranscript = create<TranscriptState>()((set, get) => ({
  id: null,
  transcript: null,
  error: null,
  loading: false,
  async show(id) {
    const mine = ++token
    set({ id, transcript: null, error: null, loading: id !== null })
    if (!id) return
    try {
      const transcript = await getClient().call('sessions.show', { id })
      if (mine === token) set({ transcript, loading: false })
    } catch (err) {
      if (mine === token) set({ error: errorText(err), loading: false })
    }
  },
  async reload() {
    // Re-read in place (no blank state in between): the session may have grown or ended.
    const { id, transcript } = get()
    if (!id || !transcript || transcript.session.endedAt) return
    const mine = ++token
    try {
      const fresh = await getClient().call('sessions.show', { id })
      if (mine === token) set({ transcript: fresh })
    } catch {
      // keep what is shown; the next change tries again
    }
  }
}))
