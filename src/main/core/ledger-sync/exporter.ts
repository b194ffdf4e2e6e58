// The ledger branch, kept up to date: the core calls touched() on every ledger change and flush() on quit.
// Changes are gathered for a few seconds (debounce; at most maxWaitMs under constant change) and then written
// as one commit per target: each rig's origin with that rig's beads, or one remote for the whole town
// (settings.ledger.remote). The database is read at once, in one transaction, and the git work runs after,
// so nothing here blocks the core for longer than that read. A target that cannot be written (unreachable,
// refused, a bad record on its branch) is reported through onFailure — once, and again if the reason changes
// — and retried later with a growing delay; onRecovered says when it works again. Nothing here ever throws
// into the core.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Db } from '../store/db'
import { now } from '../ledger/ledger'
import { ensureLedgerRepo, blobSha } from './git-plumbing'
import { publishSnapshot, type BranchCache, type BranchTarget, type PublishResult } from './ledger-branch'
import { makeManifest, readTownLedger, scopeSnapshot, snapshotFingerprint, type LedgerSnapshot } from './snapshot'
import type { LedgerSettings } from './ledger-settings'

export const LEDGER_REPO = 'ledger.git'
export const TOWN_ID_KEY = 'ledger.town-id'
export const DEFAULT_LEDGER_IDENTITY = { name: 'Gas Town control room', email: 'control-room@gastown.invalid' }
const WRITTEN_BY = 'Gas Town Control Room'

export interface LedgerFailure {
  target: string
  rig: string | null
  remote: string
  branch: string
  /** What went wrong, for people: names the remote (and for a bad record the file, line and field). */
  message: string
  /** Failed attempts in a row. */
  attempts: number
  retryInMs: number
}

export interface LedgerPushed extends PublishResult {
  target: string
  rig: string | null
  remote: string
  branch: string
}

export interface LedgerTargetStatus {
  target: string
  rig: string | null
  remote: string
  branch: string
  lastCommit: string | null
  lastWrittenAt: string | null
  failing: string | null
  attempts: number
  nextRetryAt: string | null
}

export interface FlushReport {
  written: LedgerPushed[]
  failed: LedgerFailure[]
}

export interface LedgerExporterOptions {
  db: Db
  town: string
  settings: () => LedgerSettings
  beadPrefix: () => string
  identity?: { name: string; email: string }
  onFailure?: (f: LedgerFailure) => void
  onRecovered?: (t: { target: string; rig: string | null; remote: string; branch: string }) => void
  onWritten?: (p: LedgerPushed) => void
  /** Delay before the first retry of a failing target; each next one waits twice as long, up to maxMs. */
  retry?: { firstMs: number; maxMs: number }
  /** Under constant change, a commit is written at least this often. */
  maxWaitMs?: number
}

interface TargetState {
  cache: BranchCache | null
  /** Blob ids of this town's own files last written: unchanged ones need no network at all. */
  lastOwn: string | null
  lastCommit: string | null
  lastWrittenAt: string | null
  failing: string | null
  attempts: number
  nextRetryAt: number
  target: BranchTarget
}

/** The town's id on its ledger branches, made once (a restored town keeps the one it was restored from). */
export function townId(db: Db): string {
  const row = db.prepare('SELECT value FROM town_state WHERE key = ?').get(TOWN_ID_KEY) as { value: string } | undefined
  if (row) return row.value
  const id = randomUUID()
  db.prepare('INSERT OR IGNORE INTO town_state (key, value, at) VALUES (?, ?, ?)').run(TOWN_ID_KEY, id, now())
  return (db.prepare('SELECT value FROM town_state WHERE key = ?').get(TOWN_ID_KEY) as { value: string }).value
}

/** Where the ledger goes: each rig's origin (its source), or one remote for the whole town. */
export function ledgerTargets(db: Db, settings: LedgerSettings): BranchTarget[] {
  if (!settings.enabled) return []
  if (settings.remote) return [{ key: 'town', remote: settings.remote, branch: settings.branch, scope: 'town' }]
  const rigs = db.prepare('SELECT name, source FROM rigs ORDER BY name').all() as { name: string; source: string }[]
  return rigs.map((r) => ({ key: `rig-${r.name}`, remote: r.source, branch: settings.branch, scope: { rig: r.name } }))
}

const rigOf = (t: BranchTarget): string | null => (t.scope === 'town' ? null : t.scope.rig)

export class LedgerExporter {
  private readonly repo: string
  private readonly state = new Map<string, TargetState>()
  private debounce: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private firstTouch: number | null = null
  private chain: Promise<unknown> = Promise.resolve()
  private stopped = false

  constructor(private o: LedgerExporterOptions) {
    this.repo = join(o.town, LEDGER_REPO)
  }

  /** Something in the ledger changed: a commit follows once changes stop for a few seconds. */
  touched(): void {
    if (this.stopped) return
    const settings = this.o.settings()
    if (!settings.enabled) return
    const t = Date.now()
    this.firstTouch ??= t
    const wait = Math.max(0, Math.min(settings.debounceSeconds * 1000, this.firstTouch + (this.o.maxWaitMs ?? 60_000) - t))
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = setTimeout(() => {
      this.debounce = null
      this.firstTouch = null
      void this.enqueue(false)
    }, wait)
    this.debounce.unref()
  }

