// The base branch's checks, with real git: run in a scratch worktree of the base commit that is removed after,
// the rig's clone untouched, cached by commit; a coverage drop measured against it, and a failure the base
// branch already has recognised as such.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BaselineChecks, baseFailureKey, removeStaleScratchWorktrees, SCRATCH_PREFIX } from '../../src/main/core/witness/baseline'
import { CheckRunner, type CheckOutcome } from '../../src/main/core/witness/check-runner'
import type { CheckRunResult } from '../../src/main/core/witness/check-result'
import { classify, DEFAULT_ESCALATION } from '../../src/main/core/witness/escalation-rules'
import { makeRepo, removeDir, sh, tempDir } from '../support/fixtures'

const git = (dir: string, ...args: string[]) => sh(dir, 'git', args).trim()

function commitFile(dir: string, file: string, content: string, message: string): void {
  writeFileSync(join(dir, file), content)
  git(dir, 'add', file)
  git(dir, 'commit', '-q', '-m', message)
}

/** A rig as the town has it: a source repository, the town's clone of it, and polecat worktrees of the clone. */
function makeRig(buildScript: string, coverageLine: string) {
  const root = tempDir('baseline')
  mkdirSync(join(root, 'source'))
  const source = makeRepo(join(root, 'source'))
  commitFile(source, 'build.sh', buildScript, 'build script')
  commitFile(source, 'coverage.txt', coverageLine + '\n', 'coverage figure')
  const clone = join(root, 'repo')
  sh(root, 'git', ['clone', '-q', source, clone])
  const scratch = join(root, 'scratch')
  mkdirSync(scratch)
  const polecat = (name: string) => {
    const wt = join(root, 'polecats', name)
    git(clone, 'worktree', 'add', '-q', '-b', `polecat/${name}/b1`, wt, 'origin/main')
    return wt
  }
  return { root, source, clone, scratch, polecat }
}

function completed(o: CheckOutcome): CheckRunResult {
  assert.equal(o.status, 'completed')
  return (o as { result: CheckRunResult }).result
}

test("a coverage drop is measured against the base branch's run in a scratch worktree; the rig's clone is untouched", async () => {
  const rig = makeRig('echo built\n', 'coverage: 77.5%')
  const runner = new CheckRunner()
  const baselines = new BaselineChecks({ runner, scratchRoot: rig.scratch })
  try {
    const counter = join(rig.root, 'runs')
    const commands = { build: `echo run >> ${counter}; sh build.sh; git rev-parse HEAD; pwd`, test: 'true', coverage: 'cat coverage.txt' }
    const wt = rig.polecat('nux')
    commitFile(wt, 'coverage.txt', 'coverage: 71.2%\n', 'less tested code')
    // The clone has a branch checked out and local changes: none of it may move.
    writeFileSync(join(rig.clone, 'README.md'), 'edited in the clone\n')
    writeFileSync(join(rig.clone, 'notes.txt'), 'untracked\n')
    const before = { branch: git(rig.clone, 'rev-parse', '--abbrev-ref', 'HEAD'), head: git(rig.clone, 'rev-parse', 'HEAD'), status: git(rig.clone, 'status', '--porcelain'), worktrees: git(rig.clone, 'worktree', 'list', '--porcelain') }

    const run = completed(await runner.request({ worktree: wt, commands }).outcome)
    const base = await baselines.get({ repo: rig.clone, baseRef: 'origin/main', commands })

    const baseSha = git(rig.clone, 'rev-parse', 'origin/main')
    assert.equal(base.baseSha, baseSha)
    assert.equal(base.result.head, baseSha, 'the checks ran on the base commit')
    assert.equal(base.result.overall, 'ok')
    assert.equal(base.result.coverage?.percent, 77.5)
    const ranIn = base.result.checks[0]!.outputHead.trim().split('\n').pop()!
    assert.ok(ranIn.startsWith(join(rig.scratch, SCRATCH_PREFIX)), `ran in ${ranIn}`)
    assert.equal(existsSync(ranIn), false, 'the scratch worktree is removed after')
    assert.deepEqual(readdirSync(rig.scratch), [])
    assert.deepEqual(
      { branch: git(rig.clone, 'rev-parse', '--abbrev-ref', 'HEAD'), head: git(rig.clone, 'rev-parse', 'HEAD'), status: git(rig.clone, 'status', '--porcelain'), worktrees: git(rig.clone, 'worktree', 'list', '--porcelain') },
      before
    )

    const verdict = classify(run, DEFAULT_ESCALATION, base.result)
    assert.equal(verdict.severity, 'P1')
    assert.equal(verdict.reasons[0]?.text, "coverage 71.2% is 6.3 points below the base branch's 77.5%")
    assert.equal(readFileSync(counter, 'utf8'), 'run\nrun\n', 'the polecat and the base branch ran once each')
  } finally {
    await runner.close()
    removeDir(rig.root)
  }
})

