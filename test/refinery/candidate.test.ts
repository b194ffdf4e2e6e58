// Candidates built with real git: every strategy with batches of 1, 4 and 8 requests of which 0, 1 or 2
// conflict with the target; the first-parent rule (the target gains exactly one commit, whose tree is the
// tree the checks ran on); commits made without any global git identity; a missing branch, a request already
// merged, and a scratch worktree that was deleted, broken or left mid-rebase between builds.
import { isolateGitHome, commitFiles, fetchRepo, git, gitBare, makeRig, POLECAT, pushBranch, revParse, type Rig } from './git-fixture'
isolateGitHome()
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildCandidate, deriveCandidate, removeScratch, type CandidateRequest, type CandidateResult, type MergeStrategy } from '../../src/main/core/refinery/candidate'

const REFINERY = { name: 'Gas Town Refinery', email: 'refinery@gastown.invalid' }
const STRATEGIES: MergeStrategy[] = ['merge', 'rebase', 'squash']

/**
 * One rig for the batch cases: eight good branches (each its own file; two with two commits, one also
 * editing README.md), two branches that change shared.txt, and main moved after they branched so both
 * conflict with it. The target is that moved main.
 */
function setup() {
  const rig = makeRig()
  const base = revParse(rig.dev, 'origin/main')
  const heads = new Map<string, string>()
  const commits = new Map<string, number>()
  for (let n = 1; n <= 8; n++) {
    const steps: Record<string, string>[] = [{ [`good/g${n}.txt`]: `g${n}\n` }]
    if (n === 2 || n === 5) steps.push({ [`good/g${n}.txt`]: `g${n}\nmore\n` })
    if (n === 5) steps[0]['README.md'] = '# rig\nby g5\n'
    heads.set(`g${n}`, pushBranch(rig, `polecat/g${n}`, base, steps))
    commits.set(`g${n}`, steps.length)
  }
  for (const c of ['c1', 'c2']) heads.set(c, pushBranch(rig, `polecat/${c}`, base, [{ 'shared.txt': `line one\n${c} was here\nline three\n` }]))
  git(rig.dev, 'checkout', '-q', 'main')
  commitFiles(rig.dev, { 'shared.txt': 'line one\nmain changed this\nline three\n' }, 'main moves on')
  git(rig.dev, 'push', '-q', 'origin', 'main')
  fetchRepo(rig)
  return { rig, target: revParse(rig.repo, 'origin/main'), heads, commits }
}

const fx = setup()
after(() => fx.rig.cleanup())

const req = (id: string): CandidateRequest => ({ id, branch: `polecat/${id}`, ref: `refs/remotes/origin/polecat/${id}`, title: `Work ${id}` })

/** A batch of `size` requests of which `conflicts` conflict, the conflicting ones spread through it. */
function batch(size: number, conflicts: number): string[] {
  const goods = Array.from({ length: size - conflicts }, (_, k) => `g${k + 1}`)
  const ids = [...goods]
  if (conflicts >= 1) ids.splice(Math.min(1, ids.length), 0, 'c1')
  if (conflicts >= 2) ids.push('c2') // last: nothing after it puts the worktree back on the candidate
  return ids
}

/** The identity git itself would commit with here, if any. */
function gitIdent(dir: string): string {
  try {
    return gitBare(dir, 'var', 'GIT_COMMITTER_IDENT')
  } catch {
    return '(none)'
  }
}

const parentsOf = (dir: string, sha: string) => git(dir, 'rev-list', '--parents', '-n', '1', sha).split(' ').slice(1)

