// The work in flight survives a lost disk: a town with an open gated convoy (two beads, one closed), a
// molecule poured on a bead whose agent advanced one step with gt mol advance, a merge request waiting in
// its rig's queue, another sent back by a review comment, and a comment on the polecat's diff (with its
// REVIEW mail) writes all of it to the rig origin's gt/ledger; `gt town restore` builds a new town from
// that remote alone, where each comes back as it was (ids, states, order), and the restored control room
// goes on: its dispatcher offers the convoy's open bead again and, once approved, slings it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import type { Bead, ConvoyStatus, InboxItem, MergeQueueEntry, MoleculeInstance, Polecat, ReviewComment } from '../../src/shared/domain'
import { GT_SCRIPT, eventually, fakeAgentCmd, gitIdentityEnv, removeDir, requireBuild, sh, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { bareRemote, jsonl, ledgerFile } from './helpers'

const human = { caller: { kind: 'human' as const } }

/** Pushes a branch with one commit (a file of a few lines) to the bare remote: a branch the user made. */
function pushBranch(remote: string, branch: string, file: string): void {
  const dir = tempDir('user-branch')
  sh(dir, 'git', ['clone', '-q', remote, 'w'])
  const w = join(dir, 'w')
  sh(w, 'git', ['checkout', '-q', '-b', branch])
  writeFileSync(join(w, file), 'one\ntwo\nthree\n')
  sh(w, 'git', ['add', '-A'])
  sh(w, 'git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-qm', `${branch}: ${file}`])
  sh(w, 'git', ['push', '-q', 'origin', branch])
  removeDir(dir)
}

interface Captured {
  convoy: ReturnType<Core['convoys']['store']['find']>
  members: ReturnType<Core['convoys']['store']['members']>
  molecule: MoleculeInstance
  queue: MergeQueueEntry[]
  comments: ReviewComment[]
  mail: unknown
}

function capture(core: Core, ids: { convoy: string; molecule: string; mail: string }, pc: Polecat): Captured {
  return {
    convoy: core.convoys.store.find(ids.convoy),
    members: core.convoys.store.members(ids.convoy),
    molecule: core.molecules.get(ids.molecule),
    queue: core.mergeQueue.list({ rig: 'app' }),
    comments: core.reviews.list({ polecat: pc.id }).concat(core.db.prepare("SELECT id FROM review_comments WHERE target_kind = 'merge-request' ORDER BY id").all().map((r) => core.reviews.get((r as { id: string }).id))),
    mail: core.db.prepare('SELECT * FROM mail WHERE id = ?').get(ids.mail)
  }
}

