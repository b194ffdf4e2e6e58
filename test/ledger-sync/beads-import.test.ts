// Beads JSONL in and out of a real SQLite ledger: the round trip, the reference samples from a real Gas Town
// town, bad records (named by file, line and field, and nothing written), and what an import does with beads
// the ledger already has.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { importBeads, exportBeads } from '../../src/main/core/ledger-sync/import-beads'
import { LedgerFormatError } from '../../src/main/core/ledger-sync/jsonl'
import { REFERENCE, base, freshLedger, jsonl, referenceFile, referenceJsonl } from './helpers'

const count = (db: import('../../src/main/core/store/db').Db, table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
const history = (db: import('../../src/main/core/store/db').Db) =>
  (db.prepare("SELECT at, actor, kind, subject, data FROM events WHERE kind != 'bead.imported' ORDER BY id").all() as Record<string, unknown>[]).map((e) => ({ ...e, data: JSON.parse(e.data as string) }))

/** A ledger with what a town writes: rigs' and town beads, every dependency type, labels, notes, a closed bead. */
function populated() {
  const t = freshLedger()
  const epic = t.beads.create({ ...base, title: 'Checkout rewrite', type: 'epic', rig: 'app' }, 'human')
  const api = t.beads.create({ ...base, title: 'Payments API', priority: 1, rig: 'lib', labels: ['api', 'payments'] }, 'human')
  const ui = t.beads.create(
    { ...base, title: 'Checkout page', description: 'Line one\n\tindented\nline three', rig: 'app', labels: ['ui'], deps: [{ type: 'blocks', target: api.id }, { type: 'parent-child', target: epic.id }] },
    'human'
  )
  const found = t.beads.create({ ...base, title: 'Found while testing', type: 'bug', priority: 0, deps: [{ type: 'discovered-from', target: ui.id }, { type: 'related', target: api.id }] }, 'app/furiosa')
  t.beads.update({ id: api.id, status: 'in_progress', assignee: 'lib/nux' }, 'human')
  t.beads.close(found.id, 'fixed in passing', 'human')
  const mr = t.beads.create({ ...base, title: 'Merge polecat/furiosa/x', type: 'merge-request', rig: 'app', labels: ['branch:polecat/furiosa/x'], deps: [{ type: 'tracks', target: ui.id }] }, 'app/furiosa')
  t.ledger.append('app/furiosa', 'agent.note', ui.id, { session: 's-1', text: 'the old page used a global; replaced it' })
  t.ledger.append('app/furiosa', 'agent.checkpoint', ui.id, { session: 's-1', data: { step: 2 } })
  t.beads.create({ ...base, title: 'Page the on-call', type: 'escalation', priority: 0 }, 'core')
  return { t, epic, api, ui, found, mr }
}

test('export then import gives the same beads, dependencies, labels and history; exported again, the same Beads files', () => {
  const { t } = populated()
  const copy = freshLedger()
  try {
    const files = exportBeads(t.db, { layout: 'backup' })
    assert.deepEqual(files.map((f) => f.name), ['issues.jsonl', 'dependencies.jsonl', 'labels.jsonl', 'comments.jsonl', 'events.jsonl'])
    const report = importBeads(copy.db, copy.ledger, files)
    assert.equal(report.beads.created, 6)
    assert.deepEqual(report.skipped, [])
    assert.equal(report.dependencies.external, 0)
    assert.deepEqual(copy.beads.list({ includeClosed: true }), t.beads.list({ includeClosed: true }))
    assert.deepEqual(history(copy.db), history(t.db), 'every event on a bead comes back, in order, the note once')
    const again = exportBeads(copy.db, { layout: 'backup' })
    for (const name of ['issues.jsonl', 'dependencies.jsonl', 'labels.jsonl', 'comments.jsonl']) {
      assert.equal(again.find((f) => f.name === name)!.text, files.find((f) => f.name === name)!.text, name)
    }
    // Importing the same files again changes nothing and says so.
    const twice = importBeads(copy.db, copy.ledger, files)
    assert.deepEqual(twice.beads, { created: 0, updated: 0, unchanged: 6, conflicts: [] })
    assert.equal(twice.events.added, 0)
  } finally {
    t.close()
    copy.close()
  }
})

test("the one-file layout (bd export) carries labels, dependencies and notes inside each issue and imports the same beads", () => {
  const { t, ui } = populated()
  const copy = freshLedger()
  try {
    const [file] = exportBeads(t.db, { layout: 'file' })
    const records = jsonl(file.text)
    const page = records.find((r) => r.id === ui.id)!
    assert.deepEqual(page.labels, ['ui'])
    assert.equal((page.dependencies as unknown[]).length, 2)
    assert.deepEqual((page.comments as { text: string }[]).map((c) => c.text), ['the old page used a global; replaced it'])
    importBeads(copy.db, copy.ledger, [{ name: 'export.jsonl', text: file.text }])
    assert.deepEqual(copy.beads.list({ includeClosed: true }), t.beads.list({ includeClosed: true }))
    const notes = copy.ledger.list({ subject: ui.id }).filter((e) => e.kind === 'bead.comment')
    assert.deepEqual(notes.map((n) => [n.actor, (n.data as { text: string }).text]), [['app/furiosa', 'the old page used a global; replaced it']])
  } finally {
    t.close()
    copy.close()
  }
})

test("the town's own beads are written with Beads' column names only (the issues table of the reference schema)", () => {
  const { t } = populated()
  try {
    const sql = readFileSync(join(REFERENCE, 'beads-schema', '0001_create_issues.up.sql'), 'utf8')
    const columns = new Set([...sql.matchAll(/^\s{4}([a-z_]+) [A-Z]/gm)].map((m) => m[1]))
    assert.ok(columns.has('rig') && columns.has('acceptance_criteria'), 'the schema was read')
    const [issues, deps] = exportBeads(t.db, { layout: 'backup' })
    for (const r of jsonl(issues.text)) for (const k of Object.keys(r)) assert.ok(columns.has(k), `issues.jsonl writes ${k}, which Beads' issues table has not`)
    const depSql = readFileSync(join(REFERENCE, 'beads-schema', '0002_create_dependencies.up.sql'), 'utf8')
    const depColumns = new Set([...depSql.matchAll(/^\s{4}([a-z_]+) [A-Z]/gm)].map((m) => m[1]))
    for (const r of jsonl(deps.text)) for (const k of Object.keys(r)) assert.ok(depColumns.has(k), `dependencies.jsonl writes ${k}`)
    // Ours travel in Beads' own columns: the rig, who created the bead.
    const page = jsonl(issues.text).find((r) => r.title === 'Checkout page')!
    assert.equal(page.rig, 'app')
    assert.equal(page.created_by, 'human')
  } finally {
    t.close()
  }
})

test('the reference samples from a real Gas Town town import, and what the town does not model goes back to Beads', () => {
  const t = freshLedger()
  try {
    const report = importBeads(t.db, t.ledger, referenceJsonl())
    assert.equal(report.beads.created, 7, 'six Gas Town issues and one bd export issue')
    assert.equal(report.events.added, 8)
    // The samples are excerpts: their labels and dependencies belong to issues the excerpt does not have.
    assert.equal(report.skipped.length, 12)
    assert.ok(report.skipped.every((s) => s.file.endsWith('labels.sample.jsonl') || s.file.endsWith('dependencies.sample.jsonl')))
    assert.deepEqual(report.skipped[0], { file: join(REFERENCE, 'gastown_beads_backup_labels.sample.jsonl'), line: 1, kind: 'label', issueId: 'gt-071h' })

    const bead = (id: string) => t.beads.get(id)
    assert.equal(bead('gt-qdia9').type, 'convoy')
    assert.equal(bead('gt-qdia9').status, 'closed')
    assert.match(bead('gt-qdia9').closeReason!, /Stale backlog/)
    assert.equal(bead('gt-qdia9').title, 'Plugin & Escalation Systems for Gas Town')
    assert.equal(bead('gt-gastown-polecat-ace').type, 'agent')
    assert.equal(bead('gt-pr-sheriff').status, 'hooked')
    assert.equal(bead('gt-pr-sheriff').assignee, 'gastown/crew/max')
    assert.equal(bead('gt-j3cx').status, 'deferred', 'pinned is held as deferred: never slung')
    assert.equal(bead('bd-main-idj').status, 'in_progress')
    assert.equal(bead('bd-main-idj').type, 'chore')
    assert.deepEqual(t.beads.ready().map((b) => b.id), [], 'an agent bead is not work, a pinned one is held back')
    // History of beads the excerpt lacks is kept too: it is the record.
    const change = t.ledger.list({ subject: 'gt-69dai' }).find((e) => e.kind === 'beads.status_changed')!
    assert.equal(change.actor, 'mayor')
    assert.match((change.data as { new_value: string }).new_value, /"status":"hooked"/)

    const issues = jsonl(exportBeads(t.db, { layout: 'backup' })[0].text)
    const byId = (id: string) => issues.find((r) => r.id === id)!
    assert.equal(byId('gt-j3cx').status, 'pinned', "Beads' status comes back")
    assert.equal(byId('gt-pr-sheriff').pinned, 1)
    assert.match(byId('gt-pr-sheriff').notes as string, /Sheriff Run 2026-03-05/)
    assert.equal(byId('gt-pr-sheriff').owner, 'steve.yegge@gmail.com')
    assert.equal(byId('gt-qdia9').issue_type, 'convoy')
    assert.equal(byId('gt-qdia9').work_type, '', 'a field away from its default is kept as it was')
    assert.equal(byId('gt-qdia9').created_at, '2026-01-21T01:39:24.000Z')
    assert.equal(byId('bd-main-idj').created_by, 'matt wilkie')
    assert.equal(byId('bd-main-idj').started_at, '2026-04-18T16:30:16Z')
    assert.ok(!('dependency_count' in byId('bd-main-idj')), "bd export's counts are computed, not kept")
    assert.ok(!('content_hash' in byId('gt-qdia9')), 'a content hash would go stale')
    const events = jsonl(exportBeads(t.db, { layout: 'backup' })[4].text)
    const renamed = events.find((e) => e.event_type === 'renamed')!
    assert.deepEqual([renamed.issue_id, renamed.old_value, renamed.new_value, renamed.actor], ['gt-pr-sheriff', 'gt-4vcg', 'gt-pr-sheriff', 'beads/crew/emma'])
  } finally {
    t.close()
  }
})

test('a bad record refuses the whole import, naming file, line and field, and nothing is written', () => {
  const t = freshLedger()
  try {
    t.beads.create({ ...base, title: 'already here' }, 'human')
    const before = { beads: count(t.db, 'beads'), events: count(t.db, 'events') }
    const good = (id: string) => JSON.stringify({ id, title: `good ${id}`, status: 'open', priority: 1, issue_type: 'task', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' })
    const text = [good('ok-1'), good('ok-2'), '', JSON.stringify({ id: 'bad-1', title: 'priority out of range', priority: 9, created_at: '2026-01-01T00:00:00Z' }), good('ok-3'), '{"id": "torn', JSON.stringify({ id: 'bad-2', title: 'no time' })].join('\n')
    const deps = JSON.stringify({ issue_id: 'ok-1', depends_on_id: 'ok-2', type: 'blocks', created_at: 'last tuesday', created_by: 'x' })
    assert.throws(
      () => importBeads(t.db, t.ledger, [{ name: '/tmp/x/issues.jsonl', text }, { name: '/tmp/x/dependencies.jsonl', text: deps }]),
      (err: unknown) => {
        assert.ok(err instanceof LedgerFormatError)
        assert.match(err.message, /4 bad records, so nothing was imported/)
        assert.match(err.message, /\/tmp\/x\/issues\.jsonl:4 priority: is above 4/)
        assert.match(err.message, /\/tmp\/x\/issues\.jsonl:6: not valid JSON/)
        assert.match(err.message, /\/tmp\/x\/issues\.jsonl:7 created_at: is missing/)
        assert.match(err.message, /\/tmp\/x\/dependencies\.jsonl:1 created_at: "last tuesday" is not a time/)
        return true
      }
    )
    assert.deepEqual({ beads: count(t.db, 'beads'), events: count(t.db, 'events') }, before)
    // A title with an escape sequence is refused like the contract refuses it; a wrong record in a named file too.
    assert.throws(() => importBeads(t.db, t.ledger, [{ name: 'a.jsonl', text: JSON.stringify({ id: 'x-1', title: 'evil \u001b]0;pwned\u0007', created_at: '2026-01-01T00:00:00Z' }) }]), /a\.jsonl:1 title: is one line of plain text, but character 6 is the control character U\+001B \(ESC\)/)
    assert.throws(() => importBeads(t.db, t.ledger, [{ name: 'labels.jsonl', text: JSON.stringify({ id: 'x-1', title: 't', created_at: '2026-01-01T00:00:00Z' }) }]), /labels\.jsonl:1: labels\.jsonl holds label records/)
    assert.throws(() => importBeads(t.db, t.ledger, [{ name: 'x.jsonl', text: JSON.stringify({ id: '-rf', title: 't', created_at: '2026-01-01T00:00:00Z' }) }]), /x\.jsonl:1 id: "-rf" is not a bead id/)
    assert.deepEqual({ beads: count(t.db, 'beads'), events: count(t.db, 'events') }, before)
  } finally {
    t.close()
  }
})

test('a dependency that would close a cycle refuses the import with its line; the same in a dry run, which writes nothing', () => {
  const t = freshLedger()
  try {
    const a = t.beads.create({ ...base, title: 'a' }, 'human')
    const b = t.beads.create({ ...base, title: 'b', deps: [{ type: 'blocks', target: a.id }] }, 'human')
    const before = count(t.db, 'events')
    const issue = JSON.stringify({ id: 'new-1', title: 'new', created_at: '2026-01-01T00:00:00Z', dependencies: [{ depends_on_id: b.id, type: 'blocks' }] })
    const closing = JSON.stringify({ issue_id: a.id, depends_on_id: 'new-1', type: 'waits-for', created_at: '2026-01-01T00:00:00Z', created_by: 'x' })
    const files = [{ name: 'issues.jsonl', text: issue + '\n' }, { name: 'dependencies.jsonl', text: closing + '\n' }]
    assert.throws(() => importBeads(t.db, t.ledger, files), new RegExp(`issues\\.jsonl:1 depends_on_id: new-1 waiting on ${b.id} closes the dependency cycle new-1 → ${b.id} → ${a.id} → new-1`))
    assert.equal(t.beads.find('new-1'), null)
    assert.equal(count(t.db, 'events'), before)
    // Without the closing dependency it is fine; a dry run counts it and writes nothing.
    const dry = importBeads(t.db, t.ledger, files.slice(0, 1), { dryRun: true })
    assert.equal(dry.beads.created, 1)
    assert.equal(dry.dependencies.added, 1)
    assert.equal(t.beads.find('new-1'), null)
    assert.equal(count(t.db, 'events'), before)
  } finally {
    t.close()
  }
})

test('a bead the ledger has: updated when the file is newer, kept (and reported) when the ledger is, or when a polecat holds it', () => {
  const t = freshLedger()
  try {
    const mine = t.beads.create({ ...base, title: 'mine' }, 'human')
    const at = (ms: number) => new Date(Date.parse(mine.updatedAt) + ms).toISOString()
    const rec = (title: string, updated: string, extra: Record<string, unknown> = {}) => ({ name: 'f.jsonl', text: JSON.stringify({ id: mine.id, title, created_at: mine.createdAt, updated_at: updated, ...extra }) })
    const older = importBeads(t.db, t.ledger, [rec('older title', at(-60_000))])
    assert.equal(older.beads.conflicts.length, 1)
    assert.match(older.beads.conflicts[0].why, /the ledger's is kept/)
    assert.equal(t.beads.get(mine.id).title, 'mine')
    const newer = importBeads(t.db, t.ledger, [rec('newer title', at(60_000), { labels: ['from-beads'] })])
    assert.equal(newer.beads.updated, 1)
    assert.equal(t.beads.get(mine.id).title, 'newer title')
    assert.deepEqual(t.beads.get(mine.id).labels, ['from-beads'])
    assert.deepEqual(t.ledger.list({ subject: mine.id }).filter((e) => e.kind === 'bead.imported').map((e) => (e.data as { action: string }).action), ['updated'])
    // A bead on a polecat's hook keeps its status and assignee whatever a file says.
    t.db.prepare("INSERT INTO polecats (id, rig, name, state, bead_id, branch, worktree, updated_at) VALUES ('app/nux', 'app', 'nux', 'working', ?, 'polecat/nux/x', '/w', ?)").run(mine.id, at(0))
    t.beads.setWork(mine.id, 'hooked', 'app/nux')
    const held = importBeads(t.db, t.ledger, [rec('newer title', at(3_600_000), { status: 'closed', close_reason: 'done elsewhere' })])
    assert.match(held.beads.conflicts[0].why, /hooked to app\/nux here/)
    assert.equal(t.beads.get(mine.id).status, 'hooked')
  } finally {
    t.close()
  }
})

test('a dependency on something that is not a bead here is kept as external, written back, and linked once its bead comes', () => {
  const t = freshLedger()
  try {
    const issue = { id: 'ext-1', title: 'needs others', created_at: '2026-01-01T00:00:00Z', dependencies: [{ depends_on_id: 'external:billing:invoices', type: 'blocks' }, { depends_on_id: 'other-9', type: 'waits-for', created_by: 'mayor' }] }
    const r = importBeads(t.db, t.ledger, [{ name: 'one.jsonl', text: JSON.stringify(issue) }])
    assert.equal(r.dependencies.external, 2)
    assert.deepEqual(t.beads.get('ext-1').deps, [])
    assert.deepEqual(t.beads.ready().map((b) => b.id), ['ext-1'], 'an external dependency holds nothing back, as in Beads')
    const deps = jsonl(exportBeads(t.db, { layout: 'backup' })[1].text)
    assert.deepEqual(deps.map((d) => [d.depends_on_id, d.type]), [['external:billing:invoices', 'blocks'], ['other-9', 'waits-for']])
    // The target arrives: the dependency is a real one now, and waits-for holds the bead back like blocks.
    const later = importBeads(t.db, t.ledger, [{ name: 'two.jsonl', text: JSON.stringify({ id: 'other-9', title: 'the other', created_at: '2026-01-02T00:00:00Z' }) }])
    assert.equal(later.dependencies.added, 1)
    assert.deepEqual(t.beads.get('ext-1').deps, [{ type: 'blocks', target: 'other-9' }])
    assert.deepEqual(t.beads.ready().map((b) => b.id), ['other-9'])
    const back = jsonl(exportBeads(t.db, { layout: 'backup' })[1].text).find((d) => d.depends_on_id === 'other-9')!
    assert.deepEqual([back.type, back.created_by], ['waits-for', 'mayor'], "Beads' own type and author come back")
  } finally {
    t.close()
  }
})

test('town records of a ledger branch are not Beads files: gt town restore is named', () => {
  const t = freshLedger()
  try {
    assert.throws(() => importBeads(t.db, t.ledger, [{ name: '/x/gt-rigs.jsonl', text: '{}' }]), /gt-rigs\.jsonl:1: is a town record of a ledger branch, not a Beads file: .*gt town restore/)
    const r = importBeads(t.db, t.ledger, [{ name: '/b/config.jsonl', text: '{"key":"issue_prefix","value":"bd"}\n' }, referenceFile('beads_repo_root_issues.jsonl')])
    assert.deepEqual(r.ignored.map((i) => i.file), ['/b/config.jsonl'])
    assert.equal(r.beads.created, 1)
  } finally {
    t.close()
  }
})
