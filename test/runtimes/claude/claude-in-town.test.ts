// The real Claude Code slung by the control room (gt serve, a real town, a real rig), driven by a scripted
// model on loopback: it reaches its first model request with no human input, each Bash call becomes an inbox
// item with the exact command, `gt inbox approve` runs it, `gt inbox deny --reason` returns the reason to the
// model as an error tool_result, "always allow" skips the next matching request, a turn that ends without
// gt done shows the polecat at its prompt, and the session id on record is the one in the CLI's hooks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InboxItem, LedgerEvent, Polecat, Session } from '../../../src/shared/domain'
import { GIT_IDENTITY, startServe, type Served } from '../../../e2e/support/serve'
import { endpointRpc } from '../../support/endpoint-rpc'
import { eventually, makeRepo, removeDir, requireBuild, tempDir } from '../../support/fixtures'
import { runGt } from '../../support/run-gt'
import { startModelServer, toolResults, type ModelServer } from '../../support/model-server/model-server'
import { CLAUDE_BIN, claudeSkipReason } from './support/claude-harness'

const API_KEY = 'sk-ant-test-0123456789abcdefghijklmnop'

test('Claude Code slung by the control room: no screen left, each Bash call in the inbox, approve/deny/always-allow, at its prompt after its turn', { skip: claudeSkipReason() ?? false, timeout: 180_000 }, async () => {
  requireBuild()
  const town = tempDir('town')
  const home = tempDir('home')
  const repo = makeRepo()
  let model: ModelServer | null = null
  let serve: Served | null = null
  try {
    model = await startModelServer([
      { bash: 'touch approved.txt', description: 'Make the first file' },
      { bash: 'touch denied.txt', description: 'Make a file the human will refuse' },
      { bash: 'touch always-1.txt', description: 'First of a kind' },
      { bash: 'touch always-2.txt', description: 'Second of the same kind' },
      { say: 'I made the files; waiting for instructions.' }
    ])
    // The agents get a config folder of the town's own: the user's ~/.claude.json is never touched.
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ claudeConfig: 'town', runtimes: { claude: { command: [CLAUDE_BIN], adapter: 'claude' } } }))
    serve = await startServe(town, {
      env: {
        ...process.env,
        ...GIT_IDENTITY,
        GT_TOWN: '',
        HOME: home,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: API_KEY,
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_ERROR_REPORTING: '1'
      }
    })
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const bead = await rpc('beads.create', { title: 'Make some files', rig: 'app' })
    const pc: Polecat = await rpc('sling', { bead: bead.id, rig: 'app', agent: 'claude' })
    const m = model

    const first = await m.waitForRequest((r) => r.kind === 'main', 'the first model request, with no human input', 60_000)
    const item = async (command: string): Promise<InboxItem> =>
      eventually(async () => ((await rpc('inbox.list')) as InboxItem[]).find((i) => i.kind === 'permission' && i.status === 'open' && (i.tool?.input as { command?: string })?.command === command), `an inbox item for ${command}`, 60_000)
    const gt = async (...args: string[]) => {
      const r = await runGt([...args, '--town', town], {})
      assert.equal(r.code, 0, r.stderr)
      return r
    }

    const approveMe = await item('touch approved.txt')
    assert.equal(approveMe.tool!.name, 'Bash')
    assert.equal(approveMe.polecatId, pc.id)
    const waiting = ((await rpc('polecats.list')) as Polecat[]).find((p) => p.id === pc.id)!
    assert.equal(waiting.activity, 'waiting_permission')
    assert.equal(waiting.activitySource, 'hooks')
    await gt('inbox', 'approve', approveMe.id)
    await eventually(() => existsSync(join(pc.worktree, 'approved.txt')), 'the approved command to run', 30_000)
    const afterApprove = await m.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the request after the approved call')
    assert.equal(toolResults(afterApprove.body).at(-1)!.is_error, false)

    const denyMe = await item('touch denied.txt')
    await gt('inbox', 'deny', denyMe.id, '--reason', 'Not that file: use the Makefile')
    const afterDeny = await m.waitForRequest((r) => r.kind === 'main' && r.step === 2, 'the request after the denied call')
    const denied = toolResults(afterDeny.body).at(-1)!
    assert.equal(denied.is_error, true)
    assert.match(denied.text, /Not that file: use the Makefile/)
    assert.equal(existsSync(join(pc.worktree, 'denied.txt')), false)

    const always = await item('touch always-1.txt')
    await gt('inbox', 'approve', always.id, '--always')
    await eventually(() => existsSync(join(pc.worktree, 'always-2.txt')), 'the second, matching command to run without asking', 30_000)
    const items = (await rpc('inbox.list', { includeClosed: true })) as InboxItem[]
    assert.equal(items.filter((i) => (i.tool?.input as { command?: string })?.command === 'touch always-2.txt').length, 0, 'it never reached the inbox')

    // The turn ends without gt done: the polecat is at its prompt, and says so from its hooks.
    await eventually(async () => ((await rpc('polecats.list')) as Polecat[]).find((p) => p.id === pc.id)?.activity === 'at_prompt', 'the polecat at its prompt', 30_000)

    // The session id on record is the one we gave Claude Code, which its hooks and its requests carry.
    const [session] = (await rpc('sessions.list', { bead: bead.id })) as Session[]
    assert.match(session.runtimeSessionId ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(first.headers['x-claude-code-session-id'], session.runtimeSessionId)
    const starts = ((await rpc('ledger.list', { subject: bead.id })) as LedgerEvent[]).filter((e) => e.kind === 'agent.session-start')
    assert.equal((starts[0].data as { runtimeSession: string }).runtimeSession, session.runtimeSessionId)
    assert.equal(((await rpc('ledger.list', { subject: bead.id })) as LedgerEvent[]).filter((e) => e.kind === 'session.runtime-id').length, 0, 'no other session id was ever reported')
  } finally {
    await serve?.stop('SIGTERM').catch(() => serve?.proc.kill('SIGKILL'))
    await model?.close()
    for (const d of [town, home, repo]) removeDir(d)
  }
})

