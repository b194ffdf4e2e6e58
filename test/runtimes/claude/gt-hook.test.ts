// `gt hook <Event>` (src/main/cli/hook.ts), bundled and run as a real process, against a loopback stand-in
// for the core's `agent.hook` (support/hook-endpoint.ts); then the whole path with the real Claude Code:
// hooks written by writeClaudeHooks, each reporting with the polecat's token, a permission held until the
// test (the human) decides, a decision made in the terminal instead, and the worktree opened by hand.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { startModelServer, toolResults, messageTexts, type ModelServer, type Step } from '../../support/model-server/model-server'
import { eventually, removeDir, tempDir } from '../../support/fixtures'
import { claudeArgv, claudeEnv } from '../../../src/main/core/runtimes/claude/launch'
import { prepareClaudeConfig } from '../../../src/main/core/runtimes/claude/prepare-config'
import { claudeConfigLocation } from '../../../src/main/core/runtimes/claude/config-location'
import { writeClaudeHooks } from '../../../src/main/core/runtimes/claude/hooks-file'
import { permissionRequestOutput, ruleForCall, sessionStartOutput } from '../../../src/main/core/runtimes/claude/hook-output'
import { normalizeTerminalText } from '../../../src/main/core/runtimes/claude/blocking-screens'
import { startHookEndpoint, type HookAnswer, type HookCall, type HookEndpoint } from './support/hook-endpoint'
import { CLAUDE_BIN, bundleGtHook, claudeSkipReason, makeSandbox, sandboxEnv, spawnClaude, type ClaudeProcess, type Sandbox } from './support/claude-harness'

const TOKEN = 'gt-agent-token-for-tests'
let bin: string
let gt: string
before(async () => {
  bin = tempDir('gt-hook-bin')
  gt = await bundleGtHook(bin)
})
after(() => removeDir(bin))

function runHook(event: string, env: Record<string, string>, stdin: string): Promise<{ code: number | null; stdout: string; stderr: string; proc: ReturnType<typeof spawn> }> & { proc: ReturnType<typeof spawn> } {
  const proc = spawn(gt, ['hook', event], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (d) => (stdout += d))
  proc.stderr!.on('data', (d) => (stderr += d))
  proc.stdin!.end(stdin)
  const p = new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr, proc }))) as Promise<{ code: number | null; stdout: string; stderr: string; proc: ReturnType<typeof spawn> }> & { proc: ReturnType<typeof spawn> }
  p.proc = proc
  return p
}

