// The Claude config preparation on real files: where the config is, that our edit keeps everything else in
// it (keys, mode, a symlink), refuses what it does not understand, and waits for Claude Code's own lock.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, statSync, symlinkSync, utimesSync, writeFileSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { claudeConfigLocation } from '../../../src/main/core/runtimes/claude/config-location'
import { apiKeyFingerprint, chooseClaudeConfig, prepareClaudeConfig, townClaudeConfigDir } from '../../../src/main/core/runtimes/claude/prepare-config'
import { withConfigLock } from '../../../src/main/core/runtimes/claude/config-lock'
import { editJsonFile } from '../../../src/main/core/runtimes/claude/json-file-edit'
import { removeDir, tempDir } from '../../support/fixtures'

const KEY = 'sk-ant-api03-not-a-real-key-0123456789abcdefghij'

function withDir(name: string, fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = tempDir(name)
    try {
      await fn(dir)
    } finally {
      removeDir(dir)
    }
  }
}

test(
  'the config is ~/.claude.json without CLAUDE_CONFIG_DIR, $CLAUDE_CONFIG_DIR/.claude.json with it, and a legacy .config.json wins',
  withDir('cfg-loc', (dir) => {
    const home = join(dir, 'home')
    mkdirSync(join(home, '.claude'), { recursive: true })
    assert.deepEqual(claudeConfigLocation({ HOME: home }, home), { configDir: join(home, '.claude'), file: join(home, '.claude.json'), legacy: false })
    assert.equal(claudeConfigLocation({ HOME: home, CLAUDE_CONFIG_DIR: '' }, home).file, join(home, '.claude.json'), 'an empty CLAUDE_CONFIG_DIR is unset')
    const custom = join(dir, 'custom')
    mkdirSync(custom)
    assert.deepEqual(claudeConfigLocation({ HOME: home, CLAUDE_CONFIG_DIR: custom }, home), { configDir: custom, file: join(custom, '.claude.json'), legacy: false })
    writeFileSync(join(home, '.claude', '.config.json'), '{"legacy":true}')
    writeFileSync(join(home, '.claude.json'), '{}')
    assert.deepEqual(claudeConfigLocation({ HOME: home }, home), { configDir: join(home, '.claude'), file: join(home, '.claude', '.config.json'), legacy: true })
    assert.equal(claudeConfigLocation({ HOME: home, CLAUDE_CODE_CUSTOM_OAUTH_URL: 'https://x' }, home).file, join(home, '.claude', '.config.json'))
    writeFileSync(join(home, '.claude', '.config.json'), '')
    assert.equal(claudeConfigLocation({ HOME: home }, home).file, join(home, '.claude.json'), 'an empty legacy file does not win over a current one')
  })
)

test('a town config lives in <town>/claude-config and reaches the agent as CLAUDE_CONFIG_DIR; the user mode sets nothing', () => {
  const town = '/tmp/some-town'
  const t = chooseClaudeConfig('town', town, { HOME: '/home/u' })
  assert.equal(t.location.file, join(townClaudeConfigDir(town), '.claude.json'))
  assert.deepEqual(t.env, { CLAUDE_CONFIG_DIR: join(town, 'claude-config') })
  const u = chooseClaudeConfig('user', town, { HOME: '/home/u' })
  assert.equal(u.location.file, '/home/u/.claude.json')
  assert.deepEqual(u.env, {})
})

test(
  'preparing the user config adds the three answers and keeps every other key, the mode and the trailing-newline style',
  withDir('cfg-keep', async (dir) => {
    const file = join(dir, '.claude.json')
    const worktree = join(dir, 'wt')
    mkdirSync(worktree)
    const original = {
      numStartups: 41,
      theme: 'dark',
      oauthAccount: { accountUuid: 'u-1', emailAddress: 'me@example.com' },
      customApiKeyResponses: { approved: ['aaaaaaaaaaaaaaaaaaaa'], rejected: [apiKeyFingerprint(KEY)] },
      projects: { '/some/other/project': { allowedTools: ['Bash(ls)'], hasTrustDialogAccepted: false, lastCost: 1.25 } },
      '10': 'an integer-like key',
      unicode: 'héllo ✓',
      nested: { deep: [1, { x: null }, 'three'] }
    }
    writeFileSync(file, JSON.stringify(original, null, 2)) // Claude Code writes no trailing newline
    chmodSync(file, 0o640)
    const r = await prepareClaudeConfig({ file, workdir: worktree, apiKey: KEY })
    assert.equal(r.changed, true)
    const text = readFileSync(file, 'utf8')
    assert.ok(!text.endsWith('\n'), 'no trailing newline added')
    const after = JSON.parse(text)
    assert.equal(statSync(file).mode & 0o777, 0o640, 'mode kept')
    assert.equal(after.hasCompletedOnboarding, true)
    assert.deepEqual(after.customApiKeyResponses, { approved: ['aaaaaaaaaaaaaaaaaaaa', apiKeyFingerprint(KEY)], rejected: [] }, 'approved, and no longer rejected')
    assert.equal(after.projects[worktree].hasTrustDialogAccepted, true)
    // Everything else is as it was.
    const rest = structuredClone(after)
    delete rest.hasCompletedOnboarding
    delete rest.customApiKeyResponses
    delete rest.projects[worktree]
    const expected = structuredClone(original) as Record<string, unknown>
    delete expected.customApiKeyResponses
    assert.deepEqual(rest, expected)
    // No temp file is left beside it.
    assert.deepEqual(readdirSync(dir).sort(), ['.claude.json', 'wt'])
    // Again: nothing to do, nothing written.
    const mtime = statSync(file).mtimeMs
    const again = await prepareClaudeConfig({ file, workdir: worktree, apiKey: KEY })
    assert.equal(again.changed, false)
    assert.equal(statSync(file).mtimeMs, mtime)
  })
)

