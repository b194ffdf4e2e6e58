// The ledger branch on real bare remotes: ordinary commits that build on each other and never rewrite
// history, each rig's beads on its own origin, a remote that moved is built upon (what it holds is kept), a
// remote that cannot be reached is reported and retried, a branch with a bad record is not written over,
// and the rig's clone, its worktrees and its other branches are never touched.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { Rigs } from '../../src/main/core/rigs/rigs'
import { LedgerExporter, type LedgerFailure } from '../../src/main/core/ledger-sync/exporter'
import { DEFAULT_LEDGER_SETTINGS, type LedgerSettings } from '../../src/main/core/ledger-sync/ledger-settings'
import { eventually, removeDir } from '../support/fixtures'
import { bareRemote, base, commitToLedger, freshLedger, git, jsonl, ledgerFile, ledgerTip } from './helpers'

const gitIn = (repo: string, ...args: string[]) => execFileSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8' }).trim()

async function town(opts: { settings?: Partial<LedgerSettings>; retry?: { firstMs: number; maxMs: number } } = {}) {
  const t = freshLedger()
  const app = bareRemote()
  const lib = bareRemote()
  const rigs = new Rigs(t.db, t.ledger, t.dir)
  await rigs.add('app', app, 'human')
  await rigs.add('lib', lib, 'human')
  const failures: LedgerFailure[] = []
  const recovered: string[] = []
  const written: string[] = []
  let settings: LedgerSettings = { ...DEFAULT_LEDGER_SETTINGS, debounceSeconds: 0, ...opts.settings }
  const exporter = new LedgerExporter({
    db: t.db,
    town: t.dir,
    settings: () => settings,
    beadPrefix: () => 'gt',
    retry: opts.retry,
    onFailure: (f) => failures.push(f),
    onRecovered: (r) => recovered.push(r.target),
    onWritten: (p) => written.push(`${p.target}:${p.status}`)
  })
  return {
    ...t,
    app,
    lib,
    rigs,
    exporter,
    failures,
    recovered,
    written,
    setSettings: (s: Partial<LedgerSettings>) => (settings = { ...settings, ...s }),
    done: () => {
      exporter.stop()
      t.close()
      removeDir(join(app, '..'))
      removeDir(join(lib, '..'))
    }
  }
}

