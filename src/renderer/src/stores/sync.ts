// Keeps the stores in step with the core: everything is read on every (re)connect; a `changed` event
// re-reads just the topics it names; `inbox.item`, `polecat`, `mq.entry` and `mq.run` events carry the changed
// row itself and are applied as they are (no re-read), so fifty busy agents cost one small update each. Whether dispatch is
// paused has no event of its own: it is re-read with the ledger, when a mass death is raised, and when the
// page comes back into view (a `gt town resume` from a terminal changes it without telling anyone).
import type { Topic } from '../../../shared/contract'
import { getClient } from '../transport'
import { useBeadDetail, useBeads } from './beads'
import { useCheckRuns } from './check-runs'
import { useConvoys } from './convoys'
import { useInbox } from './inbox'
import { outputFeed, useMergeQueue } from './merge-queue'
import { useMayor } from './mayor'
import { noteItem, noteList } from './notifications'
import { usePermissionRules } from './permissions'
import { usePolecats } from './polecats'
import { useRigConfig } from './rig-config'
import { useRigs } from './rigs'
import { useScheduler } from './scheduler'
import { useSessions, useTranscript } from './sessions'
import { useTown } from './town'
import { useUi } from './ui'

const refreshers: Record<Topic, () => void> = {
  // A setting changed (here or with gt rig config) comes as `rigs` too: the shown rig's settings follow.
  // A rig added or removed changes the scheduler's rigs and their twins without a `scheduler` event.
  rigs: () => {
    void useRigs.getState().refresh()
    void useRigConfig.getState().refresh()
    void useMergeQueue.getState().refresh()
    void useScheduler.getState().refresh()
  },
  // A merge request's title is its bead's, and a reject closes the bead: the shown queue is re-read.
  beads: () => {
    void useBeads.getState().refresh()
    void useBeadDetail.getState().refresh()
    void useMergeQueue.getState().refresh()
  },
  // Polecats are pushed one by one; the topic still comes when rows go away (a rig removed) or are added.
  polecats: () => void usePolecats.getState().refresh(),
  // Every change to an item arrives as `inbox.item` (items are never deleted): nothing to re-read.
  inbox: () => {},
  sessions: () => {
    void useSessions.getState().refresh()
    void useBeadDetail.getState().refresh()
    void useTranscript.getState().reload()
  },
  // A polecat's last check arrives with the polecat itself (its health); the Rigs view's runs are re-read.
  checks: () => void useCheckRuns.getState().refresh(),
  permissions: () => void usePermissionRules.getState().refresh(),
  // The ledger has no list of its own here; it shows up as events in the bead detail (and a live transcript).
  ledger: () => {
    void useBeadDetail.getState().refresh()
    void useTranscript.getState().reload()
    void useTown.getState().refreshStatus()
  }
}

async function refreshInbox(): Promise<void> {
  await useInbox.getState().refresh()
  const { items, error } = useInbox.getState()
  if (!error) noteList(items)
}

function refreshAll(): void {
  // The ledger's refresher below reads town.status too.
  void useTown.getState().refresh()
  for (const fn of new Set(Object.values(refreshers))) fn()
  void refreshInbox()
  void useConvoys.getState().refresh()
  void useMayor.getState().refresh()
  void useScheduler.getState().refresh()
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
    if (event.type === 'inbox.item') {
      useInbox.getState().upsert(event.item)
      noteItem(event.item)
      if (event.item.incident === 'mass_death') void useTown.getState().refreshStatus()
      return
    }
    if (event.type === 'polecat') {
      usePolecats.getState().upsert(event.polecat)
      return
    }
    if (event.type === 'mq.entry') return useMergeQueue.getState().applyEntry(event.entry)
    if (event.type === 'mq.run') return useMergeQueue.getState().applyRun(event.run)
    if (event.type === 'mq.output') return outputFeed.deliver(event.runId, event.data)
    // A convoy comes whole, each time it changes: applied as it is, nothing re-read.
    if (event.type === 'convoy') {
      useConvoys.getState().upsert(event.convoy)
      return
    }
    if (event.type === 'mayor') return useMayor.getState().apply(event.mayor)
    // The scheduler's whole status comes with each of its changes: applied as it is, nothing re-read.
    if (event.type === 'scheduler') return useScheduler.getState().apply(event.changes, event.status)
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
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && client.status() === 'connected') void useTown.getState().refreshStatus()
    })
  }
}
