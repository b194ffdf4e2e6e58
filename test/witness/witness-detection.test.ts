// Every way an agent fails is caught: the fake agent is cued to crash, exit without gt done, never start, stop
// at its prompt, hang, or stay busy without progress; each test shows the detection, the severity, the route
// (the Dogs' retry, then the inbox) and what the item's actions do.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { InboxItem, LedgerEvent, Polecat } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, removeDir, tempDir, waitForFile } from '../support/fixtures'
import { readCue } from '../../e2e/support/serve'
import { human, useTestTown } from '../support/town'

const t = useTestTown()
let n = 0

/** A rig of its own, with limits short enough to see them pass in a test. */
async function rig(settings: Record<string, string> = {}): Promise<string> {
  const name = `w${++n}`
  await t.core.dispatch('rigs.add', { name, source: t.repo }, human)
  const all = { startup_s: '30', stuck_s: '600', no_progress_s: '3600', retry_backoff_s: '0', max_retries: '1', ...settings }
  for (const [key, value] of Object.entries(all)) await t.core.dispatch('rigs.configure', { rig: name, key, value }, human)
  return name
}

async function sling(rigName: string, cues: string, script: unknown[]): Promise<{ bead: string; pc: Polecat }> {
  const bead = (await t.core.dispatch('beads.create', { title: `Work in ${rigName}`, rig: rigName }, human)) as { id: string }
  const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: rigName, agentCmd: fakeAgentCmd(cues, script) }, human)) as Polecat
  return { bead: bead.id, pc }
}

const events = (subject: string, kind: string): LedgerEvent[] => t.core.ledger.list({ subject, limit: 5000 }).filter((e) => e.kind === kind)
const itemFor = (polecatId: string, incident: string) => eventually(() => t.core.inbox.list().find((i) => i.polecatId === polecatId && i.incident === incident), `an inbox item for ${incident} of ${polecatId}`)
const sessionsOf = (polecatId: string) => t.core.sessions.list({ polecat: polecatId })

test('a crash is restarted by the Dogs on the same worktree and branch, once; the second crash reaches the inbox with the attempt', async () => {
  const cues = tempDir('cues')
  try {
    const r = await rig()
    // It crashes — unless told to stay (so that the Restart below starts an agent that lives).
    const { bead, pc } = await sling(r, cues, [{ say: 'working' }, { run: `test -e ${JSON.stringify(join(cues, 'stay'))} && sleep 600` }, { crash: 3 }])
    // The Dogs restart it (the same command), it crashes again, and now the inbox has it.
    const item = await itemFor(pc.id, 'crashed')
    assert.equal(item.severity, 'P1')
    assert.match(item.title, /crashed \(exit 3\).*the Dogs tried 1 time/)
    assert.equal(item.attempts, 1)
    const sessions = sessionsOf(pc.id)
    assert.equal(sessions.length, 2, 'the first session and the one the Dogs started')
    assert.ok(sessions.every((s) => s.endReason === 'crashed'))
    assert.equal(events(bead, 'dogs.restarted').length, 1)
    assert.equal(t.core.polecats.get(pc.id).branch, pc.branch, 'same branch')
    assert.match(item.excerpt ?? '', /fake-agent: crashing/, 'the item carries the last lines of its screen')
    // Restart from the item: a new session; the agent is the same polecat.
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(cues, 'stay'), '')
    const again = (await t.core.dispatch('inbox.restart', { id: item.id }, human)) as Polecat
    assert.equal(again.id, pc.id)
    await eventually(() => sessionsOf(pc.id).length === 3, 'a third session')
    // Stopped before its cue folder goes: the last session must not crash afterwards and count as a death.
    await t.core.polecats.stopAndWait(pc.id, 'test')
  } finally {
    removeDir(cues)
  }
})