test('gt town restore brings back convoys, poured molecules, the merge queue and review comments, and the restored town goes on with the convoy', async () => {
  requireBuild()
  gitIdentityEnv()
  const old = tempDir('town')
  const app = bareRemote()
  const cues = join(tempDir('cues'), 'cues')
  const fresh = join(tempDir('restored'), 'town')
  pushBranch(app, 'feature-a', 'a.txt')
  pushBranch(app, 'feature-b', 'b.txt')
  const dispatch = <T>(core: Core, method: string, params: unknown) => core.dispatch(method, params, human) as Promise<T>

  let core = await createCore({ town: old, gtScript: GT_SCRIPT })
  let before: Captured
  let ids: { convoy: string; molecule: string; mail: string }
  let pc: Polecat
  let open: Bead
  try {
    await dispatch(core, 'rigs.add', { name: 'app', source: app })
    // A target the origin does not have: the refinery leaves the requests waiting (and says why in the inbox).
    await dispatch(core, 'rigs.configure', { rig: 'app', key: 'target_branch', value: 'release' })

    const closed = await dispatch<Bead>(core, 'beads.create', { title: 'Done already', rig: 'app' })
    await dispatch(core, 'beads.close', { id: closed.id, reason: 'done by hand' })
    open = await dispatch<Bead>(core, 'beads.create', { title: 'Still to do', rig: 'app' })
    const convoy = await dispatch<ConvoyStatus>(core, 'convoys.create', {
      title: 'Two beads',
      beads: [closed.id, open.id],
      mode: 'gated',
      agentCmd: fakeAgentCmd(cues, [{ signal: 'convoy-{{GT_BEAD}}' }, { hang: true }])
    })
    await eventually(() => core.inbox.list({}).find((i: InboxItem) => i.kind === 'convoy' && i.status === 'open') ?? null, "the convoy's wave offered in the inbox")

    const bug = await dispatch<Bead>(core, 'beads.create', { title: 'The crash on save', rig: 'app' })
    const poured = await dispatch<MoleculeInstance>(core, 'molecules.pour', { name: 'bugfix', bead: bug.id, vars: {} })
    pc = await dispatch<Polecat>(core, 'sling', {
      bead: bug.id,
      rig: 'app',
      agentCmd: fakeAgentCmd(cues, [
        { write: { path: 'repro.txt', content: 'save\ncrash\n' } },
        { commit: 'Reproduce the crash' },
        { run: 'gt mol advance --summary "reproduced: save crashes" > /dev/null' },
        { signal: 'advanced' },
        { hang: true }
      ])
    })
    await waitForFile(join(cues, 'advanced'))
    const onPolecat = await dispatch<ReviewComment>(core, 'review.comment', { polecat: pc.id, path: 'repro.txt', line: 2, side: 'new', section: 'committed', body: 'Say which file crashes.' })

    const [mrA, mrB] = await dispatch<MergeQueueEntry[]>(core, 'mq.add', { rig: 'app', branches: ['feature-a', 'feature-b'] })
    await core.refinery.idle('app')
    await dispatch(core, 'review.comment', { mergeRequest: mrB.id, path: 'b.txt', line: 2, side: 'new', section: 'committed', body: 'Two is the wrong word here.' })
    await core.refinery.idle('app')
    ids = { convoy: convoy.id, molecule: poured.id, mail: onPolecat.mailId! }
    before = capture(core, ids, pc)
    // What this test is about, as it was when the disk was lost.
    assert.deepEqual(before.members.map((m) => m.bead_id), [closed.id, open.id])
    assert.equal(before.convoy!.state, 'open')
    assert.deepEqual(before.molecule.steps.map((s) => s.state).slice(0, 2), ['done', 'current'])
    assert.deepEqual(before.queue.map((e) => [e.id, e.state]), [[mrA.id, 'pending'], [mrB.id, 'changes_requested']])
    assert.equal(before.comments.length, 2)
    assert.equal((before.mail as { delivered_at: string | null }).delivered_at, null, 'the REVIEW mail the agent has not read yet')

    const flushed = await core.ledgerSync.flush()
    assert.deepEqual(flushed.failed, [])
    // Town records beside the others; Beads' own files stay Beads' (issues.jsonl has no convoy rows).
    assert.deepEqual(jsonl(ledgerFile(app, 'gt-convoys.jsonl')).map((c) => c.id), [convoy.id])
    assert.deepEqual(jsonl(ledgerFile(app, 'gt-molecules.jsonl')).map((m) => m.id), [poured.id])
    assert.deepEqual(jsonl(ledgerFile(app, 'gt-merge-requests.jsonl')).map((q) => q.id).sort(), [mrA.id, mrB.id].sort())
    assert.equal(jsonl(ledgerFile(app, 'gt-review-comments.jsonl')).length, 2)
    for (const i of jsonl(ledgerFile(app, 'issues.jsonl'))) assert.deepEqual(Object.keys(i).filter((k) => /convoy|molecule|merge_queue|review/.test(k)), [])
  } finally {
    await core.close()
  }
  // The disk is gone: only the remote is left.
  removeDir(old)
  const last = before

  const restore = await runGt(['town', 'restore', '--from', app, '--town', fresh], {})
  assert.equal(restore.code, 0, restore.stderr)
  assert.match(restore.stdout, /\n {2}1 convoy, 1 poured molecule, 2 merge requests, 2 review comments\n/)
  // Recovery would resume the molecule's agent, which walks its script again: held off here.
  writeFileSync(join(fresh, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 3600 }))

  core = await createCore({ town: fresh, gtScript: GT_SCRIPT })
  try {
    const after = capture(core, ids, pc)
    assert.deepEqual(after.convoy, last.convoy, 'the convoy, open, with its settings')
    assert.deepEqual(after.members, last.members, 'its beads in their order, with what the dispatcher decided')
    assert.deepEqual(after.molecule, last.molecule, 'the molecule with its steps in order, one done, the next current')
    assert.equal(after.molecule.current, before.molecule.current)
    assert.deepEqual(after.queue, last.queue, 'the queue: one request waiting, one sent back by the review')
    assert.deepEqual(core.mergeQueue.waiting('app').map((e) => e.id), [last.queue.find((e) => e.state === 'pending')!.id], 'the refinery takes the waiting one')
    assert.deepEqual(after.comments, last.comments, "the engineer's comments, with their REVIEW mail")
    assert.deepEqual(after.mail, last.mail, 'unread still: the resumed agent gets it (gt mail check, gt prime)')
    assert.deepEqual(last.comments.map((c) => c.body).sort(), ['Say which file crashes.', 'Two is the wrong word here.'])

    // The restored town's dispatcher has the convoy: its open bead's wave is offered again (the lost
    // town's inbox is not on the branch), and once approved the bead is slung with the convoy's agent.
    const wave = await eventually(() => core.inbox.list({}).find((i: InboxItem) => i.kind === 'convoy' && i.status === 'open') ?? null, 'the wave offered again by the restored dispatcher')
    assert.deepEqual(wave.convoy?.beads, [open.id])
    await dispatch(core, 'inbox.approve', { id: wave.id })
    await waitForFile(join(cues, `convoy-${open.id}`), 30_000)
    const status = await eventually(async () => {
      const s = await dispatch<ConvoyStatus>(core, 'convoys.status', { id: ids.convoy })
      return s.beads.find((b) => b.id === open.id)?.state === 'working' ? s : null
    }, 'the open bead worked on in the restored town')
    assert.equal(status.state, 'open')
    assert.equal(core.ledger.list({ kinds: ['convoy.slung'] }).filter((e) => (e.data as { bead: string }).bead === open.id).length, 1)
  } finally {
    await core.close()
    removeDir(join(fresh, '..'))
    removeDir(join(app, '..'))
    removeDir(join(cues, '..'))
  }
})
