// The real Claude Code in a real PTY, against the scripted model server (test/support/model-server): the
// preparation leaves no screen for a human, a Bash step becomes a PermissionRequest hook call whose answer
// decides what the model receives, hooks carry the session id we chose, and the first-run screens that
// preparation removes are really the ones the CLI shows without it. Skipped, with the reason, where the
// CLI cannot run.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { messageTexts, startModelServer, toolResults, type ModelServer, type Step } from '../../support/model-server/model-server'
import { eventually } from '../../support/fixtures'
import { claudeArgv, claudeEnv } from '../../../src/main/core/runtimes/claude/launch'
import { chooseClaudeConfig, prepareClaudeConfig, type ClaudeConfigChoice } from '../../../src/main/core/runtimes/claude/prepare-config'
import { claudeConfigLocation } from '../../../src/main/core/runtimes/claude/config-location'
import { writeClaudeHooks } from '../../../src/main/core/runtimes/claude/hooks-file'
import { detectBlockingScreen } from '../../../src/main/core/runtimes/claude/blocking-screens'
import { CLAUDE_BIN, claudeSkipReason, makeSandbox, readHookLog, recordingHookCommand, sandboxEnv, spawnClaude, type Sandbox, type ClaudeProcess } from './support/claude-harness'

const skip = claudeSkipReason()
const API_KEY = 'sk-ant-api03-scripted-test-key-0123456789abcdef'

/** A `gt` for the hooks that runs recording-hook.mjs instead of reporting to a core. */
function recordingGt(s: Sandbox, log: string, opts: { decide?: 'allow' | 'deny'; message?: string; waitFor?: string } = {}): string {
  mkdirSync(join(s.root, 'recording'), { recursive: true })
  const gt = join(s.root, 'recording', 'gt')
  const cmd = recordingHookCommand('"$2"', log, opts) // the event name gt was given
  writeFileSync(gt, `#!/bin/sh\n[ "$1" = hook ] || exit 1\nexec ${cmd}\n`)
  chmodSync(gt, 0o755)
  return gt
}

function townConfig(s: Sandbox): ClaudeConfigChoice {
  return { mode: 'town', location: claudeConfigLocation({ HOME: s.home, CLAUDE_CONFIG_DIR: s.configDir }), env: { CLAUDE_CONFIG_DIR: s.configDir } }
}

interface Started {
  claude: ClaudeProcess
  server: ModelServer
  sessionId: string
  startedAt: number
}

async function startAgent(s: Sandbox, steps: Step[], prompt = 'Make the file, please.'): Promise<Started> {
  const server = await startModelServer(steps)
  const sessionId = randomUUID()
  const { set } = claudeEnv({ config: townConfig(s), modelServerUrl: server.url, apiKey: API_KEY })
  const startedAt = Date.now()
  const claude = spawnClaude(claudeArgv({ command: CLAUDE_BIN, prompt, sessionId }), s.worktree, sandboxEnv(s, set))
  return { claude, server, sessionId, startedAt }
}