test("each rig's origin gets gt/ledger with that rig's beads as ordinary commits, each on the one before; nothing else on the remote or in the clone moves", async () => {
  const t = await town()
  try {
    const appMain = gitIn(t.app, 'rev-parse', 'refs/heads/main')
    const clone = t.rigs.get('app').path
    const cloneHead = git(clone, 'rev-parse', 'HEAD')
    const cloneBranch = git(clone, 'symbolic-ref', 'HEAD')
    const mine = t.beads.create({ ...base, title: 'App work', rig: 'app', labels: ['ui'] }, 'human')
    const theirs = t.beads.create({ ...base, title: 'Lib work', rig: 'lib' }, 'human')
    const shared = t.beads.create({ ...base, title: 'Town work (no rig)' }, 'human')
    const first = await t.exporter.flush()
    assert.deepEqual(first.failed, [])
    assert.deepEqual(first.written.map((w) => [w.target, w.status, w.parent]), [['rig-app', 'pushed', null], ['rig-lib', 'pushed', null]])
    const tip1 = ledgerTip(t.app)!
    assert.equal(tip1, first.written[0].commit)
    const ids = jsonl(ledgerFile(t.app, 'issues.jsonl')).map((r) => r.id).sort()
    assert.deepEqual(ids, [mine.id, shared.id].sort(), "the app rig's beads and the beads of no rig, not lib's")
    assert.deepEqual(jsonl(ledgerFile(t.app, 'labels.jsonl')), [{ issue_id: mine.id, label: 'ui' }])
    assert.deepEqual(jsonl(ledgerFile(t.lib, 'issues.jsonl')).map((r) => r.id).sort(), [theirs.id, shared.id].sort())
    const manifest = JSON.parse(ledgerFile(t.app, 'gt-town.json'))
    assert.deepEqual([manifest.format, manifest.scope, manifest.rig, manifest.bead_prefix], ['gastown-ledger', 'rig', 'app', 'gt'])
    assert.deepEqual(jsonl(ledgerFile(t.app, 'gt-rigs.jsonl')).map((r) => [r.name, r.default_branch]), [['app', 'main']])

    // Nothing changed: nothing is written (and no remote is asked).
    assert.deepEqual((await t.exporter.flush()).written, [])
    t.beads.update({ id: mine.id, status: 'in_progress' }, 'human')
    const second = await t.exporter.flush()
    assert.deepEqual(second.written.map((w) => [w.target, w.status, w.parent]), [['rig-app', 'pushed', tip1]], 'only the rig whose beads changed')
    const tip2 = ledgerTip(t.app)!
    assert.notEqual(tip2, tip1)
    assert.equal(gitIn(t.app, 'rev-parse', `${tip2}^`), tip1, 'the previous commit is the parent of the next')
    assert.equal(gitIn(t.app, 'rev-list', '--count', 'refs/heads/gt/ledger'), '2')
    assert.equal(jsonl(ledgerFile(t.app, 'issues.jsonl')).find((r) => r.id === mine.id)!.status, 'in_progress')
    assert.match(gitIn(t.app, 'log', '-1', '--format=%an <%ae>%n%s', 'refs/heads/gt/ledger'), /^Gas Town control room <control-room@gastown\.invalid>\nledger: 2 beads, \d+ events \(rig app\)$/)

    assert.equal(gitIn(t.app, 'rev-parse', 'refs/heads/main'), appMain, "the remote's own branches are untouched")
    assert.equal(git(clone, 'rev-parse', 'HEAD'), cloneHead)
    assert.equal(git(clone, 'symbolic-ref', 'HEAD'), cloneBranch)
    assert.equal(git(clone, 'status', '--porcelain'), '', "the rig's clone is untouched")
    assert.equal(git(clone, 'for-each-ref', '--format=%(refname)', 'refs/heads/gt'), '', 'no ledger branch in the clone')
  } finally {
    t.done()
  }
})

test('changes a few seconds apart go out as one commit (debounce), and flush writes at once', async () => {
  const t = await town({ settings: { debounceSeconds: 0.3 } })
  try {
    const b = t.beads.create({ ...base, title: 'busy', rig: 'app' }, 'human')
    for (let i = 0; i < 20; i++) {
      t.beads.update({ id: b.id, priority: i % 5 }, 'human')
      t.exporter.touched()
    }
    await eventually(() => t.written.length >= 2, 'the debounced export')
    assert.deepEqual(t.written.sort(), ['rig-app:pushed', 'rig-lib:pushed'])
    assert.equal(gitIn(t.app, 'rev-list', '--count', 'refs/heads/gt/ledger'), '1', 'twenty changes, one commit')
    t.beads.update({ id: b.id, title: 'quitting now' }, 'human')
    t.exporter.touched()
    const r = await t.exporter.flush()
    assert.deepEqual(r.written.map((w) => w.target), ['rig-app'])
    assert.equal(jsonl(ledgerFile(t.app, 'issues.jsonl')).find((x) => x.id === b.id)!.title, 'quitting now')
  } finally {
    t.done()
  }
})

