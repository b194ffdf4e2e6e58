// The real Claude Code as the AI mayor (gt serve, a real town), driven by a scripted model on loopback: it
// starts in <town>/mayor with the mayor prompt and no screen left, runs its gt tools without a permission
// prompt (its token is the limit), and the model receives a mayor tool's answer and the refusal of a human's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GIT_IDENTITY, startServe, type Served } from '../../../e2e/support/serve'
import { endpointRpc } from '../../support/endpoint-rpc'
import { makeRepo, removeDir, requireBuild, tempDir } from '../../support/fixtures'
import { startModelServer, toolResults, type ModelServer } from '../../support/model-server/model-server'
import { CLAUDE_BIN, claudeSkipReason } from './support/claude-harness'

const API_KEY = 'sk-ant-test-0123456789abcdefghijklmnop'

test('Claude Code as the mayor: the mayor prompt, gt tools without asking, a human-only command refused by name', { skip: claudeSkipReason() ?? false, timeout: 180_000 }, async () => {
  requireBuild()
  const town = tempDir('town')
  const home = tempDir('home')
  const repo = makeRepo()
  let model: ModelServer | null = null
  let serve: Served | null = null
  try {
    model = await startModelServer([
      { bash: 'gt rig list', description: 'See the rigs' },
      { bash: 'gt inbox approve inbox-nothing', description: 'Try a human-only command' },
      { say: 'I looked at the town; what should I route?' }
    ])
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ claudeConfig: 'town', runtimes: { claude: { command: [CLAUDE_BIN], adapter: 'claude' } } }))
    serve = await startServe(town, {
      env: { ...process.env, ...GIT_IDENTITY, GT_TOWN: '', HOME: home, ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: API_KEY, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }
    })
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const started = await rpc('mayor.start', {})
    assert.equal(started.runtime, 'claude', "the town's default runtime")
    const m = model

    const first = await m.waitForRequest((r) => r.kind === 'main', 'the first model request, with no human input', 90_000)
    assert.match(JSON.stringify(first.body?.messages ?? []), /You are the mayor of the Gas Town at .*Rigs \(projects\) now: app\./)
    const afterList = await m.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the request after gt rig list', 60_000)
    const listed = toolResults(afterList.body).at(-1)!
    assert.equal(listed.is_error, false, listed.text)
    assert.match(listed.text, /app/)
    const afterApprove = await m.waitForRequest((r) => r.kind === 'main' && r.step === 2, 'the request after gt inbox approve', 60_000)
    const refused = toolResults(afterApprove.body).at(-1)!
    assert.match(refused.text, /the mayor may not call inbox\.approve/)

    const stopped = await rpc('mayor.stop', {})
    assert.equal(stopped.running, false)
  } finally {
    await serve?.stop('SIGTERM').catch(() => serve?.proc.kill('SIGKILL'))
    await model?.close()
    for (const d of [town, home, repo]) removeDir(d)
  }
})
