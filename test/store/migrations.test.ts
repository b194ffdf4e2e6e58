// Each numbered migration gets a test: it applies on the previous version, is idempotent, and leaves the
// durability settings in force.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openDatabase, schemaVersion, migrate } from '../../src/main/core/store/db'
import { MIGRATIONS } from '../../src/main/core/store/migrations'
import { removeDir, tempDir } from '../support/fixtures'

// Branches take numbers ahead of time (008 for molecules while 005–007 are on other branches), so a
// branch may have a gap; what must hold is one migration per number, in order.
test('migrations are numbered in increasing order, each number once', () => {
  const versions = MIGRATIONS.map((m) => m.version)
  assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b))
  assert.equal(versions[0], 1)
})

test('001 creates the ledger tables, in WAL with synchronous=FULL, and the ledger refuses edits', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS.slice(0, 1))
    assert.equal(schemaVersion(db), 1)
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL is 2')
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1)
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name)
    for (const t of ['events', 'rigs', 'beads', 'bead_labels', 'bead_deps', 'polecats', 'sessions', 'checkpoints', 'mail', 'escalations']) assert.ok(tables.includes(t), t)
    db.prepare("INSERT INTO events (at, actor, kind) VALUES ('t', 'a', 'k')").run()
    assert.throws(() => db.prepare("UPDATE events SET kind = 'x'").run(), /append-only/)
    assert.throws(() => db.prepare('DELETE FROM events').run(), /append-only/)
    assert.throws(() => db.prepare("INSERT INTO beads (id, title, status, created_at, updated_at) VALUES ('b', 't', 'bogus', 't', 't')").run(), /CHECK/)
    // Running the migrations again changes nothing.
    assert.equal(migrate(db, MIGRATIONS.slice(0, 1)), 1)
    db.close()
    // A reopened connection gets synchronous=FULL again (it is per connection, not stored in the file).
    const again = openDatabase(join(dir, 'town.db'))
    assert.equal(again.pragma('synchronous', { simple: true }), 2)
    again.close()
  } finally {
    removeDir(dir)
  }
})

