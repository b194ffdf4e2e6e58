// Moving the target with a compare-and-swap, against real origins: a bare one (also as a file:// URL), a
// push that lands between the read and the update (kept, reported as moved), the user's own working copy
// with the target checked out (fast-forwarded when clean, files on disk updated; blocked and untouched when
// dirty or mid-merge), the target checked out in a linked worktree of it, and a user on another branch
// (a normal push; their branch and files untouched).
import { isolateGitHome, commitFiles, fetchRepo, git, makeRig, pushBranch, revParse, writeFiles, type Rig } from './git-fixture'
isolateGitHome()
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildCandidate } from '../../src/main/core/refinery/candidate'
import { INCOMING_REF, localRemotePath, remoteTargetSha, updateTarget } from '../../src/main/core/refinery/target-update'

const REFINERY = { name: 'Gas Town Refinery', email: 'refinery@gastown.invalid' }

/** A candidate for one pushed branch on the current main of origin: what the refinery would land. */
async function candidate(rig: Rig, id: string, files: Record<string, string>) {
  const base = revParse(rig.repo, 'refs/remotes/origin/main')
  pushBranch(rig, `polecat/${id}`, base, [files])
  fetchRepo(rig)
  const r = await buildCandidate({
    repo: rig.repo,
    scratch: rig.scratch,
    targetBranch: 'main',
    targetSha: base,
    requests: [{ id, branch: `polecat/${id}`, ref: `refs/remotes/origin/polecat/${id}`, title: id }],
    strategy: 'merge',
    identity: REFINERY
  })
  assert.equal(r.applied.length, 1)
  return { expectedSha: base, newSha: r.sha }
}

const input = (rig: Rig, c: { expectedSha: string; newSha: string }) => ({ repo: rig.repo, remote: 'origin', targetBranch: 'main', ...c })
const hasRef = (dir: string, ref: string) => git(dir, 'for-each-ref', '--format=%(refname)', ref) !== ''

test('bare origin: the target moves by a lease push, and the clone’s origin/main follows', async () => {
  const rig = makeRig('bare')
  try {
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    assert.equal(await remoteTargetSha(rig.repo, 'origin', 'main'), c.expectedSha)
    assert.deepEqual(await updateTarget(input(rig, c)), { status: 'updated', how: 'push', sha: c.newSha })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), c.newSha)
    assert.equal(revParse(rig.repo, 'refs/remotes/origin/main'), c.newSha, 'fetched into the clone')
    assert.equal(await remoteTargetSha(rig.repo, 'origin', 'main'), c.newSha)
    assert.equal(await remoteTargetSha(rig.repo, 'origin', 'no-such-branch'), null)

    // The same origin named by a file:// URL is still a plain push.
    git(rig.repo, 'remote', 'set-url', 'origin', `file://${rig.origin}`)
    const d = await candidate(rig, 'b', { 'b.txt': 'b\n' })
    assert.deepEqual(await updateTarget(input(rig, d)), { status: 'updated', how: 'push', sha: d.newSha })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), d.newSha)
  } finally {
    rig.cleanup()
  }
})

test('a push between the read and the update: moved, the other push kept, nothing overwritten', async () => {
  const rig = makeRig('bare')
  try {
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    // Someone else pushes main after the refinery read it.
    git(rig.dev, 'fetch', '-q', 'origin')
    git(rig.dev, 'checkout', '-q', '-B', 'main', 'origin/main')
    const theirs = commitFiles(rig.dev, { 'theirs.txt': 'pushed by a human\n' }, 'a human pushes')
    git(rig.dev, 'push', '-q', 'origin', 'main')
    assert.deepEqual(await updateTarget(input(rig, c)), { status: 'moved', actualSha: theirs })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), theirs, 'their push is kept')
    // Even a candidate that descends from nothing they pushed is refused: the lease is on the sha, not on ancestry.
    assert.deepEqual(await updateTarget(input(rig, { expectedSha: c.expectedSha, newSha: c.expectedSha })), { status: 'moved', actualSha: theirs })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), theirs)
  } finally {
    rig.cleanup()
  }
})

