// Adding and removing rigs with real git: clear errors, nothing half-created, removal guarded by unmerged work.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { removeDir, sh, tempDir } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const t = useTestTown()

const rigEntries = () => (existsSync(join(t.town, 'rigs')) ? readdirSync(join(t.town, 'rigs')) : [])

async function refused(params: unknown, pattern: RegExp, code: string): Promise<void> {
  const before = rigEntries()
  await assert.rejects(t.core.dispatch('rigs.add', params, human), (err: Error & { code?: string }) => {
    assert.match(err.message, pattern)
    assert.equal(err.code, code)
    return true
  })
  assert.deepEqual(rigEntries(), before, 'nothing is left behind')
  assert.equal(t.core.rigs.list().length, (await t.core.dispatch('rigs.list', {}, human) as unknown[]).length)
}

test('bad rig names are refused before anything is touched', async () => {
  for (const name of ['../x', 'a/b', 'UPPER', '-dash', '', 'a b', 'x'.repeat(40), 'dot.dot']) {
    await refused({ name, source: t.repo }, /name|letters/, 'invalid_params')
  }
})

test('a path that is not a repository, a missing path, an unreachable URL, an empty repository', async () => {
  const plain = tempDir('plain')
  const empty = tempDir('empty')
  sh(empty, 'git', ['init', '-q'])
  try {
    await refused({ name: 'plain', source: plain }, /is not a git repository/, 'invalid_params')
    await refused({ name: 'missing', source: join(plain, 'nope') }, /is not a directory/, 'invalid_params')
    await refused({ name: 'remote', source: 'http://127.0.0.1:9/nothing.git' }, /could not clone http:\/\/127\.0\.0\.1:9\/nothing\.git/, 'failed')
    await refused({ name: 'empty', source: empty }, /no commits/, 'invalid_params')
  } finally {
    removeDir(plain)
    removeDir(empty)
  }
})

test('add clones with progress; a duplicate name is refused; the rig is in the ledger', async () => {
  const progress: string[] = []
  const rig = (await t.core.dispatch('rigs.add', { name: 'app', source: t.repo }, { ...human, progress: (m) => progress.push(m) })) as { path: string; defaultBranch: string }
  assert.equal(rig.defaultBranch, 'main')
  assert.equal(rig.path, join(t.town, 'rigs', 'app', 'repo'))
  assert.ok(existsSync(join(rig.path, '.git')))
  assert.ok(progress.length >= 2)
  await refused({ name: 'app', source: t.repo }, /already exists/, 'conflict')
  assert.ok(t.core.ledger.list({ subject: 'app' }).some((e) => e.kind === 'rig.added'))
})

test('remove refuses while a polecat branch has unmerged commits, unless forced', async () => {
  await t.core.dispatch('rigs.add', { name: 'guarded', source: t.repo }, human)
  const clone = join(t.town, 'rigs', 'guarded', 'repo')
  sh(clone, 'git', ['checkout', '-q', '-b', 'polecat/nux/gt-1'])
  writeFileSync(join(clone, 'work.txt'), 'work\n')
  sh(clone, 'git', ['add', '-A'])
  sh(clone, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'work'])
  sh(clone, 'git', ['checkout', '-q', 'main'])
  await assert.rejects(t.core.dispatch('rigs.remove', { name: 'guarded' }, human), /unmerged branches: polecat\/nux\/gt-1 \(1 commit\)/)
  assert.ok(existsSync(clone))
  await t.core.dispatch('rigs.remove', { name: 'guarded', force: true }, human)
  assert.ok(!existsSync(join(t.town, 'rigs', 'guarded')))
  await assert.rejects(t.core.dispatch('rigs.remove', { name: 'guarded' }, human), /no rig named guarded/)
})