test('a remote whose branch moved (another town wrote to it) is built upon, and what it holds is kept', async () => {
  const t = await town()
  try {
    const mine = t.beads.create({ ...base, title: 'mine', rig: 'app' }, 'human')
    await t.exporter.flush()
    const theirs = commitToLedger(t.app, (w) => {
      appendFileSync(join(w, 'issues.jsonl'), JSON.stringify({ id: 'zz-other1', title: "another town's bead", status: 'open', priority: 1, issue_type: 'task', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }) + '\n')
      appendFileSync(join(w, 'labels.jsonl'), JSON.stringify({ issue_id: 'zz-other1', label: 'theirs' }) + '\n')
    })
    t.beads.update({ id: mine.id, title: 'mine, changed' }, 'human')
    const r = await t.exporter.flush()
    const app = r.written.find((w) => w.target === 'rig-app')!
    assert.equal(app.status, 'pushed')
    assert.equal(app.parent, theirs, "the new commit's parent is the other town's")
    assert.equal(app.builtOnMoved, true)
    assert.equal(app.carriedBeads, 1)
    const issues = jsonl(ledgerFile(t.app, 'issues.jsonl'))
    assert.deepEqual(issues.map((i) => i.id).sort(), ['zz-other1', mine.id].sort())
    assert.equal(issues.find((i) => i.id === mine.id)!.title, 'mine, changed')
    assert.ok(jsonl(ledgerFile(t.app, 'labels.jsonl')).some((l) => l.issue_id === 'zz-other1' && l.label === 'theirs'))
    assert.match(gitIn(t.app, 'log', '-1', '--format=%B', 'refs/heads/gt/ledger'), /Built on [0-9a-f]{10}, which this town did not write: what it holds is kept/)
    // It stays kept in later commits, though this town never had it.
    t.beads.update({ id: mine.id, priority: 0 }, 'human')
    await t.exporter.flush()
    assert.ok(jsonl(ledgerFile(t.app, 'issues.jsonl')).some((i) => i.id === 'zz-other1'))
    assert.equal(gitIn(t.app, 'rev-list', '--count', 'refs/heads/gt/ledger'), '4', 'every commit is still there')
  } finally {
    t.done()
  }
})

test('an unreachable remote is reported once, retried later, and recovers; the other rigs are written meanwhile', async () => {
  const t = await town({ retry: { firstMs: 150, maxMs: 600 } })
  try {
    t.beads.create({ ...base, title: 'while offline', rig: 'app' }, 'human')
    const gone = `${t.app}.gone`
    renameSync(t.app, gone)
    t.exporter.touched()
    await eventually(() => t.failures.length > 0 && t.written.includes('rig-lib:pushed'), 'the failure report')
    const f = t.failures[0]
    assert.equal(f.target, 'rig-app')
    assert.equal(f.rig, 'app')
    assert.equal(f.remote, t.app)
    assert.match(f.message, new RegExp(`could not reach ${t.app.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*does not appear to be a git repository`))
    assert.equal(f.attempts, 1)
    await eventually(() => t.exporter.status().find((s) => s.target === 'rig-app')!.attempts >= 2, 'a retry')
    assert.equal(t.failures.length, 1, 'the same failure is reported once, not at every retry')
    renameSync(gone, t.app)
    await eventually(() => t.recovered.includes('rig-app'), 'the recovery')
    assert.ok(ledgerTip(t.app))
    assert.equal(t.exporter.status().find((s) => s.target === 'rig-app')!.failing, null)
  } finally {
    t.done()
  }
})

test('a branch whose tip holds a bad record is not written over: the failure names remote, file, line and field', async () => {
  const t = await town()
  try {
    const b = t.beads.create({ ...base, title: 'mine', rig: 'app' }, 'human')
    await t.exporter.flush()
    const bad = commitToLedger(t.app, (w) => appendFileSync(join(w, 'issues.jsonl'), JSON.stringify({ id: 'zz-bad', title: 'bad', priority: 9, created_at: '2026-01-01T00:00:00Z' }) + '\n'))
    const line = jsonl(ledgerFile(t.app, 'issues.jsonl')).length
    t.beads.update({ id: b.id, title: 'changed' }, 'human')
    const r = await t.exporter.flush()
    const f = r.failed.find((x) => x.target === 'rig-app')!
    assert.match(f.message, new RegExp(`gt/ledger at ${bad.slice(0, 10)}: a bad record, so nothing was imported:\\n  issues\\.jsonl:${line} priority: is above 4`))
    assert.ok(f.message.includes(t.app))
    assert.equal(ledgerTip(t.app), bad, 'the tip is as the other writer left it')
    assert.equal(t.failures.length, 1)
    // Fixed on the branch with a new commit: the next export builds on the fix.
    const fixed = commitToLedger(t.app, (w) => {
      const kept = jsonl(execFileSync('cat', [join(w, 'issues.jsonl')], { encoding: 'utf8' })).filter((r) => r.id !== 'zz-bad')
      execFileSync('sh', ['-c', `cat > ${JSON.stringify(join(w, 'issues.jsonl'))}`], { input: kept.map((k) => JSON.stringify(k) + '\n').join('') })
    })
    const again = await t.exporter.flush()
    assert.equal(again.written.find((w) => w.target === 'rig-app')!.parent, fixed)
    assert.deepEqual(t.recovered, ['rig-app'])
  } finally {
    t.done()
  }
})

