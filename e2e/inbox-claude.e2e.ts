// The Deacon inbox with the real Claude Code (the devDependency), slung from the page as a user does, driven
// offline by the scripted model server (test/support/model-server): its Bash call becomes an inbox item with
// the exact command; Approve lets it run and the model receives the tool's result; and the user can instead
// take over from the item, answer Claude Code's own "Do you want to proceed?" in its terminal, hand back, and
// the item is resolved (its PostToolUse hook tells the core). gt serve runs with a temp HOME and the town's own
// Claude config (settings.json {"claudeConfig": "town"}), so the user's ~/.claude.json is never touched.
// Skipped, with the reason, where the Claude Code CLI is not installed or does not run.
//
//   npx electron-vite build && npx node --import tsx --test e2e/inbox-claude.e2e.ts
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ROOT, eventually, removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { startModelServer, toolResults, type ModelServer, type Step } from '../test/support/model-server/model-server'
import { claudeSkipReason } from '../test/runtimes/claude/support/claude-harness'
import { INHERITED_CLAUDE_VARS } from '../src/main/core/runtimes/claude/launch'
import { expectAttr, expectTerminal, expectText, launchChromium, shot, until } from './support/browser'
import { withTown, type TownScenario } from './support/scenario'
import { GIT_IDENTITY } from './support/serve'
import { createBead, expectNoErrorToast, goTo, key, polecatOf, submitRig, tid } from './support/ui'

const skip = claudeSkipReason()
const API_KEY = 'sk-ant-api03-scripted-test-key-0123456789abcdef'

let browser: Browser

