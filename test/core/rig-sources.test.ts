// What `gt rig add` takes and refuses: a bare repository (what a local remote looks like), an empty one, a
// clone that stops making progress, a second add of a name already being added, leftovers of a crash, and a
// remote whose default branch git would read as an option.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createCore } from '../../src/main/core/core'
import { commitsAhead } from '../../src/main/core/git/git'
import { GT_SCRIPT, makeRepo, removeDir, requireBuild, sh, tempDir } from '../support/fixtures'

const human = { caller: { kind: 'human' as const } }

function bareCopy(repo: string): string {
  const bare = tempDir('bare')
  sh(bare, 'git', ['clone', '-q', '--bare', repo, '.'])
  return bare
}

/** A server that takes connections and never says a word: a clone from it never makes progress. */
async function silentServer(): Promise<{ url: string; close(): void }> {
  const sockets: Socket[] = []
  const server = createServer((s) => sockets.push(s))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/app.git`,
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    }
  }
}

test('a bare repository is a rig source; an empty one is told it has no commits yet', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const bare = bareCopy(repo)
  const empty = tempDir('empty')
  sh(empty, 'git', ['init', '-q', '--bare'])
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    const rig = (await core.dispatch('rigs.add', { name: 'bare', source: bare }, human)) as { defaultBranch: string; path: string }
    assert.equal(rig.defaultBranch, 'main')
    assert.ok(existsSync(join(rig.path, 'README.md')))
    await assert.rejects(core.dispatch('rigs.add', { name: 'empty', source: empty }, human), /has no commits yet/)
    await assert.rejects(core.dispatch('rigs.add', { name: 'plain', source: tempDir('plain') }, human), /is not a git repository \(neither a working copy nor a bare repository\)/)
  } finally {
    await core.close()
    for (const d of [town, repo, bare, empty]) removeDir(d)
  }
})

test('a clone that stops making progress is abandoned with a clear error; a second add of that name meanwhile is refused', async () => {
  requireBuild()
  const town = tempDir('town')
  const server = await silentServer()
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ rigCloneStallSeconds: 2 }))
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    const started = Date.now()
    const first = core.dispatch('rigs.add', { name: 'stuck', source: server.url }, human)
    await new Promise((r) => setTimeout(r, 200))
    await assert.rejects(core.dispatch('rigs.add', { name: 'stuck', source: server.url }, human), /the rig stuck is being added right now/)
    await assert.rejects(first, /cloning http:\/\/127\.0\.0\.1:\d+\/app\.git made no progress for 2 s, so it was abandoned/)
    assert.ok(Date.now() - started < 15_000, 'abandoned soon after the stall time')
    assert.deepEqual(readdirSync(join(town, 'rigs')), [], 'nothing of it is left behind')
    assert.deepEqual(core.rigs.list(), [])
  } finally {
    await core.close()
    server.close()
    removeDir(town)
  }
})

test('staging folders of an add that a crash interrupted are removed at start', async () => {
  requireBuild()
  const town = tempDir('town')
  try {
    const leftover = join(town, 'rigs', '.adding-app-1a2b3c4d', 'repo')
    mkdirSync(leftover, { recursive: true })
    writeFileSync(join(leftover, 'half-cloned'), 'x')
    const core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.close()
    assert.deepEqual(readdirSync(join(town, 'rigs')), [])
  } finally {
    removeDir(town)
  }
})

test("a remote whose default branch is named like an option is refused, and git never takes it as one", async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const evil = bareCopy(repo)
  const cwd = process.cwd()
  const work = tempDir('cwd')
  try {
    const sha = sh(evil, 'git', ['rev-parse', 'main']).trim()
    sh(evil, 'git', ['update-ref', 'refs/heads/--output=x', sha])
    writeFileSync(join(evil, 'HEAD'), 'ref: refs/heads/--output=x\n')
    process.chdir(work)
    const core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      await assert.rejects(core.dispatch('rigs.add', { name: 'evil', source: evil }, human), /the default branch of .* is named "--output=x", which is not a safe branch name/)
      assert.deepEqual(core.rigs.list(), [])
      await assert.rejects(core.dispatch('rigs.add', { name: 'dash', source: '-uhttp://x' }, human), /starts with "-"/)
    } finally {
      await core.close()
    }
    // Revision ranges go after --end-of-options: a base named like an option is a bad revision, not an option.
    await assert.rejects(commitsAhead(repo, '--output=x', 'main'))
    assert.equal(existsSync(join(work, 'x')), false, 'git wrote no file named from the branch')
    assert.equal(existsSync(join(repo, 'x')), false)
  } finally {
    process.chdir(cwd)
    for (const d of [town, repo, evil, work]) removeDir(d)
  }
})
