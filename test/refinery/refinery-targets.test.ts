// Where the target lives and who else moves it: a push to the target while a candidate is tested (kept, the
// candidate rebuilt on it), the user's own working copy as the origin (its checked-out branch moved forward
// only when clean, never a silent failure; their other branch untouched), and the gated mode's inbox item
// (Approve lands the batch, Deny sends it back with the reason).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InboxItem, MergeQueueEntry } from '../../src/shared/domain'
import type { CoreEvent } from '../../src/shared/contract'
import { eventually, sh } from '../support/fixtures'
import { human, useTestTown } from '../support/town'
import { BUILD, TESTS, bareOrigin, checksPassAt, filesAt, firstParents, originSha, pushBranch, pushToMain, workingCopyOrigin } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>

async function rigOn(name: string, source: string, settings: Record<string, string>): Promise<void> {
  await call('rigs.add', { name, source })
  for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS, ...settings })) await call('rigs.configure', { rig: name, key, value })
}

test('a push to the target while the candidate is tested is detected and kept: the batch is rebuilt on it', async () => {
  const o = bareOrigin()
  // The tests wait for a cue file, so the push lands while the candidate is being tested.
  const gate = join(o.work, '..', 'release-tests')
  await rigOn('race', o.source, { test: `while [ ! -e ${gate} ]; do sleep 0.05; done; ${TESTS}` })
  pushBranch(o, 'feature/a')
  pushBranch(o, 'feature/b')
  const before = originSha(o)
  await call('mq.add', { rig: 'race', branches: ['feature/a', 'feature/b'] })
  await eventually(async () => (await call<MergeQueueEntry[]>('mq.list', { rig: 'race' })).some((e) => e.state === 'testing'), 'the candidate under test')
  const theirs = pushToMain(o, 'theirs.txt', 'pushed by someone else\n')
  writeFileSync(gate, '')
  const done = await call<MergeQueueEntry[]>('mq.run', { rig: 'race', wait: true })
  assert.deepEqual(done.map((e) => e.state), ['merged', 'merged'])
  const files = filesAt(o)
  for (const f of ['theirs.txt', 'feature_a.txt', 'feature_b.txt']) assert.ok(files.includes(f), `${f} is on main`)
  assert.ok(firstParents(o, before).includes(theirs), 'the other push is on the first-parent history, not overwritten')
  for (const sha of firstParents(o, theirs)) assert.ok(checksPassAt(o, sha), `${sha.slice(0, 10)} passes`)
  const events = ctx.core.ledger.list({ subject: done[0].id }).map((e) => e.kind)
  assert.ok(events.includes('mq.retest'), `the request was tested again on the moved target (${events.join(', ')})`)
})

test("the user's working copy as origin, main checked out and clean: main moves forward, its files on disk updated", async () => {
  const o = workingCopyOrigin()
  await rigOn('local', o.source, {})
  pushBranch(o, 'feature/local')
  await call('mq.add', { rig: 'local', branches: ['feature/local'] })
  const [e] = await call<MergeQueueEntry[]>('mq.run', { rig: 'local', wait: true })
  assert.equal(e.state, 'merged', JSON.stringify(e.failure))
  assert.equal(sh(o.source, 'git', ['rev-parse', '--abbrev-ref', 'HEAD']).trim(), 'main', 'still on main')
  assert.ok(existsSync(join(o.source, 'feature_local.txt')), 'the merged file is in the working copy')
  assert.equal(sh(o.source, 'git', ['status', '--porcelain']).trim(), '', 'the working copy is clean')
})

test("the working copy dirty: nothing changes under the user, the inbox says why, and it lands once clean", async () => {
  const o = workingCopyOrigin()
  await rigOn('dirty', o.source, {})
  pushBranch(o, 'feature/dirty')
  writeFileSync(join(o.source, 'README.md'), '# my uncommitted edit\n')
  const head = originSha(o)
  await call('mq.add', { rig: 'dirty', branches: ['feature/dirty'] })
  const [e] = await call<MergeQueueEntry[]>('mq.run', { rig: 'dirty', wait: true })
  assert.equal(e.state, 'pending', 'it waits, tested green, for the working copy')
  assert.equal(originSha(o), head, 'main did not move')
  assert.equal(readFileSync(join(o.source, 'README.md'), 'utf8'), '# my uncommitted edit\n', 'the edit is untouched')
  const alarm = (await call<InboxItem[]>('inbox.list', {})).find((i) => i.rig === 'dirty' && /cannot move main/.test(i.title))
  assert.ok(alarm, 'an inbox item says the refinery is blocked')
  assert.match(alarm!.body, /uncommitted|changes|dirty/i)
  assert.ok(alarm!.body.includes(o.source), 'it names the working copy')
  sh(o.source, 'git', ['checkout', '--', 'README.md'])
  const [after] = await call<MergeQueueEntry[]>('mq.run', { rig: 'dirty', wait: true })
  assert.equal(after.state, 'merged')
  assert.ok(existsSync(join(o.source, 'feature_dirty.txt')))
})