test('the user’s working copy with the target checked out and clean: fast-forwarded, files on disk updated', async () => {
  const rig = makeRig('working-copy')
  try {
    const c = await candidate(rig, 'a', { 'a.txt': 'from the queue\n', 'README.md': '# rig\nupdated\n' })
    writeFileSync(join(rig.origin, 'notes.local'), 'an untracked file of the user\n')
    // A plain push is what desktop tools do: git refuses it (the silent failure this code exists for).
    assert.throws(() => git(rig.repo, 'push', 'origin', `${c.newSha}:refs/heads/main`), /checked out/)
    assert.deepEqual(await updateTarget(input(rig, c)), { status: 'updated', how: 'working-copy-fast-forward', sha: c.newSha })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), c.newSha)
    assert.equal(git(rig.origin, 'symbolic-ref', 'HEAD'), 'refs/heads/main', 'still on their branch')
    assert.equal(readFileSync(join(rig.origin, 'a.txt'), 'utf8'), 'from the queue\n', 'the files on disk follow')
    assert.equal(readFileSync(join(rig.origin, 'README.md'), 'utf8'), '# rig\nupdated\n')
    assert.equal(readFileSync(join(rig.origin, 'notes.local'), 'utf8'), 'an untracked file of the user\n')
    assert.equal(git(rig.origin, 'status', '--porcelain', '--untracked-files=no'), '', 'nothing left uncommitted')
    assert.ok(!hasRef(rig.origin, INCOMING_REF), 'the hidden ref is gone')
    assert.equal(revParse(rig.repo, 'refs/remotes/origin/main'), c.newSha, 'fetched into the clone')
  } finally {
    rig.cleanup()
  }
})

test('the working copy dirty (a change, a staged change, a merge in progress): blocked, naming it, nothing changed', async () => {
  const rig = makeRig('working-copy')
  try {
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    writeFileSync(join(rig.origin, 'README.md'), 'the user is editing this\n')
    const r = await updateTarget(input(rig, c))
    assert.equal(r.status, 'blocked')
    assert.equal(r.status === 'blocked' && r.path, rig.origin)
    assert.match(r.status === 'blocked' ? r.reason : '', new RegExp(`main is checked out in ${rig.origin} with uncommitted changes \\(M README\\.md\\)`))
    assert.equal(revParse(rig.origin, 'refs/heads/main'), c.expectedSha, 'the target did not move')
    assert.equal(readFileSync(join(rig.origin, 'README.md'), 'utf8'), 'the user is editing this\n', 'their edit is as they left it')
    assert.ok(!hasRef(rig.origin, INCOMING_REF), 'nothing was sent')

    git(rig.origin, 'add', 'README.md')
    assert.match((await updateTarget(input(rig, c))).status, /blocked/, 'a staged change blocks too')
    git(rig.origin, 'reset', '-q', '--hard')

    // A merge stopped on a conflict in their copy.
    git(rig.origin, 'checkout', '-q', '-b', 'side')
    commitFiles(rig.origin, { 'shared.txt': 'side\n' }, 'side')
    git(rig.origin, 'checkout', '-q', 'main')
    commitFiles(rig.origin, { 'shared.txt': 'main\n' }, 'main')
    const mainNow = revParse(rig.origin, 'HEAD')
    assert.throws(() => git(rig.origin, 'merge', 'side'))
    const blocked = await updateTarget(input(rig, { ...c, expectedSha: mainNow }))
    assert.equal(blocked.status, 'blocked')
    assert.match(blocked.status === 'blocked' ? blocked.reason : '', /a merge is in progress/)
    assert.equal(revParse(rig.origin, 'refs/heads/main'), mainNow)
  } finally {
    rig.cleanup()
  }
})

test('the working copy’s target moved (the user committed): moved, and a commit made while the candidate is sent stops it', async () => {
  const rig = makeRig('working-copy')
  try {
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    const mine = commitFiles(rig.origin, { 'mine.txt': 'the user commits\n' }, 'the user commits on main')
    writeFileSync(join(rig.origin, 'mine.txt'), 'and goes on editing\n')
    // Moved wins over dirty: the candidate is stale whatever the user does next; it is rebuilt, not waited on.
    assert.deepEqual(await updateTarget(input(rig, c)), { status: 'moved', actualSha: mine })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), mine)
    assert.ok(!hasRef(rig.origin, INCOMING_REF))
    git(rig.origin, 'checkout', '-q', '--', 'mine.txt')

    // The user commits exactly while the candidate arrives (a hook on the hidden ref makes that commit).
    git(rig.repo, 'fetch', '-q', 'origin')
    const c3 = await candidate(rig, 'c', { 'c.txt': 'c\n' })
    const hook = join(rig.origin, '.git', 'hooks', 'post-receive')
    writeFileSync(
      hook,
      `#!/bin/sh\nunset GIT_DIR GIT_QUARANTINE_PATH\ncd ${JSON.stringify(rig.origin)} && echo late > late.txt && git add late.txt && GIT_AUTHOR_NAME=u GIT_AUTHOR_EMAIL=u@u GIT_COMMITTER_NAME=u GIT_COMMITTER_EMAIL=u@u git commit -q -m late\n`,
      { mode: 0o755 }
    )
    const r = await updateTarget(input(rig, c3))
    assert.equal(r.status, 'moved')
    const late = revParse(rig.origin, 'refs/heads/main')
    assert.notEqual(late, c3.expectedSha)
    assert.equal(r.status === 'moved' && r.actualSha, late)
    assert.equal(git(rig.origin, 'log', '-1', '--format=%s', 'main'), 'late', 'their commit is kept')
    assert.ok(!hasRef(rig.origin, INCOMING_REF))
  } finally {
    rig.cleanup()
  }
})