test('a failing migration leaves the database at the previous version', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS)
    const before = schemaVersion(db)
    assert.throws(() => migrate(db, [...MIGRATIONS, { version: before + 1, name: 'broken', sql: 'CREATE TABLE x (a); SELECT nope FROM nowhere;' }]))
    assert.equal(schemaVersion(db), before)
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'x'").get() as { n: number }).n, 0)
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('002 records agent processes and leaves one hook per bead, saying in the ledger which polecat let go', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS.slice(0, 1))
    // A town from before 002 where two rigs slung one bead at once.
    const ins = db.prepare("INSERT INTO polecats (id, rig, name, state, bead_id, worktree, updated_at) VALUES (?, ?, 'nux', ?, 'gt-dup', '/w', ?)")
    ins.run('one/nux', 'one', 'working', '2026-01-01T00:00:00.000Z')
    ins.run('two/nux', 'two', 'working', '2026-01-02T00:00:00.000Z')
    db.prepare("INSERT INTO sessions (id, polecat_id, rig, runtime, command, started_at, log_path, token_hash) VALUES ('s1', 'one/nux', 'one', 'custom', 'x', 't', '/l', 'h')").run()
    assert.equal(migrate(db, MIGRATIONS.slice(0, 2)), 2)
    const rows = db.prepare('SELECT id, bead_id, state FROM polecats ORDER BY id').all()
    assert.deepEqual(rows, [
      { id: 'one/nux', bead_id: null, state: 'exited' },
      { id: 'two/nux', bead_id: 'gt-dup', state: 'working' }
    ])
    const e = db.prepare("SELECT subject, data FROM events WHERE kind = 'polecat.unhooked'").all() as { subject: string; data: string }[]
    assert.equal(e.length, 1)
    assert.equal(JSON.parse(e[0].data).polecat, 'one/nux')
    assert.throws(() => db.prepare("UPDATE polecats SET bead_id = 'gt-dup' WHERE id = 'one/nux'").run(), /UNIQUE/)
    db.prepare("UPDATE sessions SET pid = 42, pid_identity = 'linux:b:42:1' WHERE id = 's1'").run()
    assert.equal(migrate(db, MIGRATIONS.slice(0, 2)), 2, 'running it again changes nothing')
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('005 keeps the Beads fields of a bead beside it, and leaves the beads of a town from before as they were', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS.slice(0, 4))
    db.prepare("INSERT INTO beads (id, title, status, created_at, updated_at) VALUES ('gt-old', 'from before', 'open', 't', 't')").run()
    assert.equal(migrate(db, MIGRATIONS.slice(0, 5)), 5)
    assert.deepEqual(db.prepare("SELECT id, title, beads_extra FROM beads").all(), [{ id: 'gt-old', title: 'from before', beads_extra: null }])
    db.prepare("UPDATE beads SET beads_extra = '{\"fields\":{\"pinned\":1}}' WHERE id = 'gt-old'").run()
    assert.equal(migrate(db, MIGRATIONS.slice(0, 5)), 5, 'running it again changes nothing')
    assert.equal((db.prepare("SELECT beads_extra FROM beads").get() as { beads_extra: string }).beads_extra, '{"fields":{"pinned":1}}')
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('006 adds the merge queue and rebuilds the inbox with a merge kind, every item and its witness fields kept', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS.slice(0, 5))
    db.prepare(
      `INSERT INTO inbox_items (id, kind, severity, status, title, body, rig, created_at, updated_at, incident, group_key, excerpt, attempts, raised_levels, count, affected)
       VALUES ('esc-1', 'alarm', 'P1', 'open', 'checks fail', 'b', 'app', 't1', 't1', 'check_failed', 'g', 'out', 2, 1, 3, '["app/nux"]')`
    ).run()
    const indexesBefore = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbox_items'").all() as { name: string }[]).map((r) => r.name).sort()
    assert.throws(() => db.prepare("INSERT INTO inbox_items (id, kind, severity, status, title, created_at, updated_at) VALUES ('m', 'merge', 'P2', 'open', 't', 't', 't')").run(), /CHECK/)
    assert.equal(migrate(db, MIGRATIONS.slice(0, 6)), 6)
    assert.deepEqual(db.prepare('SELECT id, kind, incident, group_key, excerpt, attempts, raised_levels, count, affected, merge_batch FROM inbox_items').all(), [
      { id: 'esc-1', kind: 'alarm', incident: 'check_failed', group_key: 'g', excerpt: 'out', attempts: 2, raised_levels: 1, count: 3, affected: '["app/nux"]', merge_batch: null }
    ])
    db.prepare("INSERT INTO inbox_items (id, kind, severity, status, title, created_at, updated_at, merge_batch) VALUES ('m', 'merge', 'P2', 'open', 't', 't', 't', '{}')").run()
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbox_items'").all() as { name: string }[]).map((r) => r.name).sort()
    assert.deepEqual(indexes, indexesBefore, 'the rebuilt table has every index the old one had')
    assert.ok(indexes.includes('inbox_items_open') && indexes.includes('inbox_items_by_group'))
    db.prepare("INSERT INTO merge_queue (id, rig, branch, priority, state, enqueued_at, updated_at) VALUES ('gt-mr', 'app', 'b', 2, 'pending', 't', 't')").run()
    assert.throws(() => db.prepare("UPDATE merge_queue SET state = 'lost'").run(), /CHECK/)
    assert.equal(migrate(db, MIGRATIONS.slice(0, 6)), 6, 'running it again changes nothing')
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('009 adds convoys and their beads and rebuilds the inbox with a convoy kind, every item and its merge batch kept', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS.filter((m) => m.version <= 8))
    db.prepare(
      `INSERT INTO inbox_items (id, kind, severity, status, title, body, rig, created_at, updated_at, incident, group_key, excerpt, attempts, raised_levels, count, affected, merge_batch)
       VALUES ('merge-1', 'merge', 'P2', 'open', 'merge it', 'b', 'app', 't1', 't1', NULL, NULL, NULL, 0, 0, 1, NULL, '{"landing":"l"}'),
              ('esc-1', 'alarm', 'P1', 'open', 'checks fail', 'b', 'app', 't1', 't1', 'check_failed', 'g', 'out', 2, 1, 3, '["app/nux"]', NULL)`
    ).run()
    const indexesBefore = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbox_items'").all() as { name: string }[]).map((r) => r.name).sort()
    assert.throws(() => db.prepare("INSERT INTO inbox_items (id, kind, severity, status, title, created_at, updated_at) VALUES ('w', 'convoy', 'P2', 'open', 't', 't', 't')").run(), /CHECK/)
    assert.equal(migrate(db, MIGRATIONS.filter((m) => m.version <= 9)), 9)
    assert.deepEqual(db.prepare('SELECT id, kind, incident, group_key, excerpt, attempts, raised_levels, count, affected, merge_batch, convoy_wave FROM inbox_items ORDER BY id').all(), [
      { id: 'esc-1', kind: 'alarm', incident: 'check_failed', group_key: 'g', excerpt: 'out', attempts: 2, raised_levels: 1, count: 3, affected: '["app/nux"]', merge_batch: null, convoy_wave: null },
      { id: 'merge-1', kind: 'merge', incident: null, group_key: null, excerpt: null, attempts: 0, raised_levels: 0, count: 1, affected: null, merge_batch: '{"landing":"l"}', convoy_wave: null }
    ])
    db.prepare("INSERT INTO inbox_items (id, kind, severity, status, title, created_at, updated_at, convoy_wave) VALUES ('w', 'convoy', 'P2', 'open', 't', 't', 't', '{}')").run()
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbox_items'").all() as { name: string }[]).map((r) => r.name).sort()
    assert.deepEqual(indexes, indexesBefore, 'the rebuilt table has every index the old one had')

    db.prepare("INSERT INTO beads (id, title, status, created_at, updated_at) VALUES ('gt-a', 'a', 'open', 't', 't')").run()
    db.prepare("INSERT INTO convoys (id, title, mode, state, created_at, created_by, updated_at) VALUES ('convoy-1', 'c', 'mountain', 'open', 't', 'human', 't')").run()
    db.prepare("INSERT INTO convoy_beads (convoy_id, bead_id, position, added_at, added_by) VALUES ('convoy-1', 'gt-a', 0, 't', 'human')").run()
    assert.throws(() => db.prepare("INSERT INTO convoy_beads (convoy_id, bead_id, position, added_at, added_by) VALUES ('convoy-1', 'gt-a', 1, 't', 'human')").run(), /UNIQUE|PRIMARY/, 'a bead once per convoy')
    assert.throws(() => db.prepare("INSERT INTO convoy_beads (convoy_id, bead_id, position, added_at, added_by) VALUES ('convoy-1', 'gt-none', 1, 't', 'human')").run(), /FOREIGN KEY/)
    assert.throws(() => db.prepare("UPDATE convoys SET mode = 'downhill'").run(), /CHECK/)
    assert.throws(() => db.prepare("UPDATE convoys SET state = 'lost'").run(), /CHECK/)
    assert.throws(() => db.prepare("UPDATE convoys SET agent = 'claude', agent_cmd = 'sh'").run(), /CHECK/, 'a runtime or a command, not both')
    assert.equal(migrate(db, MIGRATIONS.filter((m) => m.version <= 9)), 9, 'running it again changes nothing')
    db.close()
  } finally {
    removeDir(dir)
  }
})