test('one remote for the whole town (settings.ledger.remote): every bead and rig on one branch', async () => {
  const t = await town()
  const remote = bareRemote()
  try {
    t.setSettings({ remote })
    const a = t.beads.create({ ...base, title: 'a', rig: 'app' }, 'human')
    const l = t.beads.create({ ...base, title: 'l', rig: 'lib' }, 'human')
    const r = await t.exporter.flush()
    assert.deepEqual(r.written.map((w) => w.target), ['town'])
    assert.deepEqual(jsonl(ledgerFile(remote, 'issues.jsonl')).map((i) => i.id).sort(), [a.id, l.id].sort())
    assert.deepEqual(jsonl(ledgerFile(remote, 'gt-rigs.jsonl')).map((x) => x.name), ['app', 'lib'])
    assert.equal(JSON.parse(ledgerFile(remote, 'gt-town.json')).scope, 'town')
    assert.equal(ledgerTip(t.app), null, "the rigs' origins are left alone")
  } finally {
    t.done()
    removeDir(join(remote, '..'))
  }
})

test("a dependency on another rig's bead brings that bead along: each rig's branch is whole on its own", async () => {
  const t = await town()
  try {
    const lib = t.beads.create({ ...base, title: 'lib first', rig: 'lib' }, 'human')
    const app = t.beads.create({ ...base, title: 'app after', rig: 'app', deps: [{ type: 'blocks', target: lib.id }] }, 'human')
    await t.exporter.flush()
    assert.deepEqual(jsonl(ledgerFile(t.app, 'issues.jsonl')).map((i) => i.id).sort(), [app.id, lib.id].sort())
    assert.deepEqual(jsonl(ledgerFile(t.app, 'dependencies.jsonl')).map((d) => [d.issue_id, d.depends_on_id, d.type]), [[app.id, lib.id, 'blocks']])
    assert.deepEqual(jsonl(ledgerFile(t.lib, 'issues.jsonl')).map((i) => i.id), [lib.id])
  } finally {
    t.done()
  }
})

test('close() at quit reads the ledger at once: the database may close while git still pushes', async () => {
  const t = await town()
  try {
    const b = t.beads.create({ ...base, title: 'last change before quit', rig: 'app' }, 'human')
    t.exporter.touched()
    const pending = t.exporter.close()
    t.db.close()
    const r = await pending
    assert.deepEqual(r.failed, [])
    assert.ok(jsonl(ledgerFile(t.app, 'issues.jsonl')).some((i) => i.id === b.id))
    t.exporter.touched() // after close: nothing, and no throw on the closed database
    assert.deepEqual((await t.exporter.flush()).written, [])
  } finally {
    t.done()
  }
})

test("a polecat's signs of activity alone make no commit; they go along with the next change", async () => {
  const t = await town()
  try {
    t.db.prepare("INSERT INTO polecats (id, rig, name, state, branch, worktree, updated_at) VALUES ('app/nux', 'app', 'nux', 'working', 'polecat/nux/x', '/w', '2026-01-01T00:00:00.000Z')").run()
    await t.exporter.flush()
    const tip = ledgerTip(t.app)
    t.db.prepare("UPDATE polecats SET updated_at = '2026-01-01T00:05:00.000Z', last_activity_at = '2026-01-01T00:05:00.000Z' WHERE id = 'app/nux'").run()
    assert.deepEqual((await t.exporter.flush()).written, [])
    assert.equal(ledgerTip(t.app), tip)
    t.beads.create({ ...base, title: 'a real change', rig: 'app' }, 'human')
    await t.exporter.flush()
    assert.deepEqual(jsonl(ledgerFile(t.app, 'gt-polecats.jsonl')).map((p) => [p.id, p.updated_at]), [['app/nux', '2026-01-01T00:05:00.000Z']])
  } finally {
    t.done()
  }
})
