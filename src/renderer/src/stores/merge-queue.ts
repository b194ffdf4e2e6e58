// The Merge queue view's data: the shown rig's merge requests (`mq.list {rig}`) and its recent candidate runs
// (`mq.runs {rig}`). Read when the view shows a rig, on every (re)connect and when `beads` (a request's title is
// its bead's; a reject closes it) or `rigs` (a rig removed) change; between those, every change arrives row by
// row as `mq.entry` / `mq.run` and is applied as it is, with no re-read. A row pushed while a re-read is in
// flight is newer than that answer and wins over it (mergeFresh). Live check output (`mq.output`) goes to the
// terminal watching that run (outputFeed), never into the store: it is bytes for xterm, not state to render.
import { create } from 'zustand'
import type { InboxItem, MergeQueueEntry, MergeRun, MergeState } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { getClient } from '../transport'
import { mergeFresh } from './list'

/** Runs kept for the view: the newest first, enough for every request's last candidates. */
export const RUNS_KEPT = 50
const ENTRIES_READ = 1000

// ---- pure logic (test/renderer/merge-queue-store.test.ts) ----

/** The entry put into the list: replaces the one with its id unless that one is newer (an event older than a re-read). */
export function upsertEntry(entries: readonly MergeQueueEntry[], entry: MergeQueueEntry): MergeQueueEntry[] {
  const i = entries.findIndex((e) => e.id === entry.id)
  if (i < 0) return [...entries, entry]
  if (Date.parse(entries[i].updatedAt) > Date.parse(entry.updatedAt)) return entries as MergeQueueEntry[]
  return entries.map((e, j) => (j === i ? entry : e))
}

const RUN_DONE: ReadonlySet<MergeRun['status']> = new Set(['green', 'red', 'cancelled', 'error'])
export const runActive = (r: MergeRun): boolean => !RUN_DONE.has(r.status)

/** The run put into the list, newest first, at most `limit`; a finished run never goes back to building or testing. */
export function upsertRun(runs: readonly MergeRun[], run: MergeRun, limit = RUNS_KEPT): MergeRun[] {
  const i = runs.findIndex((r) => r.id === run.id)
  if (i >= 0 && !runActive(runs[i]) && runActive(run)) return runs as MergeRun[]
  const rest = i < 0 ? [...runs] : runs.filter((_, j) => j !== i)
  return [run, ...rest].sort(newestRunFirst).slice(0, limit)
}

const newestRunFirst = (a: MergeRun, b: MergeRun): number => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.startedAt < b.startedAt ? 1 : -1)