test('an agent that exits without gt done is restarted, primed with why; one that never starts is too', async () => {
  const cues = tempDir('cues')
  try {
    const r = await rig({ startup_s: '1', max_retries: '1' })
    const { bead, pc } = await sling(r, join(cues, 'a'), [{ run: 'printenv GT_PROMPT > prompt-{{GT_SESSION}}.txt' }, { exit: 0 }])
    await itemFor(pc.id, 'exited_without_done')
    const [latest, first] = sessionsOf(pc.id)
    assert.equal(first.endReason, 'exited')
    const { readFileSync } = await import('node:fs')
    assert.match(readFileSync(join(pc.worktree, `prompt-${latest.id}.txt`), 'utf8'), /^You are resuming: .*'s agent exited without gt done \(attempt 1 of 1\)/, 'the restarted agent is told why it resumes')
    assert.equal(events(bead, 'dogs.restarted').length, 1)

    const silent = await sling(r, join(cues, 'b'), [{ hang: true }])
    const item = await itemFor(silent.pc.id, 'never_started')
    assert.match(item.body, /No output within 1 s/)
    assert.equal(events(silent.bead, 'dogs.restarted').length, 1, 'restarted once before it came to the inbox')
    assert.equal(sessionsOf(silent.pc.id)[1].endReason, 'stopped', 'the silent agent was stopped before its restart')
  } finally {
    removeDir(cues)
  }
})

test('an agent that stops at its prompt without gt done is nudged there: the witness types in what to do', async () => {
  const cues = tempDir('cues')
  try {
    const r = await rig()
    // It reports its turn's end as Claude Code's Stop hook does, then waits at its prompt for a line.
    const { bead, pc } = await sling(r, cues, [{ hook: 'Stop', input: { stop_hook_active: false } }, { ask: '> ' }, { hang: true }])
    // The nudge arrives as one paste; the fake agent reads its first line.
    const answer = await readCue(join(cues, 'answer'))
    assert.match(answer, /Message from the witness \(From the witness\):/)
    const [mail] = t.core.db.prepare("SELECT * FROM mail WHERE recipient = ? AND sender = 'witness'").all(pc.id) as { body: string; delivered_at: string | null }[]
    assert.match(mail.body, /Your turn ended but your bead is not done/)
    assert.ok(mail.delivered_at, 'delivered')
    assert.equal(events(pc.id, 'mail.delivered').at(-1)?.data && (events(pc.id, 'mail.delivered').at(-1)!.data as { via: string }).via, 'typed at the prompt')
    assert.equal(events(bead, 'dogs.nudged').length, 1)
    assert.equal(events(bead, 'witness.at_prompt_without_done').length, 1)
    assert.equal(t.core.inbox.list().filter((i) => i.polecatId === pc.id).length, 0, 'the Dogs handled it: nothing for the human yet')
  } finally {
    removeDir(cues)
  }
})

test('stuck (quiet for stuck_s) is told apart from busy without progress (printing, but no commit, checkpoint or note)', async () => {
  const cues = tempDir('cues')
  try {
    const r = await rig({ stuck_s: '2', no_progress_s: '3', max_retries: '0' })
    const quiet = await sling(r, join(cues, 'q'), [{ say: 'thinking…' }, { hang: true }])
    const busy = await sling(r, join(cues, 'b'), [{ tick: 300 }])
    const stuck = await itemFor(quiet.pc.id, 'stuck')
    assert.match(stuck.body, /no activity for \d+ s \(judged from its output alone: its runtime has no hooks\)/)
    const noProgress = await itemFor(busy.pc.id, 'no_progress')
    assert.equal(noProgress.severity, 'P2')
    assert.ok(!t.core.inbox.list().some((i) => i.polecatId === busy.pc.id && i.incident === 'stuck'), 'printing is activity: the busy agent is not stuck')
  } finally {
    removeDir(cues)
  }
})

test('while a human has the terminal taken over, the witness waits; handed back, its clock starts again', async () => {
  const cues = tempDir('cues')
  try {
    const r = await rig({ stuck_s: '2', max_retries: '0' })
    const { pc } = await sling(r, cues, [{ say: 'hello' }, { hang: true }])
    await t.core.dispatch('terminal.takeover', { polecat: pc.id }, human)
    await new Promise((res) => setTimeout(res, 3500))
    assert.equal(t.core.inbox.list().filter((i) => i.polecatId === pc.id).length, 0, 'nothing raised while taken over')
    await t.core.dispatch('terminal.handback', { polecat: pc.id }, human)
    const item = await itemFor(pc.id, 'stuck')
    assert.ok(Date.parse(item.createdAt) - Date.now() > -3000, 'raised only after the hand-back')
  } finally {
    removeDir(cues)
  }
})

test('three agents dying within 30 s pause dispatch town-wide with a P0; sling refuses until resumed', async () => {
  // A town of its own: the crashes of the other tests must not count towards these three.
  const { createCore } = await import('../../src/main/core/core')
  const { GT_SCRIPT } = await import('../support/fixtures')
  const town = tempDir('town')
  const cues = tempDir('cues')
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'md', source: t.repo }, human)
    for (const [key, value] of Object.entries({ max_retries: '3', retry_backoff_s: '5' })) await core.dispatch('rigs.configure', { rig: 'md', key, value }, human)
    for (const i of [1, 2, 3]) {
      const bead = (await core.dispatch('beads.create', { title: `Doomed ${i}`, rig: 'md' }, human)) as { id: string }
      await core.dispatch('sling', { bead: bead.id, rig: 'md', agentCmd: fakeAgentCmd(join(cues, String(i)), [{ crash: 1 }]) }, human)
    }
    const item = await eventually(() => core.inbox.list().find((i) => i.incident === 'mass_death'), 'the mass-death item')
    assert.equal(item.severity, 'P0')
    assert.ok(core.dispatchSwitch.paused())
    assert.equal(core.ledger.list({ limit: 5000 }).filter((e) => e.kind === 'dogs.restarted').length, 0, 'the Dogs restart nothing while dispatch is paused')
    const bead = (await core.dispatch('beads.create', { title: 'Not now', rig: 'md' }, human)) as { id: string }
    await assert.rejects(core.dispatch('sling', { bead: bead.id, rig: 'md', agentCmd: 'true' }, human), /dispatch is paused: 3 agents died within 30 s/)
    assert.deepEqual(await core.dispatch('town.resume', {}, human), { resumed: true })
    await core.dispatch('sling', { bead: bead.id, rig: 'md', agentCmd: fakeAgentCmd(join(cues, '4'), [{ signal: 'up' }, { hang: true }]) }, human)
    await waitForFile(join(cues, '4', 'up'))
  } finally {
    await core.close()
    removeDir(town)
    removeDir(cues)
  }
})