test('baselines are cached by base commit and commands; callers at once share one run; a new base commit runs again', async () => {
  const rig = makeRig('echo built\n', 'coverage: 80%')
  const runner = new CheckRunner()
  const baselines = new BaselineChecks({ runner, scratchRoot: rig.scratch })
  try {
    const counter = join(rig.root, 'runs')
    const commands = { build: `echo run >> ${counter}`, coverage: 'cat coverage.txt' }
    const three = await Promise.all([1, 2, 3].map(() => baselines.get({ repo: rig.clone, baseRef: 'main', commands })))
    assert.equal(readFileSync(counter, 'utf8'), 'run\n', 'twenty polecats asking at once start one run')
    assert.ok(three.every((b) => b.result === three[0]!.result))
    await baselines.get({ repo: rig.clone, baseRef: 'origin/main', commands })
    assert.equal(readFileSync(counter, 'utf8'), 'run\n', 'the same commit under another name is the same baseline')
    assert.equal(baselines.cached(rig.clone, three[0]!.baseSha, commands)?.result, three[0]!.result)
    await baselines.get({ repo: rig.clone, baseRef: 'main', commands: { ...commands, test: 'true' } })
    assert.equal(readFileSync(counter, 'utf8'), 'run\nrun\n', 'other commands are another baseline')

    commitFile(rig.clone, 'coverage.txt', 'coverage: 82%\n', 'more tests on main')
    const moved = await baselines.get({ repo: rig.clone, baseRef: 'main', commands })
    assert.equal(readFileSync(counter, 'utf8'), 'run\nrun\nrun\n')
    assert.notEqual(moved.baseSha, three[0]!.baseSha)
    assert.equal(moved.result.coverage?.percent, 82)
  } finally {
    await runner.close()
    removeDir(rig.root)
  }
})

test('a failure already on the base branch is recognised: every polecat failing the same check gets the same key', async () => {
  const rig = makeRig('echo "error: undefined symbol parse_config" >&2\nexit 1\n', 'coverage: 80%')
  const runner = new CheckRunner({ maxConcurrent: 2 })
  const baselines = new BaselineChecks({ runner, scratchRoot: rig.scratch })
  try {
    const commands = { build: 'sh build.sh', test: 'true', coverage: 'cat coverage.txt' }
    const base = await baselines.get({ repo: rig.clone, baseRef: 'origin/main', commands })
    assert.equal(base.result.overall, 'failed')
    assert.match(base.result.checks[0]!.outputHead, /undefined symbol parse_config/)
    const keys: string[] = []
    for (const name of ['nux', 'slit']) {
      const run = completed(await runner.request({ worktree: rig.polecat(name), commands }).outcome)
      const verdict = classify(run, DEFAULT_ESCALATION, base.result)
      assert.equal(verdict.severity, 'P0')
      assert.equal(verdict.reasons[0]?.onBaseBranch, true)
      assert.deepEqual(verdict.failingOnBase, ['build'])
      keys.push(baseFailureKey(base, 'build'))
    }
    assert.equal(keys[0], keys[1])

    // A polecat that fixed the build on its branch is not "failing like the base branch".
    const fixed = rig.polecat('fixer')
    commitFile(fixed, 'build.sh', 'echo fixed\n', 'fix the build')
    const ok = classify(completed(await runner.request({ worktree: fixed, commands }).outcome), DEFAULT_ESCALATION, base.result)
    assert.equal(ok.severity, null)
    assert.deepEqual(ok.failingOnBase, [])
  } finally {
    await runner.close()
    removeDir(rig.root)
  }
})

test('scratch worktrees a crash left behind are removed at start; other worktrees are kept', async () => {
  const rig = makeRig('true\n', 'coverage: 80%')
  try {
    const stale = join(rig.scratch, `${SCRATCH_PREFIX}0123456789ab-XyZ123`)
    git(rig.clone, 'worktree', 'add', '-q', '--detach', stale, 'main')
    writeFileSync(join(stale, 'build-output.o'), 'junk')
    const keep = rig.polecat('nux')
    const removed = await removeStaleScratchWorktrees(rig.clone, rig.scratch)
    assert.deepEqual(removed, [stale])
    assert.equal(existsSync(stale), false)
    const list = git(rig.clone, 'worktree', 'list', '--porcelain')
    assert.ok(!list.includes(stale))
    assert.ok(list.includes(keep))
    assert.deepEqual(await removeStaleScratchWorktrees(rig.clone, rig.scratch), [], 'safe to run again')
  } finally {
    removeDir(rig.root)
  }
})

test('a base branch that names no commit is a clear error, and nothing is left behind', async () => {
  const rig = makeRig('true\n', 'coverage: 80%')
  const runner = new CheckRunner()
  const baselines = new BaselineChecks({ runner, scratchRoot: rig.scratch })
  try {
    await assert.rejects(baselines.get({ repo: rig.clone, baseRef: 'origin/nope', commands: { build: 'true' } }), /origin\/nope names no commit in .*: fetch the base branch/)
    await assert.rejects(baselines.get({ repo: rig.clone, baseRef: '--output=x', commands: { build: 'true' } }), /must be a ref such as "origin\/main"/)
    await assert.rejects(baselines.get({ repo: join(rig.root, 'missing'), baseRef: 'main', commands: { build: 'true' } }), /does not exist/)
    assert.deepEqual(readdirSync(rig.scratch), [])
  } finally {
    await runner.close()
    removeDir(rig.root)
  }
})
