// The ledger branch in a running control room: the core owns one LedgerSync. It keeps the exporter going
// (touched on every ledger append, flushed on quit within a bound), turns an export that fails into one inbox
// alarm per target and resolves that alarm when the target is written again, reads the `ledger` settings
// again when settings.json changes (so `gt town config ledger.remote …` needs no restart), and runs
// `beads.import` / `beads.export` for the contract.
import { statSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CoreError } from '../../../shared/contract'
import type { ExportedFile, ImportReport } from '../../../shared/beads-jsonl'
import type { Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import type { Inbox } from '../inbox/inbox'
import { LedgerExporter, type FlushReport, type LedgerFailure, type LedgerTargetStatus } from './exporter'
import { exportBeads, importBeads } from './import-beads'
import { LedgerFormatError } from './jsonl'
import { readImportFiles } from './offline'
import { ledgerSettingsSchema, type LedgerSettings } from './ledger-settings'

/** Quit waits this long at most for the last ledger commit (an unreachable remote must not hold quit hostage). */
export const CLOSE_FLUSH_MS = 20_000

export interface LedgerAlarm {
  /** One open inbox item per key: a failure again (or with another reason) is counted on it. */
  key: string
  rig: string | null
  title: string
  body: string
}

export interface LedgerSyncOptions {
  db: Db
  ledger: Ledger
  inbox: Inbox
  town: string
  /** The `ledger` settings the town started with (settings.json, validated by town/settings.ts). */
  settings: LedgerSettings
  beadPrefix: () => string
  /** Raises an alarm in the inbox (the core routes it like the other alarms). */
  alarm: (a: LedgerAlarm) => void
  /** For tests: a shorter retry than the exporter's 15 s. */
  retry?: { firstMs: number; maxMs: number }
}

export const alarmKey = (target: string): string => `ledger:${target}`

export class LedgerSync {
  readonly exporter: LedgerExporter
  private settings: LedgerSettings
  private settingsStamp: string
  private settingsCheckedAt = 0

  constructor(private o: LedgerSyncOptions) {
    this.settings = o.settings
    this.settingsStamp = this.stamp()
    this.exporter = new LedgerExporter({
      db: o.db,
      town: o.town,
      settings: () => this.currentSettings(),
      beadPrefix: o.beadPrefix,
      retry: o.retry,
      onFailure: (f) => this.failed(f),
      // On every write, not only a recovery: a target whose remote was changed (gt town config) starts afresh.
      onWritten: (w) => this.recovered(w.target, `the ledger was written to ${w.remote} (${w.branch}) at ${w.commit.slice(0, 10)}`)
    })
  }

  /** At start: the ledger as it is now goes out after the usual debounce (an offline import, a restore). */
  start(): void {
    this.exporter.touched()
  }

  /** The ledger changed (called on every append: cheap, it only moves a timer). */
  touched(): void {
    this.exporter.touched()
  }

  status(): LedgerTargetStatus[] {
    return this.exporter.status()
  }

  /** Writes every target now; for tests and for quit. */
  flush(): Promise<FlushReport> {
    return this.exporter.flush()
  }

  /**
   * For quit, before the database closes: the ledger is read at once, the git work may run after. Resolves
   * within `boundMs` whatever the remotes do (what is not written then is written at the next start).
   */
  close(boundMs = CLOSE_FLUSH_MS): Promise<FlushReport | 'timed-out'> {
    const flushing = this.exporter.close()
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), boundMs)
      timer.unref()
    })
    return Promise.race([flushing, bound]).finally(() => clearTimeout(timer))
  }

  importFiles(paths: string[], dryRun: boolean, actor: string): ImportReport {
    let files
    try {
      files = readImportFiles(paths)
    } catch (err) {
      throw new CoreError('not_found', (err as Error).message)
    }
    try {
      return importBeads(this.o.db, this.o.ledger, files, { dryRun, actor })
    } catch (err) {
      if (err instanceof LedgerFormatError) throw new CoreError('invalid_params', err.message)
      throw err
    }
  }

  exportFiles(p: { rig?: string; layout: 'file' | 'backup' }): ExportedFile[] {
    if (p.rig && !this.o.db.prepare('SELECT 1 FROM rigs WHERE name = ?').get(p.rig)) throw new CoreError('not_found', `no rig ${p.rig}: gt rig list shows the town's rigs`)
    return exportBeads(this.o.db, p)
  }

  /** settings.json's `ledger` key, read again when the file changed; a broken file keeps the last good value. */
  private currentSettings(): LedgerSettings {
    // touched() asks on every ledger append: the file is looked at no more than once a second.
    const t = Date.now()
    if (t - this.settingsCheckedAt < 1000) return this.settings
    this.settingsCheckedAt = t
    const stamp = this.stamp()
    if (stamp === this.settingsStamp) return this.settings
    this.settingsStamp = stamp
    try {
      const raw = JSON.parse(readFileSync(join(this.o.town, 'settings.json'), 'utf8')) as { ledger?: unknown }
      const parsed = ledgerSettingsSchema.safeParse(raw.ledger ?? {})
      if (parsed.success) this.settings = parsed.data
      else console.error(`${join(this.o.town, 'settings.json')}: ledger: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')} (the ledger keeps its previous settings)`)
    } catch (err) {
      console.error(`could not read ${join(this.o.town, 'settings.json')} (the ledger keeps its previous settings): ${(err as Error).message}`)
    }
    return this.settings
  }

  private stamp(): string {
    try {
      const st = statSync(join(this.o.town, 'settings.json'))
      return `${st.mtimeMs}:${st.size}:${st.ino}`
    } catch {
      return 'none'
    }
  }

  private failed(f: LedgerFailure): void {
    if (!this.o.db.open) return // quitting: the next start tries again, and raises the alarm then
    const where = f.rig ? `rig ${f.rig}'s origin ${f.remote}` : `the town's ledger remote ${f.remote}`
    this.o.alarm({
      key: alarmKey(f.target),
      rig: f.rig,
      title: `The ledger could not be written to ${where} (${f.branch})`,
      body:
        `${f.message}\n\nThe control room keeps working and the ledger is safe in town.db, but until this works a lost disk ` +
        `would lose what changed since the last ledger commit. It tries again in ${Math.round(f.retryInMs / 1000)} s (and at quit). ` +
        `Check that the remote is reachable and accepts pushes, or send the ledger elsewhere: gt town config ledger.remote URL. ` +
        `This alarm closes by itself when the ledger is written again.`
    })
  }

  private recovered(target: string, resolution: string): void {
    if (!this.o.db.open) return
    const open = this.o.db.prepare("SELECT id FROM inbox_items WHERE group_key = ? AND status = 'open'").all(alarmKey(target)) as { id: string }[]
    for (const { id } of open) this.o.inbox.close(id, { status: 'resolved', by: 'core', resolution })
  }
}