describe('the real Claude Code in a PTY against the scripted model server', { skip }, () => {
  test('a prepared worktree reaches its first model request with no input; an allowed Bash call runs; hooks carry our session id', async (t) => {
    const s = makeSandbox('allow')
    const log = join(s.root, 'hooks.ndjson')
    let run: Started | undefined
    try {
      await prepareClaudeConfig({ file: s.configFile, workdir: s.worktree, apiKey: API_KEY })
      await writeClaudeHooks(s.worktree, { gt: recordingGt(s, log, { decide: 'allow' }) })
      run = await startAgent(s, [{ bash: 'echo made-by-claude > made.txt', description: 'Make the file' }, { say: 'Done: made.txt exists.' }])
      const first = await run.server.waitForRequest((r) => r.kind === 'main', 'the first model request')
      t.diagnostic(`time to first model request: ${Date.now() - run.startedAt} ms (${run.claude.output().length} chars of output before it)`)
      assert.equal(first.headers['x-claude-code-session-id'], run.sessionId, 'the request names our session id')
      assert.equal(detectBlockingScreen(run.claude.output()), undefined, 'no blocking screen on the way')

      await eventually(() => existsSync(join(s.worktree, 'made.txt')) && readFileSync(join(s.worktree, 'made.txt'), 'utf8') === 'made-by-claude\n', 'made.txt written by the approved command')
      const second = await run.server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the model request with the tool result')
      const [result] = toolResults(second.body)
      assert.equal(result.is_error, false, `the approved call's tool_result is not an error: ${result.text}`)
      assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: s.worktree, encoding: 'utf8' }), '?? made.txt\n', 'the hooks file is git-ignored')

      await eventually(() => readHookLog(log).some((h) => h.event === 'Stop' && h.phase === 'end'), 'the Stop hook at the end of the turn')
      t.diagnostic(`requests: ${run.server.requests.map((r) => `${r.method} ${r.url} ${r.kind}`).join(', ')}`)
      assert.deepEqual(run.server.requests.filter((r) => r.kind === 'main').map((r) => r.step), [0, 1], 'one main request per step')
      const hooks = readHookLog(log).filter((h) => h.phase === 'start')
      const byEvent = (e: string) => hooks.filter((h) => h.event === e)
      assert.equal(byEvent('SessionStart')[0]?.input.source, 'startup')
      const pr = byEvent('PermissionRequest')
      assert.equal(pr.length, 1, 'one permission request')
      assert.equal(pr[0].input.tool_name, 'Bash')
      assert.deepEqual(pr[0].input.tool_input, { command: 'echo made-by-claude > made.txt', description: 'Make the file' })
      for (const h of hooks) assert.equal(h.input.session_id, run.sessionId, `${h.event} carries the session id passed with --session-id`)
      assert.equal(byEvent('Stop')[0]?.input.last_assistant_message, 'Done: made.txt exists.')
      assert.ok(
        String(byEvent('SessionStart')[0]?.input.transcript_path).endsWith(`${run.sessionId}.jsonl`),
        'the transcript file is named after the session id'
      )
    } finally {
      await run?.claude.stop()
      await run?.server.close()
      s.cleanup()
    }
  })

  test("the user's own config without CLAUDE_CONFIG_DIR is ~/.claude.json: prepared there, Claude Code starts straight away", async () => {
    const s = makeSandbox('user-config')
    let run: Started | undefined
    try {
      const choice = chooseClaudeConfig('user', join(s.root, 'town'), { HOME: s.home })
      assert.equal(choice.location.file, join(s.home, '.claude.json'))
      writeFileSync(choice.location.file, JSON.stringify({ numStartups: 7, mine: { keep: [1, 2, 3] } }))
      await prepareClaudeConfig({ file: choice.location.file, workdir: s.worktree, apiKey: API_KEY })
      const server = await startModelServer([{ say: 'Hello from your own config.' }])
      const { set } = claudeEnv({ config: choice, modelServerUrl: server.url, apiKey: API_KEY })
      const env = sandboxEnv(s, set)
      delete env.CLAUDE_CONFIG_DIR
      run = { server, sessionId: randomUUID(), startedAt: Date.now(), claude: spawnClaude(claudeArgv({ command: CLAUDE_BIN, prompt: 'hi', sessionId: randomUUID() }), s.worktree, env) }
      await server.waitForRequest((r) => r.kind === 'main', 'the first model request')
      await run.claude.waitForText('hello from your own config.')
      assert.equal(detectBlockingScreen(run.claude.output()), undefined)
      const after = JSON.parse(readFileSync(choice.location.file, 'utf8'))
      assert.deepEqual(after.mine, { keep: [1, 2, 3] })
      assert.equal(after.numStartups, 8, 'Claude Code used this file (and counted its start-up in it)')
    } finally {
      await run?.claude.stop()
      await run?.server.close()
      s.cleanup()
    }
  })

  test('resume names the session exactly: --resume <our id> with the next prompt resends the earlier conversation', async () => {
    const s = makeSandbox('resume')
    const log = join(s.root, 'hooks.ndjson')
    let run: Started | undefined
    let resumed: ClaudeProcess | undefined
    let server2: ModelServer | undefined
    try {
      await prepareClaudeConfig({ file: s.configFile, workdir: s.worktree, apiKey: API_KEY })
      await writeClaudeHooks(s.worktree, { gt: recordingGt(s, log, { decide: 'allow' }) })
      run = await startAgent(s, [{ say: 'First answer.' }], 'First question.')
      await run.claude.waitForText('first answer.')
      run.claude.write('/exit')
      await new Promise((r) => setTimeout(r, 300))
      run.claude.write('\r')
      assert.equal((await run.claude.exit).exitCode, 0)

      server2 = await startModelServer([{ say: 'Second answer.' }])
      const { set } = claudeEnv({ config: townConfig(s), modelServerUrl: server2.url, apiKey: API_KEY })
      resumed = spawnClaude(claudeArgv({ command: CLAUDE_BIN, prompt: 'Second question.', sessionId: run.sessionId, resume: true }), s.worktree, sandboxEnv(s, set))
      const req = await server2.waitForRequest((r) => r.kind === 'main', 'the first request of the resumed session')
      const users = messageTexts(req.body, 'user').join('\n')
      assert.ok(users.includes('First question.') && users.includes('Second question.'), 'both prompts are in the resumed history')
      assert.ok(messageTexts(req.body, 'assistant').includes('First answer.'), 'and the earlier answer')
      assert.equal(req.headers['x-claude-code-session-id'], run.sessionId, 'the same session id')
      await eventually(() => readHookLog(log).some((h) => h.event === 'SessionStart' && h.input.source === 'resume'), 'SessionStart with source resume')
      const resumeStart = readHookLog(log).find((h) => h.event === 'SessionStart' && h.input.source === 'resume')!
      assert.equal(resumeStart.input.session_id, run.sessionId)
    } finally {
      await resumed?.stop()
      await server2?.close()
      await run?.claude.stop()
      await run?.server.close()
      s.cleanup()
    }
  })

  test('a denied Bash call does not run, and the model receives an error tool_result with the reason', async () => {
    const s = makeSandbox('deny')
    const log = join(s.root, 'hooks.ndjson')
    let run: Started | undefined
    try {
      await prepareClaudeConfig({ file: s.configFile, workdir: s.worktree, apiKey: API_KEY })
      await writeClaudeHooks(s.worktree, { gt: recordingGt(s, log, { decide: 'deny', message: 'Not on this branch: ask the mayor first.' }) })
      run = await startAgent(s, [{ bash: 'echo nope > denied.txt' }, { say: 'Understood, I will not.' }])
      const second = await run.server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the model request after the denial')
      const [result] = toolResults(second.body)
      assert.equal(result.is_error, true)
      assert.match(result.text, /Not on this branch: ask the mayor first\./)
      assert.equal(existsSync(join(s.worktree, 'denied.txt')), false, 'the command never ran')
    } finally {
      await run?.claude.stop()
      await run?.server.close()
      s.cleanup()
    }
  })

  test('while the PermissionRequest hook waits, the terminal stays live with its own prompt, and the agent is held', async () => {
    const s = makeSandbox('wait')
    const log = join(s.root, 'hooks.ndjson')
    const decision = join(s.root, 'decision')
    let run: Started | undefined
    try {
      await prepareClaudeConfig({ file: s.configFile, workdir: s.worktree, apiKey: API_KEY })
      await writeClaudeHooks(s.worktree, { gt: recordingGt(s, log, { waitFor: decision }) })
      run = await startAgent(s, [{ bash: 'echo later > later.txt' }, { say: 'Done.' }])
      await eventually(() => readHookLog(log).some((h) => h.event === 'PermissionRequest'), 'the PermissionRequest hook to start').catch((err) => {
        throw new Error(`${err.message}; hooks: ${readHookLog(log).map((h) => h.event).join(', ')}; screen: ${JSON.stringify(run?.claude.output().slice(-3000))}`)
      })
      await run.claude.waitForText('do you want to proceed?')
      assert.equal(run.server.mainRequests().length, 1, 'no further model request while the decision is pending')
      assert.equal(existsSync(join(s.worktree, 'later.txt')), false)
      writeFileSync(decision, 'allow')
      // Failed once in a full run (20 s, nothing written) and not in reruns: say what the hooks and the screen showed.
      await eventually(() => existsSync(join(s.worktree, 'later.txt')) && readFileSync(join(s.worktree, 'later.txt'), 'utf8') === 'later\n', 'later.txt written once approved').catch((err) => {
        throw new Error(`${err.message}; hooks: ${readHookLog(log).map((h) => h.event).join(', ')}; model requests: ${run?.server.mainRequests().length}; screen: ${JSON.stringify(run?.claude.output().slice(-3000))}`)
      })
      await run.server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the model request after the late approval')
    } finally {
      await run?.claude.stop()
      await run?.server.close()
      s.cleanup()
    }
  })

  test('the first-run screens are the ones preparation answers: trust, API key, onboarding (each detected on the real output)', async () => {
    const cases = [
      { name: 'trust', prepare: (s: Sandbox) => writeFileSync(s.configFile, JSON.stringify({ hasCompletedOnboarding: true })), screen: 'folder-trust', text: 'yes, i trust this folder' },
      {
        name: 'key',
        prepare: (s: Sandbox) => writeFileSync(s.configFile, JSON.stringify({ hasCompletedOnboarding: true, projects: { [s.worktree]: { hasTrustDialogAccepted: true } } })),
        screen: 'api-key-approval',
        text: 'do you want to use this api key?'
      },
      { name: 'onboarding', prepare: (s: Sandbox) => writeFileSync(s.configFile, '{}'), screen: 'offline-onboarding', text: 'unable to connect to anthropic services' }
    ] as const
    await Promise.all(
      cases.map(async (c) => {
        const s = makeSandbox(`screen-${c.name}`)
        let run: Started | undefined
        try {
          c.prepare(s)
          run = await startAgent(s, [{ say: 'never asked' }])
          await run.claude.waitForText(c.text)
          assert.equal(detectBlockingScreen(run.claude.output())?.screen, c.screen, `${c.name}: detected as ${c.screen}`)
          assert.equal(run.server.mainRequests().length, 0, `${c.name}: no model request behind the screen`)
          if (c.name === 'onboarding') assert.equal((await run.claude.exit).exitCode, 1, 'offline onboarding quits')
        } finally {
          await run?.claude.stop()
          await run?.server.close()
          s.cleanup()
        }
      })
    )
  })
})
