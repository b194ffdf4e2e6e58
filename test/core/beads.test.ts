// Beads against a real SQLite ledger: fields, dependencies, ready ordering, and one ledger event per change.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { openDatabase } from '../../src/main/core/store/db'
import { Ledger } from '../../src/main/core/ledger/ledger'
import { Beads } from '../../src/main/core/beads/beads'
import { removeDir, tempDir } from '../support/fixtures'

function fresh() {
  const dir = tempDir('beads')
  const db = openDatabase(join(dir, 'town.db'))
  const ledger = new Ledger(db)
  return { dir, db, ledger, beads: new Beads(db, ledger, 'gt') }
}

const base = { description: '', priority: 2, type: 'task' as const, labels: [], deps: [] }

test('create gives a prefix-hash id, the given fields, and a ledger event', () => {
  const { dir, db, ledger, beads } = fresh()
  try {
    const b = beads.create({ ...base, title: 'Fix login', priority: 0, labels: ['auth', 'urgent'] }, 'human')
    assert.match(b.id, /^gt-[0-9a-z]{5,}$/)
    assert.equal(b.status, 'open')
    assert.deepEqual(b.labels, ['auth', 'urgent'])
    const events = ledger.list({ subject: b.id })
    assert.deepEqual(events.map((e) => e.kind), ['bead.created'])
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('ready lists open, unblocked beads by priority; closing the blocker frees the blocked', () => {
  const { dir, db, beads } = fresh()
  try {
    const low = beads.create({ ...base, title: 'low', priority: 3 }, 'human')
    const blocker = beads.create({ ...base, title: 'blocker', priority: 2 }, 'human')
    const high = beads.create({ ...base, title: 'high', priority: 0, deps: [{ type: 'blocks', target: blocker.id }] }, 'human')
    const related = beads.create({ ...base, title: 'related', priority: 1, deps: [{ type: 'related', target: low.id }] }, 'human')
    const deferred = beads.create({ ...base, title: 'deferred', priority: 0 }, 'human')
    beads.update({ id: deferred.id, status: 'deferred' }, 'human')
    assert.deepEqual(beads.ready().map((b) => b.title), ['related', 'blocker', 'low'])
    beads.close(blocker.id, 'fixed', 'human')
    assert.deepEqual(beads.ready().map((b) => b.title), ['high', 'related', 'low'])
    assert.equal(beads.get(blocker.id).closeReason, 'fixed')
    assert.ok(beads.get(blocker.id).closedAt)
    assert.deepEqual(beads.get(high.id).deps, [{ type: 'blocks', target: blocker.id }])
    assert.deepEqual(beads.get(related.id).deps, [{ type: 'related', target: low.id }])
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('update changes fields, labels and deps; reopening clears the close; bad deps are refused', () => {
  const { dir, db, ledger, beads } = fresh()
  try {
    const a = beads.create({ ...base, title: 'a' }, 'human')
    const parent = beads.create({ ...base, title: 'epic', type: 'epic' }, 'human')
    const b = beads.update({ id: a.id, title: 'a2', priority: 1, addLabels: ['x'], addDeps: [{ type: 'parent-child', target: parent.id }], assignee: 'r/nux' }, 'human')
    assert.equal(b.title, 'a2')
    assert.equal(b.assignee, 'r/nux')
    assert.deepEqual(b.labels, ['x'])
    assert.deepEqual(b.deps, [{ type: 'parent-child', target: parent.id }])
    beads.close(a.id, 'dup', 'human')
    assert.throws(() => beads.close(a.id, 'again', 'human'), /already closed/)
    const reopened = beads.update({ id: a.id, status: 'open' }, 'human')
    assert.equal(reopened.closedAt, null)
    assert.throws(() => beads.update({ id: a.id, addDeps: [{ type: 'blocks', target: 'gt-nope' }] }, 'human'), /does not exist/)
    assert.throws(() => beads.update({ id: a.id, addDeps: [{ type: 'blocks', target: a.id }] }, 'human'), /itself/)
    assert.throws(() => beads.get('gt-missing'), /no bead/)
    assert.deepEqual(
      ledger.list({ subject: a.id }).map((e) => e.kind),
      ['bead.created', 'bead.updated', 'bead.closed', 'bead.updated']
    )
    // The failed update wrote nothing: its transaction rolled back with its event.
    assert.equal(beads.get(a.id).deps.length, 1)
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('list filters by status, rig, type and text', () => {
  const { dir, db, beads } = fresh()
  try {
    beads.create({ ...base, title: 'Alpha 100%', rig: 'one' }, 'human')
    const b = beads.create({ ...base, title: 'Beta', rig: 'two', type: 'bug' }, 'human')
    beads.close(b.id, 'done', 'human')
    assert.deepEqual(beads.list().map((x) => x.title), ['Alpha 100%'])
    assert.deepEqual(beads.list({ includeClosed: true }).map((x) => x.title).sort(), ['Alpha 100%', 'Beta'])
    assert.deepEqual(beads.list({ status: ['closed'] }).map((x) => x.title), ['Beta'])
    assert.deepEqual(beads.list({ rig: 'one' }).map((x) => x.title), ['Alpha 100%'])
    assert.deepEqual(beads.list({ type: 'bug', includeClosed: true }).map((x) => x.title), ['Beta'])
    assert.deepEqual(beads.list({ text: '100%' }).map((x) => x.title), ['Alpha 100%'])
    assert.deepEqual(beads.list({ text: '%' , includeClosed: true}).map((x) => x.title), ['Alpha 100%'])
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('a dependency that would close a cycle of blocking deps is refused, naming the cycle; nothing of that update is kept', () => {
  const { dir, db, ledger, beads } = fresh()
  try {
    const a = beads.create({ ...base, title: 'a' }, 'human')
    const b = beads.create({ ...base, title: 'b', deps: [{ type: 'blocks', target: a.id }] }, 'human')
    const c = beads.create({ ...base, title: 'c', deps: [{ type: 'blocks', target: b.id }] }, 'human')
    // a → c would make a wait on c, which waits on b, which waits on a.
    assert.throws(
      () => beads.update({ id: a.id, title: 'renamed', addDeps: [{ type: 'blocks', target: c.id }] }, 'human'),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'conflict')
        assert.ok(err.message.includes(`${a.id} cannot wait on ${c.id}`), err.message)
        assert.ok(err.message.includes(`${a.id} → ${c.id} → ${b.id} → ${a.id}`), err.message)
        assert.match(err.message, /--remove-dep/)
        return true
      }
    )
    assert.deepEqual(beads.get(a.id).deps, [])
    assert.equal(beads.get(a.id).title, 'a', 'the refused update changed nothing else either')
    assert.deepEqual(ledger.list({ subject: a.id }).map((e) => e.kind), ['bead.created'])
    assert.deepEqual(beads.ready().map((x) => x.title), ['a'])

    // parent-child holds a bead back too, and mixes with blocks.
    const epic = beads.create({ ...base, title: 'epic', type: 'epic' }, 'human')
    const child = beads.create({ ...base, title: 'child', deps: [{ type: 'parent-child', target: epic.id }] }, 'human')
    assert.throws(() => beads.update({ id: epic.id, addDeps: [{ type: 'blocks', target: child.id }] }, 'human'), new RegExp(`${epic.id} → ${child.id} → ${epic.id}`))
    // Dependencies that hold nothing back may point any way.
    assert.equal(beads.update({ id: epic.id, addDeps: [{ type: 'related', target: child.id }] }, 'human').deps.length, 1)
    // Several added at once: the cycle is found through whichever of them closes it.
    assert.throws(
      () => beads.update({ id: a.id, addDeps: [{ type: 'related', target: epic.id }, { type: 'parent-child', target: b.id }] }, 'human'),
      new RegExp(`${a.id} → ${b.id} → ${a.id}`)
    )
    db.close()
  } finally {
    removeDir(dir)
  }
})

test('a cycle stored before the check existed does not hang the walk of an unrelated update', () => {
  const { dir, db, beads } = fresh()
  try {
    const p = beads.create({ ...base, title: 'p' }, 'human')
    const q = beads.create({ ...base, title: 'q' }, 'human')
    const r = beads.create({ ...base, title: 'r' }, 'human')
    const add = db.prepare("INSERT INTO bead_deps (bead_id, type, target) VALUES (?, 'blocks', ?)")
    add.run(p.id, q.id)
    add.run(q.id, p.id)
    assert.deepEqual(beads.update({ id: r.id, addDeps: [{ type: 'blocks', target: p.id }] }, 'human').deps, [{ type: 'blocks', target: p.id }])
    db.close()
  } finally {
    removeDir(dir)
  }
})
