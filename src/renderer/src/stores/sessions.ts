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
}

let token = 0

export const useTranscript = create<TranscriptState>()((set) => ({
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
  }
}))
