// Keeps the stores in step with the core: everything is read on every (re)connect, and a
// `changed` event re-reads just the topics it names.
import type { Topic } from '../../../shared/contract'
import { getClient } from '../transport'
import { useBeadDetail, useBeads } from './beads'
import { useInbox } from './inbox'
import { usePolecats } from './polecats'
import { useRigs } from './rigs'
import { useSessions, useTranscript } from './sessions'
import { useTown } from './town'
import { useUi } from './ui'

const refreshers: Record<Topic, () => void> = {
  rigs: () => void useRigs.getState().refresh(),
  beads: () => {
    void useBeads.getState().refresh()
    void useBeadDetail.getState().refresh()
  },
  polecats: () => void usePolecats.getState().refresh(),
  inbox: () => void useInbox.getState().refresh(),
  sessions: () => {
    void useSessions.getState().refresh()
    void useBeadDetail.getState().refresh()
    void useTranscript.getState().reload()
  },
  // Check runs show in the Rigs and Polecats views through the polecats' health and the rig view's own read.
  checks: () => void usePolecats.getState().refresh(),
  // The ledger has no list of its own here; it shows up as events in the bead detail (and a live transcript).
  ledger: () => {
    void useBeadDetail.getState().refresh()
    void useTranscript.getState().reload()
  }
}

function refreshAll(): void {
  void useTown.getState().refresh()
  for (const fn of new Set(Object.values(refreshers))) fn()
}

let started = false

export function startSync(): void {
  if (started) return
  started = true
  const client = getClient()
  client.onStatus((status) => {
    useUi.getState().setConn(status)
    if (status === 'connected') refreshAll()
  })
  client.onEvent((event) => {
    if (event.type !== 'changed') return
    // Several topics often share a refresher (beads + ledger): call each once.
    const fns = new Set<() => void>()
    for (const topic of event.topics) {
      const fn = refreshers[topic]
      if (fn) fns.add(fn)
    }
    for (const fn of fns) fn()
  })
  useUi.getState().setConn(client.status())
}
