// The refinery end to end through the core, with real git and real check commands: batches of 1, 4 and 8
// requests where 0, 1 or 2 branches break the build, fail the tests or conflict. After each drain the target
// holds exactly the good requests, every commit on its first-parent history passes the checks when checked
// out on its own, and each culprit is sent back with what went wrong.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MergeQueueEntry, MergeRun } from '../../src/shared/domain'
import { human, useTestTown } from '../support/town'
import { BUILD, TESTS, bareOrigin, checksPassAt, filesAt, firstParents, originSha, pushBranch, pushToMain, type Culprit } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>

interface Case {
  size: number
  culprits: Culprit[]
  strategy: 'rebase' | 'merge' | 'squash'
}

const CASES: Case[] = [
  { size: 1, culprits: [], strategy: 'rebase' },
  { size: 1, culprits: ['build'], strategy: 'rebase' },
  { size: 4, culprits: [], strategy: 'merge' },
  { size: 4, culprits: ['tests'], strategy: 'rebase' },
  { size: 4, culprits: ['conflict', 'build'], strategy: 'squash' },
  { size: 8, culprits: [], strategy: 'squash' },
  { size: 8, culprits: ['conflict'], strategy: 'merge' },
  { size: 8, culprits: ['build', 'tests'], strategy: 'rebase' }
]

let n = 0
for (const c of CASES) {
  test(`a batch of ${c.size} with ${c.culprits.length ? c.culprits.join(' and ') : 'no'} culprit${c.culprits.length === 1 ? '' : 's'} (${c.strategy}): exactly the good requests land, every first-parent commit passes`, async () => {
    const rig = `b${++n}`
    const o = bareOrigin()
    await call('rigs.add', { name: rig, source: o.source })
    for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS, bundle_size: String(c.size), merge_strategy: c.strategy })) {
      await call('rigs.configure', { rig, key, value })
    }
    // Culprits spread through the batch: the second request, and the last.
    const where = [1, c.size - 1].slice(0, c.culprits.length)
    const branches = Array.from({ length: c.size }, (_, i) => `feature/${rig}-${i}`)
    const culpritOf = new Map<string, Culprit>()
    c.culprits.forEach((k, j) => culpritOf.set(branches[c.size === 1 ? 0 : where[j]], k))
    for (const b of branches) pushBranch(o, b, culpritOf.get(b))
    if (c.culprits.includes('conflict')) pushToMain(o)
    const before = originSha(o)

    const added = await call<MergeQueueEntry[]>('mq.add', { rig, branches })
    assert.equal(added.length, c.size)
    const done = await call<MergeQueueEntry[]>('mq.run', { rig, wait: true })
    const byBranch = new Map(done.map((e) => [e.branch, e]))

    const files = filesAt(o)
    for (const b of branches) {
      const e = byBranch.get(b)!
      const file = `${b.replace(/\//g, '_')}.txt`
      if (culpritOf.has(b)) {
        assert.equal(e.state, 'failed', `${b} (${culpritOf.get(b)}) is sent back`)
        assert.ok(!files.includes(file), `${b} did not land`)
        if (culpritOf.get(b) === 'conflict') {
          assert.equal(e.failure?.kind, 'conflict')
          assert.deepEqual(e.failure?.files, ['shared.txt'], 'the conflicting file is named')
          assert.equal(e.failure?.message.split('shared.txt').length - 1, 1, `the file is named once: ${e.failure?.message}`)
        } else {
          assert.equal(e.failure?.kind, 'checks')
          assert.match(e.failure?.output ?? '', culpritOf.get(b) === 'build' ? /BUILD_BROKEN/ : /1 test failed/, 'the failing output goes with it')
        }
      } else {
        assert.equal(e.state, 'merged', `${b} landed: ${JSON.stringify(e.failure)}`)
        assert.ok(files.includes(file), `${b}'s file is on main`)
        assert.equal(e.mergedSha !== null, true)
      }
    }
    assert.ok(!files.includes('BUILD_BROKEN') && !files.includes('TESTS_FAIL'), 'no culprit reached main')
    const history = firstParents(o, before)
    assert.ok(history.length >= 1 || c.culprits.length === c.size, 'main moved')
    for (const sha of history) assert.ok(checksPassAt(o, sha), `first-parent commit ${sha.slice(0, 10)} passes the checks on its own`)

    // Bisection is cheap: a batch with one culprit needs at most 1 + log2(size) + 1 candidate runs per culprit.
    const runs = (await call<MergeRun[]>('mq.runs', { rig, limit: 500 })).filter((r) => r.status === 'green' || r.status === 'red')
    const bound = 1 + c.culprits.filter((k) => k !== 'conflict').length * (Math.ceil(Math.log2(c.size)) + 2) + c.size
    assert.ok(runs.length <= bound, `${runs.length} candidate runs for a batch of ${c.size} (at most ${bound})`)
  })
}

test('gt mq add refuses a branch that is not on the origin, one named twice, and one already queued', async () => {
  const o = bareOrigin()
  await call('rigs.add', { name: 'refuse', source: o.source })
  await assert.rejects(call('mq.add', { rig: 'refuse', branches: ['nope'] }), /has no branch nope: push it there first/)
  pushBranch(o, 'twice')
  await assert.rejects(call('mq.add', { rig: 'refuse', branches: ['twice', 'twice'] }), /named twice/)
  await assert.rejects(call('mq.add', { rig: 'refuse', branches: ['-x'] }), /not a branch name/)
  await call('rigs.configure', { rig: 'refuse', key: 'merge_mode', value: 'gated' })
  await call('mq.add', { rig: 'refuse', branches: ['twice'] })
  await assert.rejects(call('mq.add', { rig: 'refuse', branches: ['twice'] }), /in refuse's queue already/)
  await assert.rejects(call('rigs.configure', { rig: 'refuse', key: 'merge_mode', value: 'yolo' }), /one of gated, mountain/)
  await assert.rejects(call('rigs.configure', { rig: 'refuse', key: 'bundle_size', value: '0' }), /at least 1/)
})