before(async () => {
  if (skip) return
  requireBuild()
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

/**
 * gt serve's environment: ours minus anything of a Claude Code session or account we may run inside, a temp
 * HOME, the model server as the API, no traffic to anywhere else, and node_modules/.bin first on PATH (the
 * claude preset runs `claude` from PATH).
 */
function claudeServeEnv(home: string, server: ModelServer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_IDENTITY, GT_TOWN: '' }
  for (const k of [...INHERITED_CLAUDE_VARS, 'CLAUDE_CONFIG_DIR', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_MODEL', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX']) delete env[k]
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: API_KEY,
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`
  }
}

/** A town whose gt serve talks to a model server playing `steps`; `body` gets both. */
async function withClaudeTown(name: string, steps: Step[], body: (t: TownScenario, server: ModelServer) => Promise<void>): Promise<void> {
  const server = await startModelServer(steps)
  const home = tempDir('e2e-claude-home')
  try {
    await withTown(browser, name, (t) => body(t, server), { settings: { claudeConfig: 'town' }, env: claudeServeEnv(home, server) })
  } finally {
    await server.close()
    removeDir(home)
  }
}

/** Creates a bead and slings it to Claude Code from the bead's detail pane; returns the polecat id and worktree. */
async function slingToClaude(t: TownScenario, title: string): Promise<{ polecatId: string; worktree: string }> {
  const { page } = t
  await submitRig(page, 'sample', t.repo)
  await expectText(tid(page, 'rig-row-sample'), t.repo, 'the rig row of sample')
  const beadId = await createBead(page, { title, rig: 'sample' })
  await tid(page, `bead-row-${beadId}`).click()
  const detail = tid(page, 'bead-detail')
  await expectText(detail, beadId, 'the bead detail')
  await detail.getByTestId('sling-rig').selectOption('sample')
  await detail.getByTestId('sling-runtime').selectOption('claude')
  await detail.getByTestId('sling-submit').click()
  await expectAttr(tid(page, `bead-row-${beadId}`), 'data-status', 'hooked', `bead ${beadId} after slinging`)
  await expectNoErrorToast(page, 'after slinging to Claude Code')
  const polecatId = await polecatOf(page, 'sample', beadId)
  return { polecatId, worktree: join(t.town, 'rigs', 'sample', 'polecats', polecatId.split('/')[1]) }
}

/** Waits for the permission request to run `command` to be in the Inbox, opens it, and returns its id. */
async function openRequest(page: Page, command: string): Promise<string> {
  await goTo(page, 'inbox')
  const row = page.locator('[data-testid^="inbox-row-"]', { hasText: command })
  // Claude Code starts, reads its first prompt and asks the model: allow it more than a page's usual wait.
  await until(async () => (await row.count()) === 1, `the request to run ${JSON.stringify(command)} in the Inbox`, 90_000)
  const id = ((await row.getAttribute('data-testid')) ?? '').slice('inbox-row-'.length)
  await row.click()
  await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', id, 'the request shown whole')
  return id
}

describe('the Deacon inbox with the real Claude Code', { skip }, () => {
  test('a Bash call becomes an inbox item with the exact command; Approve runs it and the model receives its result', { timeout: 180_000 }, async () => {
    const command = 'echo approved-in-the-inbox > approved.txt'
    await withClaudeTown('claude-approve', [{ bash: command, description: 'Write the file' }, { say: 'The file is written.' }], async (t, server) => {
      const { page } = t
      const { polecatId, worktree } = await slingToClaude(t, 'Write approved.txt')
      const id = await openRequest(page, command)
      assert.equal(await tid(page, 'inbox-detail-command').textContent(), command, 'the exact command Claude Code asks to run')
      await expectText(tid(page, 'inbox-detail'), 'the agent says: Write the file', 'the description Claude Code gave')
      // The screen's last lines: Claude Code's own permission dialog with the command (the prompt above may have scrolled away).
      await expectText(tid(page, 'inbox-detail-screen'), command, "Claude Code's screen when it asked")
      await expectText(tid(page, 'nav-inbox-count'), /^1$/, 'the badge')
      assert.equal(server.mainRequests().length, 1, 'the model is not asked again while the request waits')
      assert.equal(existsSync(join(worktree, 'approved.txt')), false, 'nothing runs before Approve')
      await goTo(page, 'polecats')
      await expectText(tid(page, `polecat-activity-${key(polecatId)}`), `waiting for permission`, 'the polecat activity')
      await expectText(tid(page, `polecat-activity-${key(polecatId)}`), `Bash: ${command}`, 'what it waits for')
      await shot(page, 'claude-polecat-waiting')
      await tid(page, `polecat-inbox-link-${key(polecatId)}`).click()
      await expectAttr(tid(page, 'inbox-detail'), 'data-item-id', id, 'the request, from the polecat')
      await shot(page, 'claude-inbox-request')

      await tid(page, 'inbox-action-approve').click()
      const after = await server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the model request with the tool result', 60_000)
      const [result] = toolResults(after.body)
      assert.equal(result.is_error, false, `the tool ran: ${result.text}`)
      await eventually(() => existsSync(join(worktree, 'approved.txt')), 'approved.txt written by the approved command')
      assert.equal(readFileSync(join(worktree, 'approved.txt'), 'utf8'), 'approved-in-the-inbox\n')
      // The turn ends: the agent is at its prompt, from its Stop hook.
      await goTo(page, 'polecats')
      await expectText(tid(page, `polecat-activity-${key(polecatId)}`), /^at its prompt · \d+ s$/, 'the polecat after its turn', 60_000)
      await shot(page, 'claude-at-prompt')
      await goTo(page, 'inbox')
      await tid(page, 'inbox-show-closed').check()
      await tid(page, `inbox-row-${id}`).click()
      await expectText(tid(page, 'inbox-closed'), /approved by human .* approved once/, 'the decision')
      await expectNoErrorToast(page, 'in the Claude Code approve flow')
    })
  })

  test("Take over from the item, answer Claude Code's own prompt in its terminal, hand back: the item is resolved", { timeout: 180_000 }, async () => {
    const command = 'echo answered-in-the-terminal > typed.txt'
    await withClaudeTown('claude-takeover', [{ bash: command, description: 'Write typed.txt' }, { say: 'Written.' }], async (t, server) => {
      const { page } = t
      const { polecatId, worktree } = await slingToClaude(t, 'Write typed.txt')
      const id = await openRequest(page, command)
      await tid(page, 'inbox-action-takeover').click()
      const pane = tid(page, `terminal-${key(polecatId)}`)
      await expectAttr(pane, 'data-taken-over', 'true', 'the terminal taken over from the item')
      await expectTerminal(page, polecatId, 'Do you want to proceed?', 30_000)
      await until(() => page.evaluate((k) => !!document.activeElement?.closest(`[data-testid="terminal-${k}"]`), key(polecatId)), 'the keyboard in the taken-over terminal')
      await shot(page, 'claude-taken-over-prompt')
      // Claude Code's "1. Yes", by its key.
      await page.keyboard.type('1')
      const after = await server.waitForRequest((r) => r.kind === 'main' && r.step === 1, 'the model request after the answer in the terminal', 60_000)
      assert.equal(toolResults(after.body)[0]?.is_error, false, 'the tool ran')
      await eventually(() => existsSync(join(worktree, 'typed.txt')), 'typed.txt written')
      await tid(page, 'terminal-handback').click()
      await expectAttr(pane, 'data-taken-over', 'false', 'the terminal handed back')

      await goTo(page, 'inbox')
      await until(async () => (await tid(page, `inbox-row-${id}`).count()) === 0, 'the resolved item to leave the waiting list')
      await tid(page, 'inbox-show-closed').check()
      await expectAttr(tid(page, `inbox-row-${id}`), 'data-status', 'resolved', 'the item')
      await tid(page, `inbox-row-${id}`).click()
      await expectText(tid(page, 'inbox-closed'), /resolved by agent .* approved in the agent’s terminal/, 'how it was resolved')
      await shot(page, 'claude-resolved-in-terminal')
      await expectNoErrorToast(page, 'in the Claude Code takeover flow')
    })
  })
})
