// The hooks file written into a worktree (merged with what is there, git-ignored), the argv and env a
// Claude Code agent starts with, and the blocking-screen detector's rules on Ink-style output.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLAUDE_HOOK_EVENTS, PERMISSION_WAIT_S, hookCommand, shellQuote, writeClaudeHooks } from '../../../src/main/core/runtimes/claude/hooks-file'
import { claudeArgv, claudeEnv } from '../../../src/main/core/runtimes/claude/launch'
import { chooseClaudeConfig } from '../../../src/main/core/runtimes/claude/prepare-config'
import { BlockingScreenWatcher, detectBlockingScreen, normalizeTerminalText } from '../../../src/main/core/runtimes/claude/blocking-screens'
import { permissionRequestOutput, ruleForCall } from '../../../src/main/core/runtimes/claude/hook-output'
import { makeRepo, removeDir, sh, tempDir } from '../../support/fixtures'

test('the hooks file gets one `gt hook <Event>` per event, keeps the user\'s own hooks and keys, replaces ours, and is git-ignored', async () => {
  const root = tempDir('hooks-file')
  try {
    mkdirSync(join(root, 'repo'))
    const repo = makeRepo(join(root, 'repo'))
    const wt = join(root, 'wt')
    sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'p', wt])
    mkdirSync(join(wt, '.claude'))
    const userHook = { type: 'command', command: 'notify-send done' }
    writeFileSync(join(wt, '.claude', 'settings.local.json'), JSON.stringify({ permissions: { allow: ['Bash(npm test)'] }, hooks: { Stop: [{ hooks: [userHook] }] } }))
    const gt = '/town with space/bin/gt'
    await writeClaudeHooks(wt, { gt })
    await writeClaudeHooks(wt, { gt }) // again: no duplicates
    const doc = JSON.parse(readFileSync(join(wt, '.claude', 'settings.local.json'), 'utf8'))
    assert.deepEqual(doc.permissions, { allow: ['Bash(npm test)'] })
    assert.deepEqual(Object.keys(doc.hooks).sort(), Object.keys(CLAUDE_HOOK_EVENTS).sort())
    assert.deepEqual(doc.hooks.Stop, [{ hooks: [userHook] }, { hooks: [{ type: 'command', command: `'/town with space/bin/gt' hook Stop`, timeout: 30 }] }])
    assert.deepEqual(doc.hooks.PermissionRequest, [{ hooks: [{ type: 'command', command: hookCommand(gt, 'PermissionRequest'), timeout: PERMISSION_WAIT_S }] }])
    assert.equal(doc.hooks.PostToolUse[0].hooks[0].async, true, 'reports that decide nothing run in the background')
    assert.equal(PERMISSION_WAIT_S * 1000 <= 2 ** 31 - 1, true, 'the wait fits a 32-bit timer')
    // Fewer events on a later write: the ones dropped are gone, the user's hook stays.
    await writeClaudeHooks(wt, { gt, events: ['PermissionRequest'] })
    const fewer = JSON.parse(readFileSync(join(wt, '.claude', 'settings.local.json'), 'utf8'))
    assert.deepEqual(Object.keys(fewer.hooks).sort(), ['PermissionRequest', 'Stop'])
    assert.deepEqual(fewer.hooks.Stop, [{ hooks: [userHook] }])
    // A moved town: the entries of the old gt path are ours too, and replaced.
    await writeClaudeHooks(wt, { gt: '/new/place/bin/gt', events: ['PermissionRequest'] })
    const moved = JSON.parse(readFileSync(join(wt, '.claude', 'settings.local.json'), 'utf8'))
    assert.deepEqual(moved.hooks.PermissionRequest, [{ hooks: [{ type: 'command', command: '/new/place/bin/gt hook PermissionRequest', timeout: PERMISSION_WAIT_S }] }])
    assert.deepEqual(moved.hooks.Stop, [{ hooks: [userHook] }])
    await assert.rejects(writeClaudeHooks(wt, { gt: '/usr/bin/rm' }), /must be gt or a path ending in \/gt/)
    assert.equal(sh(wt, 'git', ['status', '--porcelain']), '', 'git-ignored in the worktree')
    assert.ok(sh(repo, 'git', ['check-ignore', '.claude/settings.local.json']).trim(), 'and in the main checkout, where Claude Code writes "always allow" rules')
    assert.equal(shellQuote("it's"), `'it'\\''s'`)
  } finally {
    removeDir(root)
  }
})