test('a bead that is closed is never restarted, whatever its agent does', async () => {
  const cues = tempDir('cues')
  try {
    const r = await rig()
    const { bead, pc } = await sling(r, cues, [{ waitFor: 'go' }, { crash: 1 }])
    await t.core.dispatch('beads.close', { id: bead, reason: 'not needed any more' }, human)
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(cues, 'go'), '')
    await eventually(() => events(bead, 'dogs.skipped').length === 1, 'the Dogs to skip the restart')
    assert.equal(sessionsOf(pc.id).length, 1)
  } finally {
    removeDir(cues)
  }
})

test('an item left unacknowledged is raised a level, at most twice; the same failure twice is one item', async () => {
  const r = await rig()
  const base = { kind: 'alarm' as const, severity: 'P2' as const, title: 'The base branch fails npm test', body: '', rig: r, polecatId: `${r}/a`, beadId: null, sessionId: null, incident: 'check_failed', excerpt: 'boom', groupKey: `base-fails:${r}:test`, attempts: 0 }
  const first = t.core.inbox.raiseIncident(base)
  const second = t.core.inbox.raiseIncident({ ...base, polecatId: `${r}/b` })
  assert.equal(second.id, first.id)
  assert.equal(second.count, 2)
  assert.deepEqual(second.affected, [`${r}/a`, `${r}/b`])
  const hours = (h: number) => Date.parse(first.createdAt) + h * 3_600_000 + 1000
  assert.deepEqual(t.core.routing.reescalateDue(hours(3.9)).map((i) => i.id), [], 'not yet')
  assert.equal(t.core.routing.reescalateDue(hours(4)).find((i) => i.id === first.id)?.severity, 'P1')
  assert.equal(t.core.routing.reescalateDue(hours(8)).find((i) => i.id === first.id)?.severity, 'P0')
  assert.deepEqual(t.core.routing.reescalateDue(hours(100)).filter((i) => i.id === first.id), [], 'twice at most')
  assert.equal((t.core.inbox.get(first.id) as InboxItem).raisedLevels, 2)
})