/** The first-parent rule and the shape each strategy promises, against what git holds. */
function checkShape(rig: Rig, target: string, strategy: MergeStrategy, r: CandidateResult, goods: string[]) {
  const gained = git(rig.repo, 'rev-list', '--first-parent', `${target}..${r.sha}`).split('\n').filter(Boolean)
  assert.equal(revParse(rig.scratch, 'HEAD'), r.sha, 'the scratch worktree holds the candidate (what the checks run on)')
  assert.equal(git(rig.scratch, 'status', '--porcelain', '--untracked-files=all'), '', 'the scratch worktree is clean')
  if (goods.length === 0) {
    assert.equal(r.sha, target, 'nothing applied: the candidate is the target')
    return
  }
  assert.equal(gained.length, 1, `${strategy}: the target's first-parent history gains exactly one commit`)
  assert.equal(gained[0], r.sha)
  assert.equal(revParse(rig.repo, `${r.sha}^{tree}`), r.tree, 'the tree reported is the candidate commit’s')
  assert.equal(revParse(rig.scratch, 'HEAD^{tree}'), r.tree)
  const parents = parentsOf(rig.repo, r.sha)
  assert.equal(parents[0], target, 'the first parent is the target the candidate was built on')
  const totalCommits = goods.reduce((n, id) => n + (fx.commits.get(id) as number), 0)
  if (strategy === 'merge') assert.deepEqual(parents, [target, ...goods.map((id) => fx.heads.get(id))], 'one commit merging every applied head, in order')
  else {
    const chainLength = strategy === 'rebase' ? totalCommits : goods.length
    if (chainLength === 1) assert.deepEqual(parents, [target], `${strategy}: one commit gained is the candidate itself (linear)`)
    else {
      assert.equal(parents.length, 2, `${strategy}: more commits get one merge commit on top`)
      assert.equal(revParse(rig.repo, `${parents[1]}^{tree}`), r.tree, 'the merge commit has the chain’s tree')
      assert.equal(Number(git(rig.repo, 'rev-list', '--count', `${target}..${parents[1]}`)), chainLength, 'the chain holds each commit once')
    }
  }
}

/** The tested tree holds exactly the good requests' changes on top of the target. */
function checkContent(rig: Rig, r: CandidateResult, goods: string[]) {
  const files = git(rig.repo, 'ls-tree', '-r', '--name-only', r.sha).split('\n')
  for (let n = 1; n <= 8; n++) assert.equal(files.includes(`good/g${n}.txt`), goods.includes(`g${n}`), `good/g${n}.txt is in the candidate iff g${n} applied`)
  assert.equal(git(rig.repo, 'show', `${r.sha}:shared.txt`), 'line one\nmain changed this\nline three', 'the target’s change stays; no conflicting change got in')
  if (goods.includes('g2')) assert.equal(git(rig.repo, 'show', `${r.sha}:good/g2.txt`), 'g2\nmore', 'both commits of a two-commit branch')
  assert.equal(git(rig.repo, 'show', `${r.sha}:README.md`), goods.includes('g5') ? '# rig\nby g5' : '# rig')
}

for (const strategy of STRATEGIES)
  for (const size of [1, 4, 8])
    for (const conflicts of [0, 1, 2].filter((c) => c < size || (size === 1 && c === 1)).filter((c) => !(size === 1 && c > 1))) {
      test(`${strategy}: a batch of ${size} with ${conflicts} conflicting`, async (t) => {
        const { rig, target } = fx
        const ids = batch(size, conflicts)
        const goods = ids.filter((id) => id.startsWith('g'))
        const mainBefore = revParse(rig.repo, 'refs/heads/main')
        const started = performance.now()
        const r = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: ids.map(req), strategy, identity: REFINERY })
        t.diagnostic(`${strategy} ${size}/${conflicts}: ${Math.round(performance.now() - started)} ms`)
        assert.deepEqual(
          r.applied.map((a) => a.id),
          goods,
          'the good requests apply, in order'
        )
        assert.deepEqual(
          r.applied.map((a) => a.headSha),
          goods.map((id) => fx.heads.get(id))
        )
        assert.ok(r.applied.every((a) => !a.empty))
        assert.deepEqual(
          r.conflicts.map((c) => c.id),
          ids.filter((id) => id.startsWith('c'))
        )
        for (const c of r.conflicts) {
          assert.deepEqual(c.files, ['shared.txt'], 'the conflicting file is named')
          assert.equal(c.headSha, fx.heads.get(c.id))
          assert.match(c.message, new RegExp(`polecat/${c.id} \\(${c.headSha.slice(0, 10)}\\) does not apply on main .*: conflicts in shared\\.txt`))
        }
        assert.deepEqual(r.missing, [])
        checkShape(rig, target, strategy, r, goods)
        checkContent(rig, r, goods)
        assert.equal(revParse(rig.repo, 'refs/heads/main'), mainBefore, 'the target branch itself is never touched')
        assert.equal(revParse(rig.repo, 'refs/remotes/origin/main'), target)
      })
    }