test('claude starts interactive with our session id, the default permission mode and the prompt after --', () => {
  const id = '0b7a4b1e-2f3c-4d5e-8f90-123456789abc'
  assert.deepEqual(claudeArgv({ prompt: '-starts with a dash', sessionId: id }), ['claude', '--session-id', id, '--permission-mode', 'default', '--', '-starts with a dash'])
  assert.deepEqual(claudeArgv({ prompt: 'go on', sessionId: id, resume: true, command: '/bin/claude', permissionMode: 'acceptEdits' }), [
    '/bin/claude',
    '--resume',
    id,
    '--permission-mode',
    'acceptEdits',
    '--',
    'go on'
  ])
  assert.throws(() => claudeArgv({ prompt: 'x', sessionId: 'latest' }), /must be a UUID/)
  assert.throws(() => claudeArgv({ prompt: '  ', sessionId: id }), /needs a first prompt/)
  assert.throws(() => claudeArgv({ prompt: 'x', sessionId: id, permissionMode: 'yolo' as never }), /unknown Claude Code permission mode/)
})

test('the env sets CLAUDE_CONFIG_DIR only for a town config, the test endpoint only when asked, and drops a parent Claude Code\'s variables', () => {
  const town = chooseClaudeConfig('town', '/t', { HOME: '/h' })
  const user = chooseClaudeConfig('user', '/t', { HOME: '/h' })
  assert.deepEqual(claudeEnv({ config: user }).set, { DISABLE_AUTOUPDATER: '1' })
  const t = claudeEnv({ config: town, modelServerUrl: 'http://127.0.0.1:4000', apiKey: 'k'.repeat(30) })
  assert.equal(t.set.CLAUDE_CONFIG_DIR, '/t/claude-config')
  assert.equal(t.set.ANTHROPIC_BASE_URL, 'http://127.0.0.1:4000')
  assert.equal(t.set.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, '1')
  assert.ok(t.unset.includes('CLAUDECODE'))
  assert.throws(() => claudeEnv({ config: town, modelServerUrl: 'https://api.example.com' }), /127\.0\.0\.1/)
})

test('Ink output (words placed by cursor moves) normalizes to plain words; a screen answered later is no longer current', () => {
  const trust = '\u001b[2G\u001b[1mAccessing\u001b[12Gworkspace:\u001b[22m\r\n\u001b[4GYes,\u001b[9GI\u001b[11Gtrust\u001b[17Gthis\u001b[22Gfolder\r\n'
  assert.match(normalizeTerminalText(trust), /accessing workspace: yes, i trust this folder/)
  assert.equal(detectBlockingScreen(trust)?.screen, 'folder-trust')
  const w = new BlockingScreenWatcher(4096)
  w.feed(trust)
  assert.equal(w.current()?.screen, 'folder-trust')
  w.feed('\u001b[2J ❯ \u001b[5G\r\n  ⏸ manual mode on · \u001b[20G?\u001b[22Gfor\u001b[26Gshortcuts')
  assert.equal(w.current(), undefined, 'the main interface came after it')
  w.feed('  ⎿  Not logged in · Please run /login')
  assert.equal(w.current()?.screen, 'not-logged-in', 'reported inside the main interface, still a blocker')
  assert.equal(detectBlockingScreen('The settings error was fixed; we can continue.'), undefined, 'talk about settings is no screen')
})

test('permission answers: allow (with an always-allow rule for the exact command), deny with the user\'s reason or a default one', () => {
  assert.deepEqual(JSON.parse(permissionRequestOutput({ behavior: 'allow' })), { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } })
  const always = JSON.parse(permissionRequestOutput({ behavior: 'allow', alwaysAllow: { rules: [ruleForCall('Bash', { command: 'npm test' })] } }))
  assert.deepEqual(always.hookSpecificOutput.decision.updatedPermissions, [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'npm test' }], behavior: 'allow', destination: 'localSettings' }])
  assert.deepEqual(ruleForCall('Write', { file_path: '/x' }), { toolName: 'Write' })
  assert.equal(JSON.parse(permissionRequestOutput({ behavior: 'deny', message: 'not now' })).hookSpecificOutput.decision.message, 'not now')
  assert.match(JSON.parse(permissionRequestOutput({ behavior: 'deny', message: ' ' })).hookSpecificOutput.decision.message, /Denied by the user/)
})