test('the target checked out in a linked worktree of the origin: that worktree is fast-forwarded, the main one untouched', async () => {
  const rig = makeRig('working-copy')
  try {
    git(rig.origin, 'checkout', '-q', '-b', 'feature')
    writeFiles(rig.origin, { 'README.md': 'feature work, uncommitted\n' })
    const linked = join(rig.root, 'user-main')
    git(rig.origin, 'worktree', 'add', '-q', linked, 'main')
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    assert.deepEqual(await updateTarget(input(rig, c)), { status: 'updated', how: 'working-copy-fast-forward', sha: c.newSha })
    assert.equal(readFileSync(join(linked, 'a.txt'), 'utf8'), 'a\n', 'the linked worktree’s files follow')
    assert.equal(git(linked, 'status', '--porcelain'), '')
    assert.equal(git(rig.origin, 'symbolic-ref', 'HEAD'), 'refs/heads/feature')
    assert.equal(readFileSync(join(rig.origin, 'README.md'), 'utf8'), 'feature work, uncommitted\n', 'the main worktree’s edit is untouched')

    writeFileSync(join(linked, 'a.txt'), 'edited in the linked worktree\n')
    const d = await candidate(rig, 'b', { 'b.txt': 'b\n' })
    const r = await updateTarget(input(rig, d))
    assert.equal(r.status, 'blocked')
    assert.equal(r.status === 'blocked' && r.path, linked, 'the blocked path is the linked worktree')
    assert.equal(revParse(rig.origin, 'refs/heads/main'), c.newSha)
  } finally {
    rig.cleanup()
  }
})

test('the user on another branch: a normal push; their branch, HEAD and working files untouched', async () => {
  const rig = makeRig('working-copy')
  try {
    git(rig.origin, 'checkout', '-q', '-b', 'feature')
    const feature = commitFiles(rig.origin, { 'feature.txt': 'theirs\n' }, 'their feature')
    writeFiles(rig.origin, { 'README.md': 'editing on feature\n', 'scratch.local': 'untracked\n' })
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    assert.deepEqual(await updateTarget(input(rig, c)), { status: 'updated', how: 'push', sha: c.newSha })
    assert.equal(revParse(rig.origin, 'refs/heads/main'), c.newSha)
    assert.equal(git(rig.origin, 'symbolic-ref', 'HEAD'), 'refs/heads/feature')
    assert.equal(revParse(rig.origin, 'refs/heads/feature'), feature)
    assert.equal(readFileSync(join(rig.origin, 'README.md'), 'utf8'), 'editing on feature\n')
    assert.equal(readFileSync(join(rig.origin, 'scratch.local'), 'utf8'), 'untracked\n')
    assert.deepEqual(git(rig.origin, 'status', '--porcelain').split('\n').sort(), [' M README.md', '?? scratch.local'])
  } finally {
    rig.cleanup()
  }
})

test('receive.denyCurrentBranch=updateInstead: the target still moves, by fast-forward', async () => {
  const rig = makeRig('working-copy')
  try {
    git(rig.origin, 'config', 'receive.denyCurrentBranch', 'updateInstead')
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    const r = await updateTarget(input(rig, c))
    assert.equal(r.status, 'updated')
    assert.equal(readFileSync(join(rig.origin, 'a.txt'), 'utf8'), 'a\n')
  } finally {
    rig.cleanup()
  }
})

test('inputs are validated; a remote that is not there fails with its name', async () => {
  const rig = makeRig('bare')
  try {
    const c = await candidate(rig, 'a', { 'a.txt': 'a\n' })
    await assert.rejects(updateTarget({ ...input(rig, c), targetBranch: '--delete' }), /targetBranch must be a name/)
    await assert.rejects(updateTarget({ ...input(rig, c), targetBranch: 'a..b' }), /not a branch name git accepts/)
    await assert.rejects(updateTarget({ ...input(rig, c), newSha: 'HEAD' }), /newSha must be a full/)
    await assert.rejects(updateTarget({ ...input(rig, c), remote: '--upload-pack=x' }), /remote must be a name/)
    const r = await updateTarget({ ...input(rig, c), remote: 'upstream' })
    assert.equal(r.status, 'failed')
    assert.match(r.status === 'failed' ? r.reason : '', /has no remote upstream/)
    assert.equal(revParse(rig.origin, 'refs/heads/main'), c.expectedSha)
    assert.equal(localRemotePath('git@github.com:o/r.git', rig.repo), null)
    assert.equal(localRemotePath('https://example.com/r.git', rig.repo), null)
    assert.equal(localRemotePath(`file://${rig.origin}`, rig.repo), rig.origin)
    assert.equal(localRemotePath('../../../origin.git', rig.repo), rig.origin)
  } finally {
    rig.cleanup()
  }
})