test('rebase and squash of one single-commit request: the candidate is that commit, linear', async () => {
  const { rig, target } = fx
  for (const strategy of ['rebase', 'squash'] as const) {
    const r = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g1')], strategy, identity: REFINERY })
    assert.deepEqual(parentsOf(rig.repo, r.sha), [target], strategy)
    checkContent(rig, r, ['g1'])
  }
  const two = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g2')], strategy: 'rebase', identity: REFINERY })
  assert.equal(parentsOf(rig.repo, two.sha).length, 2, 'a two-commit branch rebased gets the merge commit on top (semi-linear)')
})

test('commits carry the refinery identity with no global one; replayed commits keep their authors; messages', async () => {
  const { rig, target } = fx
  // This HOME has no git identity: git refuses to commit here, or makes one up from the host, never ours.
  assert.doesNotMatch(gitIdent(rig.scratch), /Gas Town Refinery/)
  const ident = (sha: string, fmt: string) => git(rig.repo, 'log', '-1', `--format=${fmt}`, sha)

  const merged = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g1'), req('g2')], strategy: 'merge', identity: REFINERY })
  assert.equal(ident(merged.sha, '%an <%ae>|%cn <%ce>'), `${REFINERY.name} <${REFINERY.email}>|${REFINERY.name} <${REFINERY.email}>`)
  assert.match(ident(merged.sha, '%B'), /^Merge 2 requests into main\n\n\* Work g1 \(polecat\/g1\)\n\* Work g2 \(polecat\/g2\)\n\nMerge-Request: g1\nMerge-Request: g2/)

  const rebased = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g1'), req('g2')], strategy: 'rebase', identity: REFINERY })
  const chain = git(rig.repo, 'rev-list', '--reverse', `${target}..${rebased.sha}^2`).split('\n')
  assert.equal(chain.length, 3)
  for (const sha of chain) {
    assert.equal(ident(sha, '%an <%ae>'), `${POLECAT.name} <${POLECAT.email}>`, 'a replayed commit keeps its author')
    assert.equal(ident(sha, '%cn <%ce>'), `${REFINERY.name} <${REFINERY.email}>`, 'and the refinery commits it')
  }
  assert.equal(ident(rebased.sha, '%an|%cn'), `${REFINERY.name}|${REFINERY.name}`)

  const squashed = await buildCandidate({
    repo: rig.repo,
    scratch: rig.scratch,
    targetBranch: 'main',
    targetSha: target,
    requests: [req('g2'), req('g5')],
    strategy: 'squash',
    identity: REFINERY,
    message: (applied) => `Land ${applied.map((a) => a.id).join(' and ')}`
  })
  const [sq1, sq2] = git(rig.repo, 'rev-list', '--reverse', `${target}..${squashed.sha}^2`).split('\n')
  assert.equal(ident(sq1, '%B'), 'Work g2\n\n* polecat/g2: step 1\n* polecat/g2: step 2\n\nMerge-Request: g2')
  assert.equal(ident(sq2, '%an <%ae>'), `${REFINERY.name} <${REFINERY.email}>`)
  assert.equal(ident(squashed.sha, '%B'), 'Land g2 and g5', 'the message function writes the batch commit')
})