test(
  'a missing config is created 0600; without an API key no key answer is written',
  withDir('cfg-new', async (dir) => {
    const file = join(dir, 'cfgdir', '.claude.json')
    const worktree = join(dir, 'wt')
    mkdirSync(worktree)
    await prepareClaudeConfig({ file, workdir: worktree })
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { hasCompletedOnboarding: true, projects: { [worktree]: { hasTrustDialogAccepted: true } } })
  })
)

test(
  'the worktree is trusted by its real path, and a symlinked config stays a symlink',
  withDir('cfg-link', async (dir) => {
    const real = join(dir, 'dotfiles', 'claude.json')
    mkdirSync(join(dir, 'dotfiles'))
    writeFileSync(real, '{"mine": 1}\n')
    const link = join(dir, '.claude.json')
    symlinkSync(real, link)
    const target = join(dir, 'real-wt')
    mkdirSync(target)
    symlinkSync(target, join(dir, 'wt-link'))
    const r = await prepareClaudeConfig({ file: link, workdir: join(dir, 'wt-link') })
    assert.equal(r.trusted, target)
    assert.ok(lstatSync(link).isSymbolicLink(), 'still a symlink')
    assert.equal(readlinkSync(link), real)
    const after = JSON.parse(readFileSync(real, 'utf8'))
    assert.equal(after.mine, 1)
    assert.equal(after.projects[target].hasTrustDialogAccepted, true)
    assert.ok(readFileSync(real, 'utf8').endsWith('\n'), 'trailing newline kept')
  })
)

test(
  'a config that is not JSON, or has a non-object where we write, is left untouched with a clear error',
  withDir('cfg-bad', async (dir) => {
    const file = join(dir, '.claude.json')
    const worktree = join(dir, 'wt')
    mkdirSync(worktree)
    writeFileSync(file, '{"half": ')
    await assert.rejects(prepareClaudeConfig({ file, workdir: worktree }), /\.claude\.json is not valid JSON .*left as it is/)
    assert.equal(readFileSync(file, 'utf8'), '{"half": ')
    writeFileSync(file, '{"projects": []}')
    await assert.rejects(prepareClaudeConfig({ file, workdir: worktree }), /"projects" is not an object/)
    assert.equal(readFileSync(file, 'utf8'), '{"projects": []}')
    await assert.rejects(prepareClaudeConfig({ file, workdir: join(dir, 'missing') }), /does not exist: create it before/)
    await assert.rejects(prepareClaudeConfig({ file, workdir: worktree, apiKey: 'short' }), /shorter than 20 characters/)
  })
)

test(
  'the edit waits while Claude Code holds <file>.lock and happens once it is released',
  withDir('cfg-lock', async (dir) => {
    const file = join(dir, '.claude.json')
    const worktree = join(dir, 'wt')
    mkdirSync(worktree)
    writeFileSync(file, '{"a": 1}')
    mkdirSync(`${file}.lock`) // what Claude Code's proper-lockfile makes while it saves
    let done = false
    const p = prepareClaudeConfig({ file, workdir: worktree }).then((r) => {
      done = true
      return r
    })
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(done, false, 'still waiting for the lock')
    assert.equal(readFileSync(file, 'utf8'), '{"a": 1}', 'nothing written while the lock is held')
    // Meanwhile "Claude Code" saves its own change, then releases the lock.
    writeFileSync(file, '{"a": 1, "numStartups": 2}')
    rmdirSync(`${file}.lock`)
    const r = await p
    assert.equal(r.changed, true)
    const after = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(after.numStartups, 2, 'the change made under the lock is kept')
    assert.equal(after.projects[worktree].hasTrustDialogAccepted, true)
    assert.equal(existsSync(`${file}.lock`), false, 'our lock is released')
  })
)

test(
  'a lock left by a dead process (older than staleMs) is broken; a live one times out with a message naming it',
  withDir('cfg-stale', async (dir) => {
    const file = join(dir, '.claude.json')
    writeFileSync(file, '{}')
    mkdirSync(`${file}.lock`)
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    await withConfigLock(file, async () => {}, { staleMs: 30_000, timeoutMs: 2_000 })
    assert.equal(existsSync(`${file}.lock`), false)
    mkdirSync(`${file}.lock`)
    await assert.rejects(withConfigLock(file, async () => {}, { staleMs: 30_000, timeoutMs: 200 }), /stayed locked by another process .*\.claude\.json\.lock/)
    rmdirSync(`${file}.lock`)
  })
)

test(
  'an edit overwritten by a writer that ignores the lock is noticed on read-back and done again',
  withDir('cfg-race', async (dir) => {
    const file = join(dir, 'settings.json')
    writeFileSync(file, '{"theirs": 0}')
    let checks = 0
    const r = await editJsonFile(
      file,
      (doc) => {
        if (doc.ours === true) return false
        doc.ours = true
        return true
      },
      {
        // The first read-back plays a careless writer that replaced the file from its own old copy just after
        // our rename: what is read back has its change and not ours.
        verify: (doc) => {
          checks++
          if (checks === 1) {
            writeFileSync(file, '{"theirs": 1}')
            return false
          }
          return doc.ours === true
        }
      }
    )
    assert.equal(r.attempts, 2)
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { theirs: 1, ours: true })
  })
)
