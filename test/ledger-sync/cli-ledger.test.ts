// The gt parts of the ledger commands (src/main/cli/ledger.ts): through a running control room when one
// answers, on the town's ledger under its lock when none does, and what they print.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beadExportCommand, beadImportCommand, townRestoreCommand, type LedgerCliContext } from '../../src/main/cli/ledger'
import { openDatabase } from '../../src/main/core/store/db'
import { acquireTownLock } from '../../src/main/core/town/town-lock'
import type { ImportReport } from '../../src/main/core/ledger-sync/import-beads'
import { removeDir, tempDir } from '../support/fixtures'
import { REFERENCE, jsonl } from './helpers'

class NotRunning extends Error {}
class Usage extends Error {}

function context(town: string, answer?: (method: string, params: unknown) => unknown) {
  const out: string[] = []
  const err: string[] = []
  const calls: { method: string; params: unknown }[] = []
  const ctx: LedgerCliContext = {
    town,
    call: async <T>(method: string, params: unknown): Promise<T> => {
      calls.push({ method, params })
      if (!answer) throw new NotRunning('no control room')
      return answer(method, params) as T
    },
    isNotRunning: (e) => e instanceof NotRunning,
    usage: (m) => new Usage(m),
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s)
  }
  return { ctx, out, err, calls, text: () => out.join('') }
}

function emptyTown(): string {
  const town = tempDir('town')
  openDatabase(join(town, 'town.db')).close()
  return town
}

const samples = ['gastown_beads_backup_issues.sample.jsonl', 'gastown_beads_backup_labels.sample.jsonl', 'gastown_beads_backup_events.sample.jsonl'].map((f) => join(REFERENCE, f))

test('gt bead import with no control room imports under the town lock, and says what it skipped, file and line', async () => {
  const town = emptyTown()
  try {
    const dry = context(town)
    const r0 = await beadImportCommand([...samples, '--dry-run'], dry.ctx)
    assert.equal(r0.beads.created, 6)
    assert.match(dry.text(), /^Dry run, nothing written: would import 6 new beads/)
    const c = context(town)
    await beadImportCommand(samples, c.ctx)
    assert.match(c.text(), /^Imported 6 new beads, 0 beads updated, 0 unchanged; 0 labels, 0 dependencies, 8 events of history/)
    assert.match(c.text(), /8 records skipped: labels and dependencies of beads that are neither in the files nor in the ledger:\n {2}\/.*gastown_beads_backup_labels\.sample\.jsonl:1: label of gt-071h/)
    assert.deepEqual(c.calls.map((x) => x.method), ['beads.import'], 'the control room is asked first')
    const db = openDatabase(join(town, 'town.db'))
    assert.equal((db.prepare('SELECT count(*) AS n FROM beads').get() as { n: number }).n, 6)
    db.close()
    // A bad file: the error names it; --json gives the report as JSON.
    const bad = join(town, 'bad.jsonl')
    writeFileSync(bad, '{"id":"x-1","title":"t","created_at":"2026-01-01T00:00:00Z","priority":"high"}\n')
    await assert.rejects(beadImportCommand([bad], context(town).ctx), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1 priority: expected a priority from 0 \\(most urgent\\) to 4, found "high"`))
    const j = context(town)
    await beadImportCommand([samples[0], '--json'], j.ctx)
    assert.equal(JSON.parse(j.text()).beads.unchanged, 6)
    // A control room that runs but does not answer still holds the lock: nothing is written beside it.
    const lock = acquireTownLock(town)
    try {
      await assert.rejects(beadImportCommand(samples, context(town).ctx), /another control room is running on the town/)
    } finally {
      lock.release()
    }
    await assert.rejects(beadImportCommand([], context(town).ctx), Usage)
    await assert.rejects(beadImportCommand([join(town, 'nope.jsonl')], context(town).ctx), /nope\.jsonl: no such file or folder/)
    await assert.rejects(beadImportCommand(samples, context(join(town, 'none')).ctx), /no town at .*none \(it has no town\.db\)/)
  } finally {
    removeDir(town)
  }
})

test('gt bead import through a running control room passes absolute paths and prints its report', async () => {
  const town = emptyTown()
  try {
    const report: ImportReport = { dryRun: false, files: [], ignored: [], beads: { created: 2, updated: 1, unchanged: 0, conflicts: [{ id: 'gt-1', file: 'f', line: 3, why: 'kept' }] }, labels: { added: 0 }, dependencies: { added: 0, external: 0 }, events: { added: 0, duplicates: 0 }, skipped: [] }
    const c = context(town, () => report)
    await beadImportCommand(['relative/issues.jsonl'], c.ctx)
    assert.deepEqual(c.calls, [{ method: 'beads.import', params: { paths: [join(process.cwd(), 'relative/issues.jsonl')], dryRun: false } }])
    assert.match(c.text(), /Imported 2 new beads, 1 bead updated.*\nconflict: gt-1 \(f:3\): kept/)
  } finally {
    removeDir(town)
  }
})

test('gt bead export: one bd export file on stdout or --out FILE, a backup folder with --out DIR/', async () => {
  const town = emptyTown()
  try {
    await beadImportCommand(samples, context(town).ctx)
    const s = context(town)
    await beadExportCommand([], s.ctx)
    const lines = s.text().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    assert.equal(lines.length, 6)
    assert.equal(lines.find((r) => r.id === 'gt-j3cx').status, 'pinned')
    const file = join(town, 'out.jsonl')
    const f = context(town)
    await beadExportCommand(['--out', file], f.ctx)
    assert.equal(jsonl(readFileSync(file, 'utf8')).length, 6)
    assert.match(f.text(), /^Exported 6 beads to .*out\.jsonl/)
    const dir = join(town, 'backup') + '/'
    await beadExportCommand(['--out', dir], context(town).ctx)
    assert.deepEqual(readdirSync(dir).sort(), ['comments.jsonl', 'dependencies.jsonl', 'events.jsonl', 'issues.jsonl', 'labels.jsonl'])
    const events = jsonl(readFileSync(join(dir, 'events.jsonl'), 'utf8')).map((e) => e.event_type).sort()
    assert.deepEqual(events, ['bead.imported', 'bead.imported', 'bead.imported', 'bead.imported', 'bead.imported', 'bead.imported', 'label_removed', 'renamed'], 'the history of the exported beads, the import included')
    // Through a running control room the core's files are written.
    const c = context(town, () => ({ files: [{ name: 'issues.jsonl', text: '{"id":"gt-x","title":"from the core"}\n' }] }))
    await beadExportCommand(['--rig', 'app'], c.ctx)
    assert.deepEqual(c.calls, [{ method: 'beads.export', params: { rig: 'app', layout: 'file' } }])
    assert.equal(JSON.parse(c.text()).title, 'from the core')
  } finally {
    removeDir(town)
  }
})

test('gt town restore needs --from, and says what it did not restore', async () => {
  const parent = tempDir('restore-cli')
  try {
    await assert.rejects(townRestoreCommand([], context(join(parent, 't')).ctx), /gt town restore --from REMOTE/)
    await assert.rejects(townRestoreCommand(['--from', 'x', '--source', 'app'], context(join(parent, 't')).ctx), (e: unknown) => e instanceof Usage && /--source takes RIG=URL/.test((e as Error).message))
    await assert.rejects(townRestoreCommand(['--from', join(parent, 'missing.git')], context(join(parent, 't')).ctx), /nothing was restored: no remote gave a ledger branch\.\n {2}.*missing\.git: could not reach/)
    assert.equal(existsSync(join(parent, 't')), false)
  } finally {
    removeDir(parent)
  }
})