test('a missing branch is reported and the rest applies; a request already in the target is applied with no change', async () => {
  const { rig, target } = fx
  // g6 lands first on a new target; a batch holding it again, plus g7, plus a branch nobody pushed.
  const first = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g6')], strategy: 'merge', identity: REFINERY })
  for (const strategy of STRATEGIES) {
    const r = await buildCandidate({
      repo: rig.repo,
      scratch: rig.scratch,
      targetBranch: 'main',
      targetSha: first.sha,
      requests: [req('g6'), { ...req('gone'), title: 'never pushed' }, req('g7')],
      strategy,
      identity: REFINERY
    })
    assert.deepEqual(
      r.applied.map((a) => [a.id, a.empty]),
      [
        ['g6', true],
        ['g7', false]
      ],
      strategy
    )
    assert.deepEqual(
      r.missing.map((m) => m.id),
      ['gone']
    )
    assert.match(r.missing[0].message, /refs\/remotes\/origin\/polecat\/gone does not exist .*polecat\/gone/)
    assert.equal(git(rig.repo, 'rev-list', '--first-parent', '--count', `${first.sha}..${r.sha}`), '1')
    if (strategy === 'merge') assert.deepEqual(parentsOf(rig.repo, r.sha), [first.sha, fx.heads.get('g7')], 'an empty request is no parent')
  }
  // Only already-merged requests: nothing to land, the candidate is the target.
  const none = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: first.sha, requests: [req('g6')], strategy: 'rebase', identity: REFINERY })
  assert.equal(none.sha, first.sha)
  assert.deepEqual(none.applied, [{ id: 'g6', headSha: fx.heads.get('g6'), empty: true }])
})

test('rebase: a request whose changes the target already holds under other commits applies with no change', async () => {
  const { rig, target } = fx
  const picked = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g3')], strategy: 'rebase', identity: REFINERY })
  assert.notEqual(picked.sha, fx.heads.get('g3'), 'g3 was replayed: a new commit with the same change')
  const again = await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: picked.sha, requests: [req('g3'), req('g4')], strategy: 'rebase', identity: REFINERY })
  assert.deepEqual(
    again.applied.map((a) => [a.id, a.empty]),
    [
      ['g3', true],
      ['g4', false]
    ]
  )
  assert.deepEqual(parentsOf(rig.repo, again.sha), [picked.sha], 'only g4’s commit: linear')
})

test('the scratch worktree: made again when deleted or broken, cleaned of a killed rebase and of stray files', async () => {
  const { rig, target } = fx
  const build = () => buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g1'), req('c1'), req('g2')], strategy: 'rebase', identity: REFINERY })
  const expected = (await build()).tree

  rmSync(rig.scratch, { recursive: true, force: true })
  assert.equal((await build()).tree, expected, 'deleted: made again')
  assert.ok(git(rig.repo, 'worktree', 'list', '--porcelain').includes(`worktree ${rig.scratch}\n`), 'registered in the clone')

  rmSync(join(rig.scratch, '.git'))
  assert.equal((await build()).tree, expected, 'its .git file gone: made again')

  // A refinery killed mid-rebase: a conflict left in progress, an index.lock, stray and ignored files.
  // The worktree is cleaned where it is, not made again (the same folder).
  const inode = statSync(rig.scratch).ino
  git(rig.scratch, 'checkout', '-q', '--detach', target)
  assert.throws(() => git(rig.scratch, 'rebase', target, fx.heads.get('c1') as string))
  const gitDir = git(rig.scratch, 'rev-parse', '--absolute-git-dir')
  assert.ok(existsSync(join(gitDir, 'rebase-merge')))
  writeFileSync(join(gitDir, 'index.lock'), '')
  writeFileSync(join(rig.scratch, 'stray.txt'), 'left by a check\n')
  writeFileSync(join(rig.scratch, '.gitignore'), 'node_modules\n')
  mkdirSync(join(rig.scratch, 'node_modules'))
  const r = await build()
  assert.equal(r.tree, expected, 'a killed build’s state is cleared')
  assert.ok(!existsSync(join(rig.scratch, 'stray.txt')) && !existsSync(join(rig.scratch, 'node_modules')))
  assert.ok(!existsSync(join(gitDir, 'rebase-merge')))
  assert.equal(statSync(rig.scratch).ino, inode, 'reused in place')

  await removeScratch(rig.repo, rig.scratch)
  assert.ok(!existsSync(rig.scratch))
  assert.ok(!git(rig.repo, 'worktree', 'list', '--porcelain').includes(rig.scratch), 'its registration goes too')
  await removeScratch(rig.repo, rig.scratch) // nothing there: nothing to do
})