test('a real Claude Code stopped on a screen that waits for a human is raised to the inbox and shown as stuck, never as working', { skip: claudeSkipReason() ?? false, timeout: 180_000 }, async () => {
  requireBuild()
  const town = tempDir('town')
  const home = tempDir('home')
  const repo = makeRepo()
  let model: ModelServer | null = null
  let serve: Served | null = null
  try {
    // A project MCP server nobody approved: Claude Code asks about it before it does anything.
    writeFileSync(join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { tools: { command: 'sh', args: ['-c', 'sleep 60'] } } }))
    const { execFileSync } = await import('node:child_process')
    execFileSync('git', ['add', '.mcp.json'], { cwd: repo })
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'project MCP server'], { cwd: repo })
    model = await startModelServer([{ say: 'Hello.' }])
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ claudeConfig: 'town', runtimes: { claude: { command: [CLAUDE_BIN], adapter: 'claude' } } }))
    serve = await startServe(town, {
      env: { ...process.env, ...GIT_IDENTITY, GT_TOWN: '', HOME: home, ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: API_KEY, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }
    })
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const bead = await rpc('beads.create', { title: 'Blocked at start', rig: 'app' })
    const pc: Polecat = await rpc('sling', { bead: bead.id, rig: 'app', agent: 'claude' })
    const alarm = await eventually(
      async () => ((await rpc('inbox.list')) as InboxItem[]).find((i) => i.kind === 'alarm' && i.polecatId === pc.id),
      'an alarm that the agent is stuck on a screen',
      60_000
    )
    assert.match(alarm.title, /stuck on a screen that waits for a human: Claude Code asks whether to use an MCP server/)
    const polecat = ((await rpc('polecats.list')) as Polecat[]).find((p) => p.id === pc.id)!
    assert.equal(polecat.activity, 'blocked_screen')
    assert.equal(model.mainRequests().length, 0, 'it really has not started')
  } finally {
    await serve?.stop('SIGTERM').catch(() => serve?.proc.kill('SIGKILL'))
    await model?.close()
    for (const d of [town, home, repo]) removeDir(d)
  }
})

test('a real Claude Code whose turn ends without gt done is nudged at its prompt: the witness types in what to do, and the model receives it', { skip: claudeSkipReason() ?? false, timeout: 180_000 }, async () => {
  requireBuild()
  const town = tempDir('town')
  const home = tempDir('home')
  const repo = makeRepo()
  let model: ModelServer | null = null
  let serve: Served | null = null
  try {
    model = await startModelServer([{ say: 'I looked around; I will stop here.' }, { say: 'Understood, carrying on.' }])
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ claudeConfig: 'town', runtimes: { claude: { command: [CLAUDE_BIN], adapter: 'claude' } } }))
    serve = await startServe(town, {
      env: { ...process.env, ...GIT_IDENTITY, GT_TOWN: '', HOME: home, ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: API_KEY, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }
    })
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    await rpc('rigs.configure', { rig: 'app', key: 'retry_backoff_s', value: '0' })
    const bead = await rpc('beads.create', { title: 'Stops early', rig: 'app' })
    await rpc('sling', { bead: bead.id, rig: 'app', agent: 'claude' })
    const m = model
    const nudged = await m.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the request that carries the nudge', 90_000)
    const users = JSON.stringify(nudged.body?.messages ?? [])
    assert.match(users, /Your turn ended but your bead is not done/)
    const kinds = ((await rpc('ledger.list', { subject: bead.id })) as LedgerEvent[]).map((e) => e.kind)
    for (const k of ['witness.at_prompt_without_done', 'dogs.nudged']) assert.ok(kinds.includes(k), k)
  } finally {
    await serve?.stop('SIGTERM').catch(() => serve?.proc.kill('SIGKILL'))
    await model?.close()
    for (const d of [town, home, repo]) removeDir(d)
  }
})