describe('gt hook, as a process', () => {
  test('without GT_TOKEN and GT_ENDPOINT it does nothing and exits 0, whatever it is given', async () => {
    const r = await runHook('PermissionRequest', {}, 'not even json')
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''])
    const bad = await runHook('NoSuchEvent', {}, '{}')
    assert.equal(bad.code, 0, 'outside the app even a bad event name is no error')
  })

  test('it reports the event and input with the token and prints the answer; a PermissionRequest waits as long as the core does', async () => {
    let release!: (a: HookAnswer) => void
    const endpoint = await startHookEndpoint(TOKEN, (c) =>
      c.event === 'SessionStart' ? { stdout: sessionStartOutput('PRIMED') } : new Promise<HookAnswer>((r) => (release = r))
    )
    try {
      const env = { GT_ENDPOINT: endpoint.url, GT_TOKEN: TOKEN }
      const ss = await runHook('SessionStart', env, JSON.stringify({ session_id: 's-1', source: 'startup' }))
      assert.equal(ss.code, 0)
      assert.deepEqual(JSON.parse(ss.stdout), { hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: 'PRIMED' } })
      assert.deepEqual(endpoint.calls[0].input, { session_id: 's-1', source: 'startup' })

      const pending = runHook('PermissionRequest', env, JSON.stringify({ session_id: 's-1', tool_name: 'Bash', tool_input: { command: 'ls' } }))
      await endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      await new Promise((r) => setTimeout(r, 1_500))
      assert.equal(pending.proc.exitCode, null, 'still waiting for the human')
      release({ stdout: permissionRequestOutput({ behavior: 'deny', message: 'no' }) })
      const pr = await pending
      assert.equal(pr.code, 0)
      assert.deepEqual(JSON.parse(pr.stdout).hookSpecificOutput.decision, { behavior: 'deny', message: 'no' })
    } finally {
      await endpoint.close()
    }
  })

  test('killed while waiting (Claude Code answered in its terminal), the core sees the call abandoned', async () => {
    const endpoint = await startHookEndpoint(TOKEN, () => new Promise<HookAnswer>(() => {}))
    try {
      const pending = runHook('PermissionRequest', { GT_ENDPOINT: endpoint.url, GT_TOKEN: TOKEN }, '{"tool_name":"Bash"}')
      const call = await endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      pending.proc.kill('SIGTERM')
      await pending
      await eventually(() => call.abandoned, 'the endpoint to see the caller hang up')
    } finally {
      await endpoint.close()
    }
  })

  test('when the process that ran it dies, a waiting hook ends too: no orphan holds the permission open', async () => {
    const endpoint = await startHookEndpoint(TOKEN, () => new Promise<HookAnswer>(() => {}))
    try {
      // As Claude Code runs hooks: through `sh -c`, which stays between it and the hook.
      const claudeStandIn = spawn('sh', ['-c', `sh -c '${gt} hook PermissionRequest < /dev/null; true'; true`], {
        env: { PATH: process.env.PATH ?? '', GT_ENDPOINT: endpoint.url, GT_TOKEN: TOKEN },
        stdio: 'ignore'
      })
      const call = await endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      await new Promise((r) => setTimeout(r, 1_200))
      assert.equal(call.abandoned, false, 'waits while its parent lives')
      claudeStandIn.kill('SIGKILL')
      await eventually(() => call.abandoned, 'the orphaned hook to hang up', 10_000)
    } finally {
      await endpoint.close()
    }
  })

  test('with the core gone it exits 0 with no answer (Claude Code then asks in its terminal); a bad event name exits 1', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer()
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port
        srv.close(() => resolve(p))
      })
    })
    const env = { GT_ENDPOINT: `http://127.0.0.1:${port}`, GT_TOKEN: TOKEN }
    const r = await runHook('PermissionRequest', env, '{}')
    assert.equal(r.code, 0)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /not answering .*going on without the control room/)
    const bad = await runHook('PermissonRequest', env, '{}')
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /expected one Claude Code hook event name/)
  })
})

const skip = claudeSkipReason()
const API_KEY = 'sk-ant-api03-scripted-test-key-0123456789abcdef'

interface Agent {
  s: Sandbox
  claude: ClaudeProcess
  server: ModelServer
  endpoint: HookEndpoint
  sessionId: string
  stop(): Promise<void>
}

async function startAgent(name: string, steps: Step[], answer: (c: HookCall) => Promise<HookAnswer> | HookAnswer, opts: { withGtEnv?: boolean } = {}): Promise<Agent> {
  const s = makeSandbox(name)
  const server = await startModelServer(steps)
  const endpoint = await startHookEndpoint(TOKEN, answer)
  await prepareClaudeConfig({ file: s.configFile, workdir: s.worktree, apiKey: API_KEY })
  await writeClaudeHooks(s.worktree, { gt })
  const sessionId = randomUUID()
  const config = { mode: 'town' as const, location: claudeConfigLocation({ HOME: s.home, CLAUDE_CONFIG_DIR: s.configDir }), env: { CLAUDE_CONFIG_DIR: s.configDir } }
  const { set } = claudeEnv({ config, modelServerUrl: server.url, apiKey: API_KEY })
  const gtEnv: Record<string, string> = opts.withGtEnv === false ? {} : { GT_ENDPOINT: endpoint.url, GT_TOKEN: TOKEN }
  const claude = spawnClaude(claudeArgv({ command: CLAUDE_BIN, prompt: 'Do the work on your hook.', sessionId }), s.worktree, sandboxEnv(s, { ...set, ...gtEnv }))
  return {
    s,
    claude,
    server,
    endpoint,
    sessionId,
    stop: async () => {
      await claude.stop()
      await server.close()
      await endpoint.close()
      s.cleanup()
    }
  }
}

