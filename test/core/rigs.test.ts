// Adding and removing rigs with real git: clear errors, nothing half-created, removal guarded by unmerged work.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import { GT_SCRIPT, makeRepo, removeDir, requireBuild, sh, tempDir } from '../support/fixtures'

const human = { caller: { kind: 'human' as const } }
let town: string
let repo: string
let core: Core

before(async () => {
  requireBuild()
  town = tempDir('town')
  repo = makeRepo()
  core = await createCore({ town, gtScript: GT_SCRIPT })
})
after(async () => {
  await core?.close()
  removeDir(town)
  removeDir(repo)
})

const rigEntries = () => (existsSync(join(town, 'rigs')) ? readdirSync(join(town, 'rigs')) : [])

async function refused(params: unknown, pattern: RegExp, code: string): Promise<void> {
  const before = rigEntries()
  await assert.rejects(core.dispatch('rigs.add', params, human), (err: Error & { code?: string }) => {
    assert.match(err.message, pattern)
    assert.equal(err.code, code)
    return true
  })
  assert.deepEqual(rigEntries(), before, 'nothing is left behind')
  assert.equal(core.rigs.list().length, (await core.dispatch('rigs.list', {}, human) as unknown[]).length)
}

test('bad rig names are refused before anything is touched', async () => {
  for (const name of ['../x', 'a/b', 'UPPER', '-dash', '', 'a b', 'x'.repeat(40), 'dot.dot']) {
    await refused({ name, source: repo }, /name|letters/, 'invalid_params')
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
  const rig = (await core.dispatch('rigs.add', { name: 'app', source: repo }, { ...human, progress: (m) => progress.push(m) })) as { path: string; defaultBranch: string }
  assert.equal(rig.defaultBranch, 'main')
  assert.equal(rig.path, join(town, 'rigs', 'app', 'repo'))
  assert.ok(existsSync(join(rig.path, '.git')))
  assert.ok(progress.length >= 2)
  await refused({ name: 'app', source: repo }, /already exists/, 'conflict')
  assert.ok(core.ledger.list({ subject: 'app' }).some((e) => e.kind === 'rig.added'))
})

test('remove refuses while a polecat branch has unmerged commits, unless forced', async () => {
  await core.dispatch('rigs.add', { name: 'guarded', source: repo }, human)
  const clone = join(town, 'rigs', 'guarded', 'repo')
  sh(clone, 'git', ['checkout', '-q', '-b', 'polecat/nux/gt-1'])
  writeFileSync(join(clone, 'work.txt'), 'work\n')
  sh(clone, 'git', ['add', '-A'])
  sh(clone, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'work'])
  sh(clone, 'git', ['checkout', '-q', 'main'])
  await assert.rejects(core.dispatch('rigs.remove', { name: 'guarded' }, human), /unmerged branches: polecat\/nux\/gt-1 \(1 commit\)/)
  assert.ok(existsSync(clone))
  await core.dispatch('rigs.remove', { name: 'guarded', force: true }, human)
  assert.ok(!existsSync(join(town, 'rigs', 'guarded')))
  await assert.rejects(core.dispatch('rigs.remove', { name: 'guarded' }, human), /no rig named guarded/)
})