test('a scratch folder that is someone else’s is refused and left as it was', async () => {
  const { rig, target } = fx
  const input = (scratch: string) => ({ repo: rig.repo, scratch, targetBranch: 'main', targetSha: target, requests: [req('g1')], strategy: 'merge' as const, identity: REFINERY })
  const folder = join(rig.root, 'notes')
  mkdirSync(folder)
  writeFileSync(join(folder, 'todo.txt'), 'mine\n')
  await assert.rejects(buildCandidate(input(folder)), /exists and is not a worktree of .*choose another folder/)
  assert.equal(readFileSync(join(folder, 'todo.txt'), 'utf8'), 'mine\n')

  const polecat = join(rig.root, 'polecat-wt')
  git(rig.repo, 'worktree', 'add', '-q', '-b', 'polecat/busy', polecat, target)
  writeFileSync(join(polecat, 'wip.txt'), 'work in progress\n')
  await assert.rejects(buildCandidate(input(polecat)), /has polecat\/busy checked out, so it is someone's worktree/)
  await assert.rejects(removeScratch(rig.repo, polecat), /someone's worktree/)
  assert.equal(readFileSync(join(polecat, 'wip.txt'), 'utf8'), 'work in progress\n')
  await assert.rejects(buildCandidate(input(rig.repo)), /is the repository/)
})

test('inputs are validated: the target must be a commit there, names carry no options or control characters', async () => {
  const { rig, target } = fx
  const base = { repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: [req('g1')], strategy: 'merge' as MergeStrategy, identity: REFINERY }
  await assert.rejects(buildCandidate({ ...base, targetSha: 'f'.repeat(40) }), /is not a commit in .*fetch it first/)
  await assert.rejects(buildCandidate({ ...base, targetSha: 'main' }), /targetSha must be a full/)
  await assert.rejects(buildCandidate({ ...base, strategy: 'octopus' as MergeStrategy }), /strategy must be one of rebase, merge, squash/)
  await assert.rejects(buildCandidate({ ...base, requests: [{ ...req('g1'), ref: '--upload-pack=x' }] }), /starts with '-'/)
  await assert.rejects(buildCandidate({ ...base, requests: [{ ...req('g1'), ref: 'refs/heads/a\nHEAD' }] }), /control character \(U\+000a\)/)
  await assert.rejects(buildCandidate({ ...base, requests: [req('g1'), req('g1')] }), /request g1 is in the batch twice/)
  await assert.rejects(buildCandidate({ ...base, identity: { name: 'x', email: '' } }), /identity.email must be a non-empty string/)
})

test('a batch of 8 builds well under 2 s (measured, not asserted tightly: the machine is shared)', async (t) => {
  const { rig, target } = fx
  const ids = batch(8, 0)
  for (const strategy of STRATEGIES) {
    await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: ids.map(req), strategy, identity: REFINERY })
    const started = performance.now()
    await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: ids.map(req), strategy, identity: REFINERY })
    const ms = performance.now() - started
    t.diagnostic(`${strategy}: 8 requests in ${Math.round(ms)} ms`)
    assert.ok(ms < 10_000, `${strategy}: 8 requests took ${Math.round(ms)} ms`)
  }
})

