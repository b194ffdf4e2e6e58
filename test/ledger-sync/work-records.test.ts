// The work records on a ledger branch (convoys, molecules, merge requests, review comments), rig by rig: a
// convoy spanning two rigs is on both rigs' branches and a restore from one keeps the members it has the
// beads of; a request that was being tested or waited in the lost town's inbox waits again in the restored
// one; a bad work record refuses the restore with its file, line and field, like any other record.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { Rigs } from '../../src/main/core/rigs/rigs'
import { ConvoyStore } from '../../src/main/core/convoys/convoy-store'
import { MergeQueue } from '../../src/main/core/refinery/merge-queue'
import { LedgerExporter } from '../../src/main/core/ledger-sync/exporter'
import { DEFAULT_LEDGER_SETTINGS } from '../../src/main/core/ledger-sync/ledger-settings'
import { restoreTown } from '../../src/main/core/ledger-sync/restore'
import { openDatabase } from '../../src/main/core/store/db'
import { removeDir, tempDir } from '../support/fixtures'
import { bareRemote, base, commitToLedger, freshLedger, jsonl, ledgerFile } from './helpers'

const settings = () => ({ ...DEFAULT_LEDGER_SETTINGS, debounceSeconds: 0 })
const SHA = 'a'.repeat(40)

test('a convoy over two rigs is on both branches; a restore from one keeps its members there; requests being tested or awaiting approval wait again', async () => {
  const t = freshLedger()
  const app = bareRemote()
  const lib = bareRemote()
  const parent = tempDir('restore-target')
  try {
    const rigs = new Rigs(t.db, t.ledger, t.dir)
    await rigs.add('app', app, 'human')
    await rigs.add('lib', lib, 'human')
    const a = t.beads.create({ ...base, title: 'app part', rig: 'app' }, 'human')
    const l = t.beads.create({ ...base, title: 'lib part', rig: 'lib' }, 'human')
    const convoys = new ConvoyStore(t.db, t.ledger)
    const c = convoys.create({ title: 'Across', mode: 'mountain', molecule: null, moleculeVars: {}, agent: null, agentCmd: 'true' }, [l.id, a.id], 'human')
    convoys.slingFailed(c.id, l.id, 'lib is not cloned')

    const queue = new MergeQueue(t.db, t.ledger)
    const requests = ['testing', 'awaiting', 'merged'].map((what) => {
      const mr = t.beads.create({ ...base, title: `Merge ${what}`, type: 'merge-request', rig: 'app' }, 'human')
      return queue.enqueue({ id: mr.id, rig: 'app', branch: `feature-${what}`, beadId: a.id, polecatId: null, priority: 2, sha: SHA }, 'human')
    })
    queue.testing([requests[0].id], new Map([[requests[0].id, SHA]]))
    queue.awaitingApproval([requests[1].id])
    const landing = queue.createLanding({ rig: 'app', targetBranch: 'main', expectedSha: SHA, newSha: 'b'.repeat(40), requests: [{ id: requests[2].id, headSha: SHA }], runId: null, state: 'landing' })
    queue.markMerged(landing, 'b'.repeat(40))
    const states = queue.list({ rig: 'app' }).map((e) => [e.id, e.state])
    assert.deepEqual(states.sort(), [[requests[0].id, 'testing'], [requests[1].id, 'awaiting_approval'], [requests[2].id, 'merged']].sort())

    const flushed = await new LedgerExporter({ db: t.db, town: t.dir, settings, beadPrefix: () => 'gt' }).flush()
    assert.deepEqual(flushed.failed, [])
    for (const remote of [app, lib]) {
      const [rec] = jsonl(ledgerFile(remote, 'gt-convoys.jsonl'))
      assert.equal(rec.id, c.id, 'the convoy is on each rig branch it has a bead in')
      assert.deepEqual((rec.beads as { bead_id: string }[]).map((m) => m.bead_id), [l.id, a.id], 'whole, in its order')
    }
    assert.equal(jsonl(ledgerFile(app, 'gt-merge-requests.jsonl')).length, 3)
    assert.equal(jsonl(ledgerFile(lib, 'gt-merge-requests.jsonl')).length, 0, "a rig's queue is on its own branch")

    // From app's branch alone: the convoy with its app bead (lib's bead is on lib's branch, not given).
    const one = join(parent, 'one')
    const r1 = await restoreTown({ town: one, remotes: [app] })
    assert.equal(r1.counts.convoys, 1)
    assert.equal(r1.counts.mergeRequests, 3)
    let db = openDatabase(join(one, 'town.db'))
    try {
      assert.deepEqual(db.prepare('SELECT bead_id, position FROM convoy_beads ORDER BY position').all(), [{ bead_id: a.id, position: 1 }])
      // What the lost town was testing, or had in its inbox, waits again: the refinery tests it and asks again.
      const rows = db.prepare('SELECT id, state, approved_sha FROM merge_queue ORDER BY id').all() as { id: string; state: string }[]
      assert.deepEqual(
        rows.map((r) => [r.id, r.state]),
        [[requests[0].id, 'pending'], [requests[1].id, 'pending'], [requests[2].id, 'merged']].sort((x, y) => x[0].localeCompare(y[0]))
      )
    } finally {
      db.close()
    }
    // From both: every member, in its order, with what the dispatcher wrote down.
    const both = join(parent, 'both')
    await restoreTown({ town: both, remotes: [app, lib] })
    db = openDatabase(join(both, 'town.db'))
    try {
      assert.deepEqual(
        db.prepare('SELECT bead_id, position, sling_error FROM convoy_beads ORDER BY position').all(),
        [
          { bead_id: l.id, position: 0, sling_error: 'lib is not cloned' },
          { bead_id: a.id, position: 1, sling_error: null }
        ]
      )
      assert.deepEqual(db.prepare('SELECT id, state, agent_cmd FROM convoys').all(), [{ id: c.id, state: 'open', agent_cmd: 'true' }])
    } finally {
      db.close()
    }
  } finally {
    t.close()
    removeDir(parent)
    for (const r of [app, lib]) removeDir(join(r, '..'))
  }
})