const fileHas = (file: string, text: string) => () => existsSync(file) && readFileSync(file, 'utf8') === text

describe('gt hook with the real Claude Code', { skip }, () => {
  test('SessionStart gives the agent its prime text; a permission waits for the human; "always allow" adds a rule for the rig', async () => {
    let decide!: (a: HookAnswer) => void
    const a = await startAgent('gt-hook-allow', [{ bash: 'echo approved > approved.txt' }, { say: 'All done.' }], (c) => {
      if (c.event === 'SessionStart') return { stdout: sessionStartOutput('GT-PRIME: you are polecat p1; bead gt-42 is on your hook.') }
      if (c.event === 'PermissionRequest') return new Promise<HookAnswer>((r) => (decide = r))
      return null
    })
    try {
      const first = await a.server.waitForRequest((r) => r.kind === 'main', 'the first model request')
      assert.ok(
        messageTexts(first.body, 'system').some((t) => t.includes('GT-PRIME: you are polecat p1; bead gt-42 is on your hook.')),
        `the prime text from SessionStart is in the first request's system message: ${JSON.stringify(first.body?.messages).slice(0, 1500)}`
      )
      const pr = await a.endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      assert.equal(pr.input.session_id, a.sessionId)
      assert.deepEqual(pr.input.tool_input, { command: 'echo approved > approved.txt', description: 'Run a scripted command' })
      await a.claude.waitForText('do you want to proceed?') // the TUI is live meanwhile
      assert.equal(a.server.mainRequests().length, 1, 'held at the tool call')
      decide({ stdout: permissionRequestOutput({ behavior: 'allow', alwaysAllow: { rules: [ruleForCall('Bash', pr.input.tool_input)] } }) })
      await eventually(fileHas(join(a.s.worktree, 'approved.txt'), 'approved\n'), 'approved.txt')
      const after = await a.server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the request with the tool result')
      assert.equal(toolResults(after.body)[0].is_error, false)
      const stop = await a.endpoint.waitForCall((c) => c.event === 'Stop', 'the Stop hook')
      assert.equal(stop.input.session_id, a.sessionId)
      // In a git worktree Claude Code keeps "localSettings" rules in the main checkout (for a polecat: the
      // rig's clone), so the rule holds for every polecat of the rig; our exclude keeps it out of git there too.
      const ruleFile = join(a.s.repo, '.claude', 'settings.local.json')
      await eventually(() => existsSync(ruleFile) && JSON.parse(readFileSync(ruleFile, 'utf8')).permissions?.allow?.includes('Bash(echo approved > approved.txt)'), `the rule in ${ruleFile}`)
      assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: a.s.repo, encoding: 'utf8' }), '', 'the rule file is git-ignored in the main checkout')
      const hooks = JSON.parse(readFileSync(join(a.s.worktree, '.claude', 'settings.local.json'), 'utf8'))
      assert.ok(hooks.hooks.PermissionRequest[0].hooks[0].command.endsWith('hook PermissionRequest'), 'our hooks file is unchanged')
    } finally {
      await a.stop()
    }
  })

  test('after /compact, SessionStart (source "compact") primes the agent again: the next request carries the prime text', async () => {
    let primes = 0
    const a = await startAgent('gt-hook-compact', [{ say: 'First turn done.' }, { say: 'Second turn done.' }], (c) =>
      c.event === 'SessionStart' ? { stdout: sessionStartOutput(`GT-PRIME #${++primes} for polecat p1`) } : null
    )
    try {
      await a.endpoint.waitForCall((c) => c.event === 'Stop', 'the end of the first turn')
      await a.claude.waitForText('first turn done.')
      a.claude.write('/compact')
      await new Promise((r) => setTimeout(r, 500))
      a.claude.write('\r')
      await a.endpoint.waitForCall((c) => c.event === 'PreCompact', 'PreCompact')
      await a.endpoint.waitForCall((c) => c.event === 'SessionStart' && c.input.source === 'compact', 'SessionStart after the compaction')
      await a.server.waitForRequest((r) => r.kind === 'compact', 'the compaction request')
      await a.claude.waitForText('compacted')
      a.claude.write('Carry on.')
      await new Promise((r) => setTimeout(r, 500))
      a.claude.write('\r')
      const next = await a.server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the first request after the compaction')
      const texts = messageTexts(next.body).join('\n')
      assert.ok(texts.includes('GT-PRIME #2 for polecat p1'), `the second prime is in the request after compaction: ${texts.slice(0, 600)}`)
      assert.equal(a.server.stepsUsed(), 2, 'the compaction used no step')
    } finally {
      await a.stop()
    }
  })

  test('a permission answered Yes in the terminal runs the call; the hook learns it from PostToolUse', async () => {
    const a = await startAgent('gt-hook-term-yes', [{ bash: 'echo typed > typed.txt' }, { say: 'Done.' }], (c) =>
      c.event === 'PermissionRequest' ? new Promise<HookAnswer>(() => {}) : null
    )
    try {
      const pr = await a.endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      await a.claude.waitForText('do you want to proceed?')
      a.claude.write('1') // the human takes over and presses the agent's own key
      await eventually(fileHas(join(a.s.worktree, 'typed.txt'), 'typed\n'), 'typed.txt')
      const post = await a.endpoint.waitForCall((c) => c.event === 'PostToolUse', 'PostToolUse after the terminal approval')
      assert.deepEqual(post.input.tool_input, pr.input.tool_input, 'PostToolUse names the same call')
      assert.equal(pr.abandoned, false, 'Claude Code leaves the waiting hook running after a Yes in the terminal')
    } finally {
      await a.stop()
    }
  })

  test('a permission answered No in the terminal kills the waiting hook: the core sees the call abandoned', async () => {
    const a = await startAgent('gt-hook-term-no', [{ bash: 'echo never > never.txt' }, { say: 'Done.' }], (c) =>
      c.event === 'PermissionRequest' ? new Promise<HookAnswer>(() => {}) : null
    )
    try {
      const pr = await a.endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      await a.claude.waitForText('do you want to proceed?')
      a.claude.write('4')
      await eventually(() => pr.abandoned, 'the hook to be killed')
      await a.claude.waitForText('interrupted')
      assert.equal(existsSync(join(a.s.worktree, 'never.txt')), false)
    } finally {
      await a.stop()
    }
  })

  test('Claude Code killed while a permission waits: its hook hangs up instead of lingering', async () => {
    const a = await startAgent('gt-hook-killed', [{ bash: 'echo x > x.txt' }, { say: 'Done.' }], (c) =>
      c.event === 'PermissionRequest' ? new Promise<HookAnswer>(() => {}) : null
    )
    try {
      const pr = await a.endpoint.waitForCall((c) => c.event === 'PermissionRequest', 'the permission request')
      process.kill(a.claude.pid, 'SIGKILL')
      await a.claude.exit
      await eventually(() => pr.abandoned, 'the hook of the dead Claude Code to hang up', 10_000)
    } finally {
      await a.stop()
    }
  })

  test('the same worktree opened by hand (no GT_TOKEN): the hooks do nothing, no hook error, the terminal asks', async () => {
    const a = await startAgent('gt-hook-by-hand', [{ bash: 'echo x > x.txt' }, { say: 'Done.' }], () => null, { withGtEnv: false })
    try {
      await a.claude.waitForText('do you want to proceed?')
      assert.equal(a.endpoint.calls.length, 0, 'nothing reached the endpoint')
      const screen = normalizeTerminalText(a.claude.output())
      assert.ok(screen.includes('sessionstart') === false && !screen.includes('hook failed'), `no hook failure on screen: ${screen.slice(-400)}`)
    } finally {
      await a.stop()
    }
  })
})