test('probes built side by side, each in its own scratch folder, give the same candidates as one at a time', async () => {
  const { rig, target } = fx
  const ids = batch(8, 1)
  const input = (k: number, scratch: string) => ({ repo: rig.repo, scratch, targetBranch: 'main', targetSha: target, requests: ids.slice(0, k).map(req), strategy: 'rebase' as const, identity: REFINERY })
  const folders = [2, 4, 8].map((k) => join(rig.root, 'rigs', 'r', `refinery-${k}`))
  const together = await Promise.all([2, 4, 8].map((k, n) => buildCandidate(input(k, folders[n]))))
  for (const [n, k] of [2, 4, 8].entries()) {
    const alone = await buildCandidate(input(k, rig.scratch))
    assert.equal(together[n].tree, alone.tree, `prefix ${k}`)
    assert.deepEqual(together[n].applied, alone.applied)
    assert.equal(revParse(folders[n], 'HEAD'), together[n].sha, 'each folder holds its own candidate')
  }
  for (const f of folders) await removeScratch(rig.repo, f)
})

test('a prefix derived from a longer build is the candidate building it alone gives: same tree, same parents, the folder holds it', async () => {
  const { rig, target } = fx
  const ids = batch(8, 0)
  for (const strategy of STRATEGIES) {
    const input = (k: number, scratch: string) => ({ repo: rig.repo, scratch, targetBranch: 'main', targetSha: target, requests: ids.slice(0, k).map(req), strategy, identity: REFINERY })
    const full = await buildCandidate(input(8, rig.scratch))
    for (const k of [1, 3, 5, 8]) {
      const folder = join(rig.root, 'rigs', 'r', `derived-${strategy}-${k}`)
      const derived = await deriveCandidate(input(k, folder), full)
      const alone = await buildCandidate(input(k, join(rig.root, 'rigs', 'r', `alone-${strategy}-${k}`)))
      assert.equal(derived.tree, alone.tree, `${strategy} prefix ${k}: the tree`)
      assert.deepEqual(derived.applied, alone.applied, `${strategy} prefix ${k}: the requests applied`)
      const parents = (sha: string) => git(rig.repo, 'rev-list', '--parents', '-n', '1', sha).trim().split(' ').length - 1
      assert.equal(parents(derived.sha), parents(alone.sha), `${strategy} prefix ${k}: the commit's shape`)
      assert.equal(git(rig.repo, 'rev-list', '--first-parent', '--count', `${target}..${derived.sha}`).trim(), '1', `${strategy} prefix ${k}: one commit on the target`)
      assert.equal(revParse(folder, 'HEAD'), derived.sha, `${strategy} prefix ${k}: its folder holds it`)
      assert.equal(git(folder, 'status', '--porcelain').trim(), '', 'and nothing else')
      await removeScratch(rig.repo, folder)
      await removeScratch(rig.repo, join(rig.root, 'rigs', 'r', `alone-${strategy}-${k}`))
    }
  }
  await assert.rejects(deriveCandidate({ repo: rig.repo, scratch: join(rig.root, 'x'), targetBranch: 'main', targetSha: target, requests: ['g2', 'g1'].map(req), strategy: 'rebase', identity: REFINERY }, await buildCandidate({ repo: rig.repo, scratch: rig.scratch, targetBranch: 'main', targetSha: target, requests: ['g1'].map(req), strategy: 'rebase', identity: REFINERY })), /prefix/)
})

test('16 probes prepared at once in new folders, three times over: every one is made (git writes a new worktree in steps)', async () => {
  const { rig, target } = fx
  const { prepareScratch } = await import('../../src/main/core/refinery/scratch-worktree')
  for (let round = 0; round < 3; round++) {
    const folders = Array.from({ length: 16 }, (_, k) => join(rig.root, 'rigs', 'r', `many-${round}-${k}`))
    const made = await Promise.allSettled(folders.map((f) => prepareScratch(rig.repo, f, target)))
    const failed = made.filter((m) => m.status === 'rejected') as PromiseRejectedResult[]
    assert.deepEqual(failed.map((f) => String(f.reason)), [], `round ${round}`)
    for (const f of folders) assert.equal(revParse(f, 'HEAD'), target)
    await Promise.all(folders.map((f) => removeScratch(rig.repo, f)))
  }
})