test('a bad work record refuses the restore, naming the file, the line and the field', async () => {
  const t = freshLedger()
  const remote = bareRemote()
  const parent = tempDir('restore-target')
  try {
    await new Rigs(t.db, t.ledger, t.dir).add('app', remote, 'human')
    t.beads.create({ ...base, title: 'a bead', rig: 'app' }, 'human')
    assert.deepEqual((await new LedgerExporter({ db: t.db, town: t.dir, settings, beadPrefix: () => 'gt' }).flush()).failed, [])
    const bad = { id: 'mr-x', rig: 'app', branch: 'feature', bead_id: null, polecat_id: null, priority: 2, state: 'waiting', queued_sha: SHA, tested_sha: null, approved_sha: null, merged_sha: null, failure: null, enqueued_at: '2026-01-01T00:00:00Z', started_at: null, finished_at: null, updated_at: '2026-01-01T00:00:00Z' }
    commitToLedger(remote, (w) => appendFileSync(join(w, 'gt-merge-requests.jsonl'), JSON.stringify(bad) + '\n'))
    await assert.rejects(restoreTown({ town: join(parent, 't'), remotes: [remote] }), /gt-merge-requests\.jsonl:1 state: /)
    commitToLedger(remote, (w) =>
      appendFileSync(join(w, 'gt-convoys.jsonl'), JSON.stringify({ id: 'convoy-x', title: 'x', mode: 'mountain', molecule: null, molecule_vars: null, agent: 'claude', agent_cmd: 'sh', state: 'open', created_at: '2026-01-01T00:00:00Z', created_by: 'human', updated_at: '2026-01-01T00:00:00Z', landed_at: null, landed_by: null, left_out: null, beads: [] }) + '\n')
    )
    await assert.rejects(restoreTown({ town: join(parent, 't'), remotes: [remote] }), (err: Error) => {
      assert.match(err.message, /gt-convoys\.jsonl:1 agent_cmd: a convoy slings with an agent runtime or a command, not both/)
      return true
    })
    assert.equal(existsSync(join(parent, 't')), false, 'nothing half made')
  } finally {
    t.close()
    removeDir(parent)
    removeDir(join(remote, '..'))
  }
})
