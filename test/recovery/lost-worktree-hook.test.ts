// A worktree lost while its session was recorded as running: start-up writes the interrupted session's end into
// the hook's log (<worktree>/.gt/sessions/), which brings back a folder holding only .gt/. Recovery must still
// get the worktree back on its branch (git adds into no folder that is not empty) and keep those logs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { recreateWorktrees } from '../../src/main/core/polecats/worktrees'
import { gitIdentityEnv, makeRepo, removeDir, sh, tempDir } from '../support/fixtures'

test('a lost worktree whose folder holds only the hook .gt/ comes back from its branch, the session logs kept', async () => {
  gitIdentityEnv()
  const repo = makeRepo()
  const hooks = tempDir('hooks')
  try {
    const worktree = join(hooks, 'nux')
    sh(repo, 'git', ['worktree', 'add', '-b', 'polecat/nux/gt-1', worktree])
    writeFileSync(join(worktree, 'step1.txt'), 'one\n')
    sh(worktree, 'git', ['add', 'step1.txt'])
    sh(worktree, 'git', ['commit', '-m', 'Step one'])
    rmSync(worktree, { recursive: true, force: true })
    mkdirSync(join(worktree, '.gt', 'sessions'), { recursive: true })
    writeFileSync(join(worktree, '.gt', 'sessions', 's-1.jsonl'), '{"event":"session.ended","reason":"app-restart"}\n')

    const [source] = await recreateWorktrees(repo, 'main', [{ worktree, branch: 'polecat/nux/gt-1' }])
    assert.equal(source, 'local-branch', String(source))
    assert.equal(readFileSync(join(worktree, 'step1.txt'), 'utf8'), 'one\n', 'its committed work is back')
    assert.equal(sh(worktree, 'git', ['branch', '--show-current']).trim(), 'polecat/nux/gt-1')
    assert.match(readFileSync(join(worktree, '.gt', 'sessions', 's-1.jsonl'), 'utf8'), /app-restart/, 'the session log is kept')
    assert.ok(!existsSync(`${worktree}.gt-kept`), 'nothing left beside it')
  } finally {
    removeDir(repo)
    removeDir(hooks)
  }
})