/** The refinery's own order for what waits: priority, then age (merge-queue.ts QUEUE_ORDER). */
export const queueOrder = (a: MergeQueueEntry, b: MergeQueueEntry): number =>
  a.priority - b.priority || (a.enqueuedAt < b.enqueuedAt ? -1 : a.enqueuedAt > b.enqueuedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const newestFinishedFirst = (a: MergeQueueEntry, b: MergeQueueEntry): number => {
  const fa = a.finishedAt ?? a.updatedAt
  const fb = b.finishedAt ?? b.updatedAt
  return fa === fb ? (a.id < b.id ? -1 : 1) : fa < fb ? 1 : -1
}

/** A gated batch: the inbox item it waits as, its requests, and the candidate run that passed. */
export interface AwaitingBatch {
  key: string
  item: InboxItem | null
  entries: MergeQueueEntry[]
  run: MergeRun | null
}

export interface QueueSections {
  pending: MergeQueueEntry[]
  testing: MergeQueueEntry[]
  /** Candidates being built or tested now, newest first. */
  activeRuns: MergeRun[]
  awaiting: AwaitingBatch[]
  merged: MergeQueueEntry[]
  /** Failed, sent back for changes, rejected: newest first. */
  failed: MergeQueueEntry[]
}

export const SENT_BACK: ReadonlySet<MergeState> = new Set(['failed', 'changes_requested', 'rejected'])

/** The newest run that had this request in its candidate. */
export function lastRunOf(runs: readonly MergeRun[], id: string): MergeRun | null {
  return runs.find((r) => r.requests.includes(id)) ?? null
}

/**
 * What the view shows in each section. Requests awaiting approval are grouped by the open inbox item of kind
 * `merge` that lists them (one batch, one Approve), with the run whose candidate is that item's; a request no
 * item is known for (the inbox not read yet) is a batch of its own.
 */
export function queueSections(entries: readonly MergeQueueEntry[], runs: readonly MergeRun[], inbox: readonly InboxItem[]): QueueSections {
  const by = (s: MergeState) => entries.filter((e) => e.state === s)
  const awaitingEntries = by('awaiting_approval').sort(queueOrder)
  const items = inbox.filter((i) => i.kind === 'merge' && i.status === 'open' && i.merge)
  const awaiting: AwaitingBatch[] = []
  const placed = new Set<string>()
  for (const item of items) {
    const mine = awaitingEntries.filter((e) => item.merge!.requests.includes(e.id))
    if (!mine.length) continue
    for (const e of mine) placed.add(e.id)
    const run = runs.find((r) => r.candidateSha === item.merge!.candidate && r.status === 'green') ?? lastRunOf(runs, mine[0].id)
    awaiting.push({ key: item.id, item, entries: mine, run })
  }
  for (const e of awaitingEntries) if (!placed.has(e.id)) awaiting.push({ key: e.id, item: null, entries: [e], run: lastRunOf(runs, e.id) })
  return {
    pending: by('pending').sort(queueOrder),
    testing: by('testing').sort(queueOrder),
    activeRuns: runs.filter(runActive),
    awaiting,
    merged: by('merged').sort(newestFinishedFirst),
    failed: entries.filter((e) => SENT_BACK.has(e.state)).sort(newestFinishedFirst)
  }
}

/** A span of time for people: "0.4 s", "12 s", "3 min 4 s", "2 h 5 min". */
export function spanText(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`
}

/** How long a request took: queued until it finished (merged, sent back), or until now while it is in the queue. */
export function entryTook(e: MergeQueueEntry, now: number): { ms: number; done: boolean } {
  const done = e.state === 'merged' || SENT_BACK.has(e.state)
  const end = done ? Date.parse(e.finishedAt ?? e.updatedAt) : now
  return { ms: end - Date.parse(e.enqueuedAt), done }
}

/** How long a candidate run took, or has taken so far. */
export function runTook(r: MergeRun, now: number): number {
  return (r.finishedAt ? Date.parse(r.finishedAt) : now) - Date.parse(r.startedAt)
}

/**
 * A finished run's checks as the terminal showed them live (the core's refinery.ts checkEvent writes the same
 * shape): each command, its output (head and tail as stored), and how it ended.
 */
export function runTranscript(run: MergeRun): string {
  // A check the rig has no command for never ran: the live output had nothing of it either.
  const ran = run.checks.filter((c) => c.status !== 'skipped')
  if (!ran.length) return run.detail && run.status !== 'green' ? `${run.detail}\r\n` : run.status === 'green' ? 'This tree passed the same checks before: not run again.\r\n' : ''
  return ran
    .map((c) => {
      const ok = c.status === 'ok'
      const out = c.output.replace(/\r?\n/g, '\r\n')
      return `\x1b[1m$ ${c.command}\x1b[0m\r\n${out}${out && !out.endsWith('\r\n') ? '\r\n' : ''}\x1b[${ok ? '32' : '31'}m${c.check}: ${c.status}${c.exitCode !== null ? ` (exit ${c.exitCode})` : ''} in ${(c.durationMs / 1000).toFixed(1)} s\x1b[0m\r\n`
    })
    .join('\r\n')
}

// ---- live output: one feed, many watchers (a run's terminal) ----

export interface OutputFeed {
  /** An `mq.output` event: handed to whoever watches that run. */
  deliver(runId: string, data: string): void
  /**
   * Writes what the run printed so far (`load`, the `mq.output` call), then what arrives after. Events that
   * arrive before the answer are already in it (events and answers share one ordered channel), so they are
   * dropped. Returns the unsubscribe.
   */
  watch(runId: string, write: (data: string) => void, load: () => Promise<string>): () => void
}

export function createOutputFeed(): OutputFeed {
  const watchers = new Map<string, Set<{ ready: boolean; write: (data: string) => void }>>()
  return {
    deliver(runId, data) {
      for (const w of watchers.get(runId) ?? []) if (w.ready) w.write(data)
    },
    watch(runId, write, load) {
      const w = { ready: false, write }
      let gone = false
      const set = watchers.get(runId) ?? new Set()
      set.add(w)
      watchers.set(runId, set)
      load().then(
        (text) => {
          if (gone) return
          if (text) write(text)
          w.ready = true
        },
        (err) => {
          if (gone) return
          write(`\r\n(could not read the output so far: ${errorText(err)})\r\n`)
          w.ready = true
        }
      )
      return () => {
        gone = true
        set.delete(w)
        if (!set.size) watchers.delete(runId)
      }
    }
  }
}

export const outputFeed = createOutputFeed()

/** The run's output so far, then live: what a run's terminal calls. */
export function watchRunOutput(runId: string, write: (data: string) => void): () => void {
  return outputFeed.watch(runId, write, async () => (await getClient().call('mq.output', { run: runId })).text)
}

// ---- the store ----

interface MergeQueueState {
  /** The rig the view shows (null: the view is not showing, nothing is read). */
  rig: string | null
  entries: MergeQueueEntry[]
  runs: MergeRun[]
  loaded: boolean
  error: string | null
  show(rig: string | null): Promise<void>
  refresh(): Promise<void>
  /** An `mq.entry` event, or an entry an action returned. */
  applyEntry(entry: MergeQueueEntry): void
  applyRun(run: MergeRun): void
}

let token = 0
let loading = false
let running: Promise<void> | null = null
let again = false
const entriesMeanwhile = new Set<string>()
const runsMeanwhile = new Set<string>()

export const useMergeQueue = create<MergeQueueState>()((set, get) => {
  async function readOnce(): Promise<void> {
    const rig = get().rig
    if (!rig) return
    const mine = ++token
    entriesMeanwhile.clear()
    runsMeanwhile.clear()
    loading = true
    try {
      const [entries, runs] = await Promise.all([getClient().call('mq.list', { rig, limit: ENTRIES_READ }), getClient().call('mq.runs', { rig, limit: RUNS_KEPT })])
      if (mine !== token) return
      set({
        entries: mergeFresh(entries, get().entries, entriesMeanwhile, (e) => e.id),
        runs: mergeFresh(runs, get().runs, runsMeanwhile, (r) => r.id).sort(newestRunFirst).slice(0, RUNS_KEPT),
        loaded: true,
        error: null
      })
    } catch (err) {
      if (mine === token) set({ error: errorText(err), loaded: true })
    } finally {
      if (mine === token) loading = false
    }
  }
  return {
    rig: null,
    entries: [],
    runs: [],
    loaded: false,
    error: null,
    async show(rig) {
      if (rig === get().rig) return get().refresh()
      ++token
      set({ rig, entries: [], runs: [], loaded: false, error: null })
      return get().refresh()
    },
    refresh() {
      // A burst of `beads` changes costs at most two reads: one running, one after it.
      if (running) {
        again = true
        return running
      }
      running = (async () => {
        do {
          again = false
          await readOnce()
        } while (again)
        running = null
      })()
      return running
    },
    applyEntry(entry) {
      if (entry.rig !== get().rig) return
      if (loading) entriesMeanwhile.add(entry.id)
      const entries = upsertEntry(get().entries, entry)
      if (entries !== get().entries) set({ entries })
    },
    applyRun(run) {
      if (run.rig !== get().rig) return
      if (loading) runsMeanwhile.add(run.id)
      const runs = upsertRun(get().runs, run)
      if (runs !== get().runs) set({ runs })
    }
  }
})