test("the user on another branch of their working copy: main is updated, their branch and files are not", async () => {
  const o = workingCopyOrigin()
  await rigOn('other', o.source, {})
  pushBranch(o, 'feature/other')
  sh(o.source, 'git', ['checkout', '-q', '-b', 'mine'])
  writeFileSync(join(o.source, 'scratch.txt'), 'not committed\n')
  const mine = originSha(o, 'mine')
  await call('mq.add', { rig: 'other', branches: ['feature/other'] })
  const [e] = await call<MergeQueueEntry[]>('mq.run', { rig: 'other', wait: true })
  assert.equal(e.state, 'merged', JSON.stringify(e.failure))
  assert.ok(filesAt(o, 'main').includes('feature_other.txt'), 'main has the request')
  assert.equal(sh(o.source, 'git', ['rev-parse', '--abbrev-ref', 'HEAD']).trim(), 'mine', 'still on their branch')
  assert.equal(originSha(o, 'mine'), mine, 'their branch did not move')
  assert.ok(!existsSync(join(o.source, 'feature_other.txt')), 'their working files are untouched')
  assert.equal(readFileSync(join(o.source, 'scratch.txt'), 'utf8'), 'not committed\n')
})

test('gated: a green batch waits in the inbox with its diff; Approve lands it, Deny sends it back with the reason', async () => {
  const o = bareOrigin()
  await rigOn('gate', o.source, { merge_mode: 'gated' })
  const events: CoreEvent[] = []
  const off = ctx.core.connect({ id: 'gate-view', send: (e) => events.push(e) })
  try {
    pushBranch(o, 'feature/g1')
    pushBranch(o, 'feature/g2')
    const before = originSha(o)
    await call('mq.add', { rig: 'gate', branches: ['feature/g1', 'feature/g2'] })
    const waiting = await call<MergeQueueEntry[]>('mq.run', { rig: 'gate', wait: true })
    assert.deepEqual(waiting.map((e) => e.state), ['awaiting_approval', 'awaiting_approval'])
    assert.equal(originSha(o), before, 'nothing merged without approval')
    const item = (await call<InboxItem[]>('inbox.list', {})).find((i) => i.kind === 'merge' && i.rig === 'gate')!
    assert.ok(item, 'a merge item in the inbox')
    assert.deepEqual(item.merge?.requests.sort(), waiting.map((e) => e.id).sort())
    assert.match(item.diffStat ?? '', /feature_g1\.txt/, 'the item carries the diff stat')
    await assert.rejects(call('inbox.ack', { id: item.id }), /waiting for a decision/)
    assert.ok(events.some((e) => e.type === 'mq.entry' && e.entry.state === 'awaiting_approval'), 'views hear of each entry as it changes')

    await call('inbox.approve', { id: item.id })
    const landed = await eventually(async () => {
      await ctx.core.refinery.idle('gate')
      const l = await call<MergeQueueEntry[]>('mq.list', { rig: 'gate' })
      return l.every((e) => e.state === 'merged') ? l : null
    }, 'the approved batch to land')
    assert.equal(new Set(landed.map((e) => e.mergedSha)).size, 1, 'one landing')
    assert.equal(firstParents(o, before).length, 1, 'one first-parent commit for the batch')

    pushBranch(o, 'feature/g3')
    await call('mq.add', { rig: 'gate', branches: ['feature/g3'] })
    await call('mq.run', { rig: 'gate', wait: true })
    const next = (await call<InboxItem[]>('inbox.list', {})).find((i) => i.kind === 'merge' && i.rig === 'gate' && i.status === 'open')!
    await call('inbox.deny', { id: next.id, reason: 'rename the file first' })
    const [g3] = await call<MergeQueueEntry[]>('mq.list', { rig: 'gate', states: ['changes_requested'] })
    assert.equal(g3.branch, 'feature/g3')
    assert.equal(g3.failure?.message, 'rename the file first')
    assert.ok(!filesAt(o).includes('feature_g3.txt'))
    // Retried, it goes through again (and waits for approval again: its head was never approved).
    await call('mq.retry', { id: g3.id })
    const [again] = (await call<MergeQueueEntry[]>('mq.run', { rig: 'gate', wait: true })).filter((e) => e.id === g3.id)
    assert.equal(again.state, 'awaiting_approval')
  } finally {
    off()
  }
})

test('gt mq reject: the request leaves the queue for good, its merge-request bead closed with the reason', async () => {
  const o = bareOrigin()
  await rigOn('rej', o.source, { merge_mode: 'gated' })
  pushBranch(o, 'feature/r')
  const [e] = await call<MergeQueueEntry[]>('mq.add', { rig: 'rej', branches: ['feature/r'] })
  await call('mq.run', { rig: 'rej', wait: true })
  const r = await call<MergeQueueEntry>('mq.reject', { id: e.id, reason: 'not wanted' })
  assert.equal(r.state, 'rejected')
  const bead = await call<{ bead: { status: string; closeReason: string } }>('beads.show', { id: e.id })
  assert.equal(bead.bead.status, 'closed')
  assert.match(bead.bead.closeReason, /not wanted/)
  assert.equal((await call<InboxItem[]>('inbox.list', {})).filter((i) => i.kind === 'merge' && i.rig === 'rej').length, 0, 'its waiting batch item is closed')
  await assert.rejects(call('mq.reject', { id: 'gt-nope' }), /no merge request gt-nope/)
})
