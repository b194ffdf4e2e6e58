// Migration 007 (review comments) applies on the schema before it, is idempotent, and its table refuses rows
// that make no sense (a side, a section or a line that cannot be) and mail ids that do not exist.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { migrate, openDatabase, schemaVersion } from '../../src/main/core/store/db'
import { MIGRATIONS } from '../../src/main/core/store/migrations'
import { removeDir, tempDir } from '../support/fixtures'

test('007 adds review_comments on the previous schema, once, with its checks', () => {
  const dir = tempDir('db007')
  try {
    const before = MIGRATIONS.filter((m) => m.version < 7)
    const db = openDatabase(join(dir, 'town.db'), before)
    assert.equal(schemaVersion(db), Math.max(...before.map((m) => m.version)))
    db.prepare("INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES ('mail-1', 'human', 'app/nux', 'REVIEW', 'b', 't')").run()
    assert.equal(migrate(db, MIGRATIONS), Math.max(...MIGRATIONS.map((m) => m.version)))
    assert.ok(schemaVersion(db) >= 7)
    const insert = db.prepare(
      `INSERT INTO review_comments (id, target_kind, target_id, rig, branch, polecat_id, path, line, side, section, body, head_sha, created_at, created_by, mail_id)
       VALUES (?, ?, 'gt-1', 'app', 'polecat/nux/gt-1', 'app/nux', 'a.ts', ?, ?, ?, 'b', 'abc', 't', 'human', ?)`
    )
    insert.run('rc-1', 'merge-request', 3, 'new', 'committed', 'mail-1')
    assert.throws(() => insert.run('rc-2', 'branch', 3, 'new', 'committed', null), /CHECK/)
    assert.throws(() => insert.run('rc-3', 'polecat', 0, 'new', 'committed', null), /CHECK/)
    assert.throws(() => insert.run('rc-4', 'polecat', 3, 'both', 'committed', null), /CHECK/)
    assert.throws(() => insert.run('rc-5', 'polecat', 3, 'old', 'staged', null), /CHECK/)
    assert.throws(() => insert.run('rc-6', 'polecat', 3, 'old', 'committed', 'mail-none'), /FOREIGN KEY/)
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'review_comments'").all() as { name: string }[]).map((r) => r.name)
    assert.ok(indexes.includes('review_comments_by_branch'))
    // Running the migrations again changes nothing.
    assert.equal(migrate(db, MIGRATIONS), schemaVersion(db))
    assert.equal((db.prepare('SELECT count(*) AS n FROM review_comments').get() as { n: number }).n, 1)
    db.close()
  } finally {
    removeDir(dir)
  }
})
