// A permission request travels the real path: the agent runs `gt hook PermissionRequest` (as Claude Code's hook
// does), the core checks the rig's rules, raises an inbox item with the exact command and the agent's screen,
// and holds the hook until the human decides — Approve, Deny with a reason, Always allow — or the hook goes away.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InboxItem, Polecat } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, tempDir, removeDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'

const t = useTestTown()

const openPermission = (command: string) =>
  eventually(() => t.core.inbox.list().find((i) => i.kind === 'permission' && i.status === 'open' && (i.tool?.input as { command?: string })?.command === command), `the request to run ${command}`)

test('approve lets the call run, deny returns the reason, always-allow skips the next matching request', async () => {
  const cues = tempDir('cues')
  try {
    await t.core.dispatch('rigs.add', { name: 'perm', source: t.repo }, human)
    const bead = (await t.core.dispatch('beads.create', { title: 'Ask first', rig: 'perm' }, human)) as { id: string }
    const script = [
      { say: 'fake-agent: about to ask' },
      { permission: { tool: 'Bash', input: { command: 'touch approved.txt' } } },
      { permission: { tool: 'Bash', input: { command: 'touch denied.txt' } } },
      { permission: { tool: 'Bash', input: { command: 'touch always-a.txt' } } },
      { permission: { tool: 'Bash', input: { command: 'touch always-b.txt' } } },
      { signal: 'asked' },
      { hang: true }
    ]
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: 'perm', agentCmd: fakeAgentCmd(cues, script) }, human)) as Polecat

    const first = await openPermission('touch approved.txt')
    assert.equal(first.rig, 'perm')
    assert.equal(first.polecatId, pc.id)
    assert.equal(first.beadId, bead.id)
    assert.equal(first.tool!.name, 'Bash')
    assert.match(first.title, /asks to run: touch approved\.txt/)
    assert.match(first.screen ?? '', /fake-agent: about to ask/, 'the item carries the last lines of the agent’s screen')
    await eventually(() => t.core.polecats.get(pc.id).activity === 'waiting_permission', 'the polecat to show it waits for permission')
    assert.equal(t.core.polecats.get(pc.id).activityDetail, 'Bash: touch approved.txt')
    await eventually(() => t.core.inbox.get(first.id).diffStat, 'the diff stat of the branch')
    assert.equal(existsSync(join(pc.worktree, 'approved.txt')), false, 'nothing runs before the human decides')

    // Approve from the command line, as a user would.
    const approved = await runGt(['inbox', 'approve', first.id, '--town', t.town], {})
    assert.equal(approved.code, 0, approved.stderr)
    assert.equal(readFileSync(await waitForFileReturning(join(cues, 'permission-1')), 'utf8'), 'allow')
    assert.ok(existsSync(join(pc.worktree, 'approved.txt')), 'the approved command ran')
    assert.equal(t.core.inbox.get(first.id).status, 'approved')
    assert.equal(t.core.inbox.get(first.id).closedBy, 'human')

    const second = await openPermission('touch denied.txt')
    const denied = await runGt(['inbox', 'deny', second.id, '--reason', 'Use the Makefile target instead', '--town', t.town], {})
    assert.equal(denied.code, 0, denied.stderr)
    assert.equal(readFileSync(await waitForFileReturning(join(cues, 'permission-2')), 'utf8'), 'deny: Use the Makefile target instead')
    assert.equal(existsSync(join(pc.worktree, 'denied.txt')), false)

    const third = await openPermission('touch always-a.txt')
    await t.core.dispatch('inbox.approve', { id: third.id, always: 'prefix' }, human)
    await waitForFile(join(cues, 'asked'))
    assert.ok(existsSync(join(pc.worktree, 'always-b.txt')), 'the matching request ran without asking')
    assert.equal(t.core.inbox.list({ includeClosed: true }).filter((i) => (i.tool?.input as { command?: string })?.command === 'touch always-b.txt').length, 0, 'and raised no item')
    const rules = (await t.core.dispatch('permissions.list', { rig: 'perm' }, human)) as { tool: string; commandPrefix: string; action: string }[]
    assert.deepEqual(rules.map((r) => [r.tool, r.commandPrefix, r.action]), [['Bash', 'touch', 'allow']], 'the rule the user sees')
    const kinds = t.core.ledger.list({ subject: bead.id }).map((e) => e.kind)
    for (const k of ['permission.requested', 'inbox.approved', 'inbox.denied', 'permission.allowed-by-rule']) assert.ok(kinds.includes(k), `ledger has ${k}`)

    // The decisions reach the agent's next prime.
    const prime = await t.core.agents.prime(t.core.sessions.find(pc.sessionId!)!)
    assert.ok(prime.decisions.some((d) => d.what === 'Bash touch denied.txt' && d.reason === 'Use the Makefile target instead'))
  } finally {
    removeDir(cues)
  }
})

test('a request whose hook goes away (the user answered in the terminal) is resolved', async () => {
  const cues = tempDir('cues')
  try {
    await t.core.dispatch('rigs.add', { name: 'gone', source: t.repo }, human)
    const bead = (await t.core.dispatch('beads.create', { title: 'Hook dies', rig: 'gone' }, human)) as { id: string }
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: 'gone', agentCmd: fakeAgentCmd(cues, [{ permission: { tool: 'Bash', input: { command: 'echo waiting' } } }, { hang: true }]) }, human)) as Polecat
    const item = await openPermission('echo waiting')
    // Claude Code ends the hook when the user answers in its own terminal: kill the waiting `gt hook`.
    const { processesInside } = await import('../../src/main/core/processes/agent-processes')
    const hook = processesInside(pc.worktree).find((p) => p.command.includes('hook PermissionRequest'))
    assert.ok(hook, 'the hook process waits')
    process.kill(hook.pid, 'SIGTERM')
    await eventually(() => t.core.inbox.get(item.id).status === 'resolved', 'the item to be resolved')
    assert.match(t.core.inbox.get(item.id).resolution ?? '', /answered in the agent’s terminal/)
    await assert.rejects(t.core.dispatch('inbox.approve', { id: item.id }, human), /already resolved/)
  } finally {
    removeDir(cues)
  }
})

