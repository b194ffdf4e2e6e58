// A molecule's [convoy] drives the merges of its beads (issue 11: "its bundle_size and mode drive its convoy
// and merges"): a gated molecule's request waits for approval in a rig that merges on green, a mountain
// molecule's lands without asking in a gated rig, and the head of the queue's bundle_size sizes the batch.
// The shipped templates: refactor (gated, bundle_size 3), bugfix (mountain, bundle_size 1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InboxItem, MergeQueueEntry, MergeRun } from '../../src/shared/domain'
import { eventually } from '../support/fixtures'
import { human, useTestTown } from '../support/town'
import { BUILD, TESTS, bareOrigin, firstParents, originSha, pushBranch } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>

/** Work beads poured with `molecule`, each with a pushed branch queued as its merge request. */
async function queued(rig: string, o: ReturnType<typeof bareOrigin>, molecule: string, vars: Record<string, string>, names: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const name of names) {
    const work = await call<{ id: string }>('beads.create', { title: `Work ${name}`, rig })
    await call('molecules.pour', { name: molecule, bead: work.id, vars })
    pushBranch(o, `feature/${name}`)
    const mr = await call<{ id: string }>('beads.create', { title: `Merge ${name}`, rig, type: 'merge-request', labels: [`branch:feature/${name}`] })
    ctx.core.mergeQueue.enqueue({ id: mr.id, rig, branch: `feature/${name}`, beadId: work.id, polecatId: null, priority: 2, sha: null }, 'test')
    ids.push(mr.id)
  }
  return ids
}

async function rigOn(name: string, source: string, mode: 'gated' | 'mountain'): Promise<void> {
  await call('rigs.add', { name, source })
  for (const [key, value] of Object.entries({ merge_mode: mode, build: BUILD, test: TESTS })) await call('rigs.configure', { rig: name, key, value })
}

test("a gated molecule's requests wait for approval in a rig that merges on green", async () => {
  const o = bareOrigin()
  await rigOn('mtn', o.source, 'mountain')
  const before = originSha(o)
  const ids = await queued('mtn', o, 'refactor', { goal: 'Split the module' }, ['r1', 'r2'])
  await call('mq.run', { rig: 'mtn', wait: true })
  const list = await call<MergeQueueEntry[]>('mq.list', { rig: 'mtn' })
  assert.deepEqual(list.filter((e) => ids.includes(e.id)).map((e) => e.state), ['awaiting_approval', 'awaiting_approval'])
  assert.equal(originSha(o), before, 'nothing landed without approval')
  const item = await eventually(async () => (await call<InboxItem[]>('inbox.list', {})).find((i) => i.kind === 'merge' && i.rig === 'mtn'), 'the batch in the inbox')
  assert.deepEqual([...item.merge!.requests].sort(), [...ids].sort(), 'one batch: bundle_size 3 holds both')
})

test("a mountain molecule's requests land without asking in a gated rig; its bundle_size sizes the batches", async () => {
  const o = bareOrigin()
  await rigOn('gate', o.source, 'gated')
  const before = originSha(o)
  const ids = await queued('gate', o, 'bugfix', {}, ['b1', 'b2', 'b3'])
  await call('mq.run', { rig: 'gate', wait: true })
  const list = await call<MergeQueueEntry[]>('mq.list', { rig: 'gate' })
  assert.deepEqual(list.filter((e) => ids.includes(e.id)).map((e) => e.state), ['merged', 'merged', 'merged'])
  assert.ok(firstParents(o, before).length >= 1, 'landed on main')
  assert.equal((await call<InboxItem[]>('inbox.list', {})).filter((i) => i.kind === 'merge' && i.rig === 'gate').length, 0, 'nothing asked')
  // bundle_size 1 with the rig's merge_parallel 2: each candidate holds one batch, or that and the next one
  // speculatively; the rig's own bundle_size 4 would have tested all three together.
  const runs = await call<MergeRun[]>('mq.runs', { rig: 'gate', limit: 50 })
  assert.ok(runs.length > 0 && runs.every((r) => r.requests.length <= 2), `candidates of at most 2 requests: ${runs.map((r) => r.requests.length).join(', ')}`)
  assert.ok(runs.some((r) => r.requests.length === 1 && r.requests[0] === ids[0]), 'the first request tested as a batch of its own')
})
