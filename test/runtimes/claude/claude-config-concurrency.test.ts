// Several polecats start while others run: each start prepares the shared .claude.json while running
// Claude Codes rewrite it (start-up counters, per-project state, tips; again on exit). Claude Code saves
// under <file>.lock and applies its change to what it just read; prepareClaudeConfig takes the same lock,
// so no edit of either side is lost. This runs two real Claude Codes and a stream of preparations at once,
// then checks every answer and every key of both sides is still there after both have exited.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startModelServer } from '../../support/model-server/model-server'
import { sh } from '../../support/fixtures'
import { claudeArgv, claudeEnv } from '../../../src/main/core/runtimes/claude/launch'
import { prepareClaudeConfig } from '../../../src/main/core/runtimes/claude/prepare-config'
import { claudeConfigLocation } from '../../../src/main/core/runtimes/claude/config-location'
import { CLAUDE_BIN, claudeSkipReason, makeSandbox, sandboxEnv, spawnClaude } from './support/claude-harness'

const API_KEY = 'sk-ant-api03-scripted-test-key-0123456789abcdef'

test('trust answers written while two real Claude Codes start, work and exit are all kept, and so is everything they wrote', { skip: claudeSkipReason() }, async (t) => {
  const s = makeSandbox('concurrent')
  const servers = await Promise.all([0, 1].map(() => startModelServer([{ say: 'Ready when you are.' }])))
  const second = join(s.root, 'polecats', 'p2')
  sh(s.repo, 'git', ['worktree', 'add', '-q', '-b', 'polecat/p2/concurrent', second])
  // What the user had in the file before any polecat: it must come through untouched.
  writeFileSync(s.configFile, JSON.stringify({ mine: { keep: true }, oauthAccount: { emailAddress: 'me@example.com' }, projects: { '/home/me/code': { allowedTools: ['Bash(ls)'] } } }, null, 2))
  const others = Array.from({ length: 24 }, (_, i) => join(s.root, 'more', `p${i + 3}`))
  for (const d of others) mkdirSync(d, { recursive: true })
  const config = { mode: 'town' as const, location: claudeConfigLocation({ HOME: s.home, CLAUDE_CONFIG_DIR: s.configDir }), env: { CLAUDE_CONFIG_DIR: s.configDir } }
  const claudes: ReturnType<typeof spawnClaude>[] = []
  const sessionIds: string[] = []
  try {
    const start = async (dir: string, i: number) => {
      await prepareClaudeConfig({ file: s.configFile, workdir: dir, apiKey: API_KEY })
      const { set } = claudeEnv({ config, modelServerUrl: servers[i].url, apiKey: API_KEY })
      const sessionId = randomUUID()
      sessionIds.push(sessionId)
      claudes.push(spawnClaude(claudeArgv({ command: CLAUDE_BIN, prompt: 'go', sessionId }), dir, sandboxEnv(s, set)))
    }
    await start(s.worktree, 0)
    // The second polecat and a stream of others are prepared while the first one starts and rewrites the file.
    const stream = (async () => {
      for (const d of others) {
        await prepareClaudeConfig({ file: s.configFile, workdir: d, apiKey: API_KEY })
        await new Promise((r) => setTimeout(r, 40))
      }
    })()
    await start(second, 1)
    await stream
    for (const c of claudes) await c.waitForText('ready when you are.')
    const mid = JSON.parse(readFileSync(s.configFile, 'utf8'))
    t.diagnostic(`numStartups while both run: ${mid.numStartups}`)
    // A graceful exit, when Claude Code saves its per-project state once more.
    for (const c of claudes) c.write('/exit')
    await new Promise((r) => setTimeout(r, 300))
    for (const c of claudes) c.write('\r')
    const exits = await Promise.all(claudes.map((c) => c.exit))
    assert.deepEqual(exits.map((e) => e.exitCode), [0, 0], 'both exited by /exit')

    const after = JSON.parse(readFileSync(s.configFile, 'utf8'))
    for (const d of [s.worktree, second, ...others]) assert.equal(after.projects[d]?.hasTrustDialogAccepted, true, `trust for ${d} kept`)
    assert.equal(after.hasCompletedOnboarding, true)
    assert.deepEqual(after.customApiKeyResponses.approved, [API_KEY.slice(-20)])
    assert.deepEqual(after.mine, { keep: true })
    assert.deepEqual(after.oauthAccount, { emailAddress: 'me@example.com' })
    assert.deepEqual(after.projects['/home/me/code'], { allowedTools: ['Bash(ls)'] })
    // Claude Code's own writes are there too: both start-ups were counted, both projects got their state.
    assert.equal(after.numStartups, 2, 'both Claude Codes counted their start-up')
    // For a git worktree Claude Code keeps its own per-project state under the main checkout's path (here the
    // repository both worktrees belong to): both exits wrote there, the last one's session id wins.
    const own = after.projects[s.repo]
    assert.equal(own?.lastGracefulShutdown, true, `Claude Code's exit state is kept: ${JSON.stringify(own)}`)
    assert.ok(sessionIds.includes(own.lastSessionId), 'its lastSessionId is one of the two sessions')
  } finally {
    for (const c of claudes) await c.stop()
    for (const srv of servers) await srv.close()
    s.cleanup()
  }
})