test('a turn that ends before the async PostToolUse report: the request first says the turn ended, then that it was approved in the terminal', async () => {
  const cues = tempDir('cues')
  try {
    await t.core.dispatch('rigs.add', { name: 'late', source: t.repo }, human)
    const bead = (await t.core.dispatch('beads.create', { title: 'Late report', rig: 'late' }, human)) as { id: string }
    const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: 'late', agentCmd: fakeAgentCmd(cues, [{ permission: { tool: 'Bash', input: { command: 'echo late' } } }, { hang: true }]) }, human)) as Polecat
    const item = await openPermission('echo late')
    const session = t.core.sessions.find(t.core.polecats.get(pc.id).sessionId!)!
    // Claude Code's Stop hook is synchronous, its PostToolUse runs in the background: under load Stop comes first.
    await t.core.hooks.handle(session, { runtime: 'claude', event: 'Stop', input: {} })
    assert.equal(t.core.inbox.get(item.id).closedBy, 'core')
    assert.match(t.core.inbox.get(item.id).resolution ?? '', /turn ended without it/)
    await t.core.hooks.handle(session, { runtime: 'claude', event: 'PostToolUse', input: { tool_name: 'Bash', tool_input: { command: 'echo other' } } })
    assert.equal(t.core.inbox.get(item.id).closedBy, 'core', 'another call does not amend it')
    await t.core.hooks.handle(session, { runtime: 'claude', event: 'PostToolUse', input: { tool_name: 'Bash', tool_input: { command: 'echo late' } } })
    const amended = t.core.inbox.get(item.id)
    assert.equal(amended.status, 'resolved')
    assert.equal(amended.closedBy, 'agent')
    assert.equal(amended.resolution, 'approved in the agent’s terminal')
    assert.ok(t.core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'inbox.resolved' && (e.data as { amends?: string }).amends?.includes('turn ended')), 'the ledger keeps both')
  } finally {
    removeDir(cues)
  }
})

test('a request still waiting when the control room quits is there after the restart, saying its agent was restarted', async () => {
  const { createCore } = await import('../../src/main/core/core')
  const { GT_SCRIPT, makeRepo } = await import('../support/fixtures')
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  try {
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Across a restart', rig: 'app' }, human)) as { id: string }
    await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ permission: { tool: 'Bash', input: { command: 'make deploy' } } }, { hang: true }]) }, human)
    const item = await eventually(() => core.inbox.list().find((i) => i.kind === 'permission'), 'the request')
    await core.close()
    core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      const after = core.inbox.get(item.id)
      assert.equal(after.status, 'orphaned')
      assert.match(after.resolution ?? '', /restarted/)
      assert.ok(core.inbox.list().some((i) => i.id === item.id), 'it is still listed')
      await assert.rejects(core.dispatch('inbox.approve', { id: item.id }, human), /can no longer be answered/)
      assert.equal((await core.dispatch('inbox.ack', { id: item.id }, human) as InboxItem).status, 'acknowledged')
    } finally {
      await core.close()
    }
  } finally {
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})

async function waitForFileReturning(file: string): Promise<string> {
  await waitForFile(file)
  await eventually(() => readFileSync(file, 'utf8').length > 0, `${file} to be written`)
  return file
}


test('gt rig permissions lists, sets and removes the rig’s rules; a bad rule is refused with why', async () => {
  await t.core.dispatch('rigs.add', { name: 'rules', source: t.repo }, human)
  const gt = (...args: string[]) => runGt([...args, '--town', t.town], {})
  const set = await gt('rig', 'permissions', 'rules', 'set', 'Bash', 'deny', '--prefix', 'git push')
  assert.equal(set.code, 0, set.stderr)
  assert.match(set.stdout, /rules: Bash git push… → deny/)
  assert.equal((await gt('rig', 'permissions', 'rules', 'set', 'Edit', 'allow')).code, 0)
  const list = await gt('rig', 'permissions', 'rules')
  assert.match(list.stdout, /Bash +git push +deny/)
  assert.match(list.stdout, /Edit +\(any\) +allow/)
  const bad = await gt('rig', 'permissions', 'rules', 'set', 'Bash', 'allow', '--prefix', 'npm test; rm -rf ~')
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /a command prefix is a plain command start/)
  const rules = (await t.core.dispatch('permissions.list', { rig: 'rules' }, human)) as { id: string; tool: string }[]
  assert.equal((await gt('rig', 'permissions', 'rules', 'remove', rules.find((r) => r.tool === 'Edit')!.id)).code, 0)
  assert.equal(((await t.core.dispatch('permissions.list', { rig: 'rules' }, human)) as unknown[]).length, 1)
  // The most specific rule wins: Bash in general allowed, git push still denied.
  await t.core.dispatch('permissions.set', { rig: 'rules', tool: 'Bash', action: 'allow' }, human)
  assert.equal(t.core.rules.decide('rules', 'Bash', { command: 'git push origin main' })?.action, 'deny')
  assert.equal(t.core.rules.decide('rules', 'Bash', { command: 'ls' })?.action, 'allow')
  assert.equal(t.core.rules.decide('rules', 'Bash', { command: 'git push; ls' })?.action, 'allow', 'a chained command is not covered by the prefix rule, only by the tool-wide one')
})