  /** Writes every target now, failing ones too (for quit); resolves when done, never rejects. */
  flush(): Promise<FlushReport> {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = null
    this.firstTouch = null
    return this.enqueue(true)
  }

  /** flush(), then no more commits: for quit, before the database closes (the read happens at once). */
  async close(): Promise<FlushReport> {
    const report = this.flush()
    this.stop()
    return report
  }

  /** No more commits and no timers (what is under way finishes). */
  stop(): void {
    this.stopped = true
    if (this.debounce) clearTimeout(this.debounce)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.debounce = this.retryTimer = null
  }

  status(): LedgerTargetStatus[] {
    return [...this.state.values()].map((s) => ({
      target: s.target.key,
      rig: rigOf(s.target),
      remote: s.target.remote,
      branch: s.target.branch,
      lastCommit: s.lastCommit,
      lastWrittenAt: s.lastWrittenAt,
      failing: s.failing,
      attempts: s.attempts,
      nextRetryAt: s.failing ? new Date(s.nextRetryAt).toISOString() : null
    }))
  }

  /**
   * The database is read when the run is queued (not when it starts), so a flush at quit has what the town
   * had at that moment even if the database closes while git still works.
   */
  private enqueue(force: boolean): Promise<FlushReport> {
    const work = this.prepare()
    const run = this.chain.then(() => this.run(work, force))
    this.chain = run.catch(() => {})
    return run
  }

  private prepare(): { targets: BranchTarget[]; snapshots: Map<string, LedgerSnapshot>; townId: string; beadPrefix: string } | null {
    try {
      if (!this.o.db.open) return null
      const targets = ledgerTargets(this.o.db, this.o.settings())
      const town = targets.length ? readTownLedger(this.o.db) : null
      const snapshots = new Map(targets.map((t) => [t.key, scopeSnapshot(town!, t.scope)]))
      return { targets, snapshots, townId: townId(this.o.db), beadPrefix: this.o.beadPrefix() }
    } catch (err) {
      // A read that fails (the database closing under us) is tried again with the next change.
      return null
    }
  }

  private async run(work: ReturnType<LedgerExporter['prepare']>, force: boolean): Promise<FlushReport> {
    const report: FlushReport = { written: [], failed: [] }
    if (!work) return report
    const settings = this.o.settings()
    for (const key of [...this.state.keys()]) if (!work.targets.some((t) => t.key === key)) this.state.delete(key)
    for (const target of work.targets) {
      const s = this.stateOf(target)
      if (!force && s.failing && s.nextRetryAt > Date.now()) continue
      const ours = work.snapshots.get(target.key)!
      const manifest = makeManifest({ townId: work.townId, scope: target.scope, beadPrefix: work.beadPrefix, writtenBy: WRITTEN_BY })
      const own = blobSha(snapshotFingerprint(ours, manifest))
      if (!s.failing && s.lastOwn === own) continue
      try {
        await ensureLedgerRepo(this.repo)
        const { result, cache } = await publishSnapshot({ repo: this.repo, target, ours, manifest, identity: this.o.identity ?? DEFAULT_LEDGER_IDENTITY, cache: s.cache })
        const wasFailing = s.failing
        Object.assign(s, { cache, lastOwn: own, lastCommit: result.commit, lastWrittenAt: now(), failing: null, attempts: 0, nextRetryAt: 0 })
        const pushed: LedgerPushed = { ...result, target: target.key, rig: rigOf(target), remote: target.remote, branch: target.branch }
        report.written.push(pushed)
        if (wasFailing) this.safely(() => this.o.onRecovered?.({ target: target.key, rig: rigOf(target), remote: target.remote, branch: target.branch }))
        this.safely(() => this.o.onWritten?.(pushed))
      } catch (err) {
        const message = (err as Error).message
        const retry = this.o.retry ?? { firstMs: 15_000, maxMs: 600_000 }
        const changed = s.failing !== message
        s.attempts++
        s.failing = message
        s.cache = null
        const retryInMs = Math.min(retry.maxMs, retry.firstMs * 2 ** (s.attempts - 1))
        s.nextRetryAt = Date.now() + retryInMs
        const failure: LedgerFailure = { target: target.key, rig: rigOf(target), remote: target.remote, branch: settings.branch, message, attempts: s.attempts, retryInMs }
        report.failed.push(failure)
        if (changed) this.safely(() => this.o.onFailure?.(failure))
      }
    }
    this.scheduleRetry()
    return report
  }

  private stateOf(target: BranchTarget): TargetState {
    let s = this.state.get(target.key)
    if (!s || s.target.remote !== target.remote || s.target.branch !== target.branch) {
      s = { cache: null, lastOwn: null, lastCommit: null, lastWrittenAt: null, failing: null, attempts: 0, nextRetryAt: 0, target }
      this.state.set(target.key, s)
    }
    return s
  }

  private scheduleRetry(): void {
    if (this.stopped) return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    const due = [...this.state.values()].filter((s) => s.failing).map((s) => s.nextRetryAt)
    if (!due.length) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.enqueue(false)
    }, Math.max(0, Math.min(...due) - Date.now()))
    this.retryTimer.unref()
  }

  /** A callback that throws is the caller's bug; it must not stop the ledger from being written. */
  private safely(fn: () => void): void {
    try {
      fn()
    } catch {
      // nothing: the next change tries again
    }
  }
}
