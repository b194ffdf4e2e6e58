// 008 (molecules) applies on a town at 004, is idempotent, keeps one molecule per bead and one row per step
// bead, and refuses values the code never writes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { migrate, openDatabase, schemaVersion } from '../../src/main/core/store/db'
import { MIGRATIONS } from '../../src/main/core/store/migrations'
import { removeDir, tempDir } from '../support/fixtures'

test('008 adds molecules and their steps to a town at 004', () => {
  const dir = tempDir('db')
  try {
    const db = openDatabase(join(dir, 'town.db'), MIGRATIONS.filter((m) => m.version <= 4))
    assert.equal(schemaVersion(db), 4)
    const bead = db.prepare("INSERT INTO beads (id, title, status, created_at, updated_at) VALUES (?, 't', 'open', 't', 't')")
    for (const id of ['gt-a', 'gt-s1', 'gt-s2']) bead.run(id)
    assert.equal(migrate(db, MIGRATIONS.filter((m) => m.version <= 8)), 8)
    const add = db.prepare("INSERT INTO molecules (id, bead_id, name, origin, source_file, shape, poured_at, poured_by, timeout_s, convoy_mode) VALUES (?, ?, 'feature', 'shipped', '/f.toml', 'molecule', 't', 'human', ?, ?)")
    add.run('mol-1', 'gt-a', 7200, 'mountain')
    assert.throws(() => add.run('mol-2', 'gt-a', null, null), /UNIQUE/, 'one molecule per bead')
    assert.throws(() => add.run('mol-3', 'gt-s1', 0, null), /CHECK/, 'a timeout is above zero')
    assert.throws(() => add.run('mol-4', 'gt-s1', null, 'everest'), /CHECK/, 'a convoy mode is mountain or gated')
    const step = db.prepare("INSERT INTO molecule_steps (molecule_id, step_id, position, bead_id) VALUES ('mol-1', ?, ?, ?)")
    step.run('design', 0, 'gt-s1')
    assert.throws(() => step.run('code', 1, 'gt-s1'), /UNIQUE/, 'a bead is one step')
    assert.throws(() => step.run('design', 1, 'gt-s2'), /UNIQUE|PRIMARY/, 'a step id once per molecule')
    assert.throws(() => step.run('code', 0, 'gt-s2'), /UNIQUE/, 'one step per position')
    assert.throws(() => db.prepare("INSERT INTO molecules (id, bead_id, name, origin, source_file, shape, poured_at, poured_by) VALUES ('m', 'gt-nope', 'x', 'town', 'f', 'formula', 't', 'h')").run(), /FOREIGN KEY/)
    assert.equal(migrate(db, MIGRATIONS.filter((m) => m.version <= 8)), 8, 'running it again changes nothing')
    assert.equal((db.prepare('SELECT count(*) AS n FROM molecules').get() as { n: number }).n, 1)
    db.close()
  } finally {
    removeDir(dir)
  }
})
