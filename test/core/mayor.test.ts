// The AI mayor session: the scripted fake agent as the mayor, in its PTY in <town>/mayor, running the real gt
// with its own token. Mayor tools succeed (sling, convoy list, mail); everything else is refused, by name; its
// terminal is attached, typed into (no takeover) and replayed like a polecat's; its token dies with it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALL_METHODS, type CoreEvent, type MayorStatus } from '../../src/shared/contract'
import type { ClientConnection } from '../../src/main/core/connection'
import { MAYOR_METHODS } from '../../src/main/core/mayor/mayor-methods'
import { createCore } from '../../src/main/core/core'
import { GT_SCRIPT, eventually, fakeAgentCmd, removeDir, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { human, useTestTown } from '../support/town'

const ctx = useTestTown()

function viewer(id: string): ClientConnection & { events: CoreEvent[]; text: () => string } {
  const events: CoreEvent[] = []
  return {
    id,
    events,
    send: (e) => events.push(e),
    text: () => Buffer.concat(events.flatMap((e) => (e.type === 'terminal.output' ? [e.data] : []))).toString('utf8')
  }
}

let mayorToken = ''
let endedSession = ''

test('the fake agent as the mayor slings and lists convoys with its token, and is refused an inbox approval', async () => {
  await ctx.core.dispatch('rigs.add', { name: 'sample', source: ctx.repo }, human)
  const bead = (await ctx.core.dispatch('beads.create', { title: 'Routed by the mayor', rig: 'sample' }, human)) as { id: string }
  const root = tempDir('mayor')
  const polecatCues = join(root, 'polecat-cues')
  const cues = join(root, 'cues')
  const polecatCmd = fakeAgentCmd(polecatCues)
  assert.ok(!polecatCmd.includes("'"), 'the polecat command fits in single quotes')
  const agentCmd = fakeAgentCmd(cues, [
    { write: { path: join(cues, 'token'), content: '{{GT_TOKEN}}' } },
    { write: { path: join(cues, 'prompt'), content: '{{GT_PROMPT}}' } },
    { run: 'gt rig list' },
    { run: `gt sling ${bead.id} sample --agent-cmd '${polecatCmd}'` },
    { run: 'gt convoy list' },
    { run: 'gt inbox approve inbox-nothing' },
    { run: 'gt mail check' },
    { signal: 'scripted' },
    { ask: 'mayor> ' },
    { hang: true }
  ])
  const events = viewer('events')
  const disconnect = ctx.core.connect(events)
  const started = (await ctx.core.dispatch('mayor.start', { agentCmd }, human)) as MayorStatus
  assert.equal(started.running, true)
  assert.equal(started.runtime, 'custom')
  assert.equal(started.cwd, join(ctx.town, 'mayor'))
  assert.ok(events.events.some((e) => e.type === 'mayor' && e.mayor.running), 'a mayor event says it started')
  await assert.rejects(ctx.core.dispatch('mayor.start', { agentCmd }, human), /already running/)

  await waitForFile(join(cues, 'scripted'), 30_000)
  mayorToken = readFileSync(join(cues, 'token'), 'utf8')
  assert.ok(mayorToken.length >= 40, 'the mayor has its own GT_TOKEN')
  // The first prompt is the town's copy of the mayor template, filled in.
  assert.ok(existsSync(join(ctx.town, 'prompts', 'mayor.md')), 'mayor.md is copied into <town>/prompts')
  const prompt = readFileSync(join(cues, 'prompt'), 'utf8')
  assert.match(prompt, /You are the mayor of the Gas Town at /)
  assert.match(prompt, /Rigs \(projects\) now: sample\./)

  const v = viewer('mayor-view')
  const snap = (await ctx.core.dispatch('terminal.attach', { polecat: 'mayor' }, { ...human, client: v })) as { data: string; running: boolean; sessionId: string }
  assert.equal(snap.running, true)
  assert.equal(snap.sessionId, started.sessionId)
  const screen = () => snap.data + v.text()
  await eventually(() => screen().includes('mayor> '), 'the mayor prompt on its terminal')
  assert.match(screen(), /`gt sling [^`]+` exited 0/, `sling with the mayor token:\n${screen()}`)
  assert.match(screen(), /`gt convoy list` exited 0/)
  assert.match(screen(), /`gt mail check` exited 0/)
  assert.match(screen(), /the mayor may not call inbox\.approve: approving, denying and answering inbox items is for the human/)
  assert.match(screen(), /`gt inbox approve inbox-nothing` exited 1/)

  // The sling really happened, in the ledger as the mayor's.
  const polecats = (await ctx.core.dispatch('polecats.list', {}, human)) as { id: string; beadId: string | null }[]
  assert.ok(polecats.some((p) => p.beadId === bead.id), 'a polecat holds the bead the mayor slung')
  const slung = ctx.core.ledger.list({ subject: bead.id }).find((e) => e.kind === 'polecat.slung')
  assert.equal(slung?.actor, 'mayor')

  // The user talks to the mayor: input goes to its PTY without a takeover.
  await ctx.core.dispatch('terminal.input', { polecat: 'mayor', data: 'route the docs work\r' }, { ...human, client: v })
  assert.equal(await waitForFile(join(cues, 'answer')), 'route the docs work')
  await ctx.core.dispatch('terminal.resize', { polecat: 'mayor', cols: 100, rows: 30 }, { ...human, client: v })

  const stopped = (await ctx.core.dispatch('mayor.stop', {}, human)) as MayorStatus
  assert.equal(stopped.running, false)
  assert.equal(stopped.ended?.reason, 'stopped')
  endedSession = started.sessionId!
  assert.ok(v.events.some((e) => e.type === 'terminal.exit' && e.polecatId === 'mayor'), 'the view hears the mayor exit')
  // A view that opens after the end replays the last session's log.
  const after = (await ctx.core.dispatch('terminal.attach', { polecat: 'mayor' }, { ...human, client: viewer('late') })) as { data: string; running: boolean }
  assert.equal(after.running, false)
  assert.match(after.data, /mayor> /)
  assert.ok(events.events.some((e) => e.type === 'mayor' && !e.mayor.running), 'a mayor event says it ended')
  disconnect()
  await assert.rejects(ctx.core.dispatch('mayor.stop', {}, human), /not running/)
})

test('the token of an ended mayor session is refused, naming why', async () => {
  assert.ok(mayorToken, 'the first test ran')
  const r = await runGt(['convoy', 'list'], { GT_ROLE: 'mayor', GT_TOKEN: mayorToken, GT_ENDPOINT: ctx.core.endpointUrl, GT_TOWN: ctx.town })
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`the mayor session ${endedSession} has ended; its token is no longer valid`))
  assert.deepEqual(ctx.core.authenticate(mayorToken), { kind: 'mayor', sessionId: endedSession })
  await assert.rejects(ctx.core.dispatch('rigs.list', {}, { caller: { kind: 'mayor', sessionId: endedSession } }), (e: { code?: string }) => e.code === 'unauthorized')
})

test('a live mayor token may call its tools and nothing else', async () => {
  const cues = join(tempDir('mayor-scope'), 'cues')
  const started = (await ctx.core.dispatch('mayor.start', { agentCmd: fakeAgentCmd(cues, [{ write: { path: join(cues, 'token'), content: '{{GT_TOKEN}}' } }, { signal: 'up' }, { hang: true }]) }, human)) as MayorStatus
  await waitForFile(join(cues, 'up'))
  // gt mayor: the human's, never the mayor's own.
  const st = await runGt(['mayor', 'status'], { GT_TOWN: ctx.town })
  assert.equal(st.code, 0, st.stderr)
  assert.match(st.stdout, new RegExp(`The mayor runs \\(custom, session ${started.sessionId}`))
  const self = await runGt(['mayor', 'stop'], { GT_ROLE: 'mayor', GT_TOKEN: readFileSync(join(cues, 'token'), 'utf8'), GT_ENDPOINT: ctx.core.endpointUrl, GT_TOWN: ctx.town })
  assert.equal(self.code, 1)
  assert.match(self.stderr, /the mayor may not call mayor\.stop/)
  const mayor = { caller: { kind: 'mayor' as const, sessionId: started.sessionId! } }
  const refused: string[] = []
  for (const method of Object.keys(ALL_METHODS)) {
    if (MAYOR_METHODS.has(method)) continue
    // Empty params: the refusal must come before (and whatever) the params say.
    await assert.rejects(ctx.core.dispatch(method, {}, mayor), (e: { code?: string; message: string }) => {
      assert.equal(e.code, 'unauthorized', `${method}: ${e.message}`)
      assert.match(e.message, new RegExp(`the mayor may not call ${method.replace(/\./g, '\\.')}`))
      return true
    })
    refused.push(method)
  }
  for (const m of ['terminal.input', 'terminal.attach', 'inbox.approve', 'inbox.deny', 'town.drain', 'rigs.add', 'rigs.remove', 'mayor.start', 'mayor.stop', 'agent.prime', 'agent.done']) {
    assert.ok(refused.includes(m), `${m} is refused`)
  }
  // Its tools answer (the read-only ones here; sling and convoys ran through gt above).
  for (const m of ['rigs.list', 'polecats.list', 'convoys.list', 'inbox.list', 'beads.list']) await ctx.core.dispatch(m, {}, mayor)
  const bead = (await ctx.core.dispatch('beads.create', { title: 'Made by the mayor' }, mayor)) as { id: string }
  assert.equal(ctx.core.ledger.list({ subject: bead.id }).find((e) => e.kind === 'bead.created')?.actor, 'mayor')
  // Mail to the mayor is handed over once.
  const pc = ((await ctx.core.dispatch('polecats.list', {}, human)) as { id: string }[])[0]
  ctx.core.db.prepare("INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES ('mail-t1', ?, 'mayor', 'need a reviewer', '', ?)").run(pc.id, new Date().toISOString())
  const mail = (await ctx.core.dispatch('agent.mail.check', {}, mayor)) as { from: string; subject: string }[]
  assert.deepEqual(mail.map((m) => [m.from, m.subject]), [[pc.id, 'need a reviewer']])
  assert.deepEqual(await ctx.core.dispatch('agent.mail.check', {}, mayor), [])
  const sent = (await ctx.core.dispatch('agent.mail.send', { to: pc.id, subject: 'take the docs bead next' }, mayor)) as { from: string }
  assert.equal(sent.from, 'mayor')
  // A polecat's own token still cannot reach the mayor's controls.
  await assert.rejects(ctx.core.dispatch('mayor.start', {}, { caller: { kind: 'agent', polecatId: pc.id, sessionId: 'x' } }), /agents may only call agent commands/)
  await ctx.core.dispatch('mayor.stop', {}, human)
  await assert.rejects(ctx.core.dispatch('rigs.list', {}, mayor), /has ended/)
})

/** Gone or a zombie: either way it runs no more. */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true
  } catch {
    return true
  }
}

test('the mayor ends with the control room, and one a crashed run left running is ended at the next start', async () => {
  const town = tempDir('mayor-town')
  const cues = join(tempDir('mayor-quit'), 'cues')
  let core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('mayor.start', { agentCmd: fakeAgentCmd(cues, [{ ignoreHup: true }, { signal: 'up' }, { hang: true }]) }, human)
    await waitForFile(join(cues, 'up'))
    const record = JSON.parse(readFileSync(join(town, 'mayor', '.gt', 'session.json'), 'utf8')) as { pid: number }
    assert.equal(gone(record.pid), false)
    await core.close()
    await eventually(() => gone(record.pid), 'the mayor to end with the control room')
    assert.equal(existsSync(join(town, 'mayor', '.gt', 'session.json')), false, 'its record goes with it')

    // A crash leaves the record and a live process carrying the session's GT_SESSION (a mayor that ignored the hang-up).
    const orphan = spawn(process.execPath, ['-e', 'process.on("SIGHUP", () => {}); setInterval(() => {}, 1 << 30)'], { env: { ...process.env, GT_SESSION: 'm-crashed-1' }, stdio: 'ignore' })
    const exited = new Promise<void>((res) => orphan.on('exit', () => res()))
    const logPath = join(town, 'mayor', 'sessions', 'm-crashed-1.jsonl')
    writeFileSync(join(town, 'mayor', '.gt', 'session.json'), JSON.stringify({ sessionId: 'm-crashed-1', pid: orphan.pid, identity: null, logPath }))
    core = await createCore({ town, gtScript: GT_SCRIPT })
    const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error('the crashed run\'s mayor process was not ended at start')), 15_000).unref())
    await Promise.race([exited, timeout])
    const status = (await core.dispatch('mayor.status', {}, human)) as MayorStatus
    assert.equal(status.running, false)
    assert.equal(status.ended?.reason, 'app-restart')
    assert.equal(existsSync(join(town, 'mayor', '.gt', 'session.json')), false)
    assert.ok(core.ledger.list({}).some((e) => e.kind === 'mayor.ended' && (e.data as { reason?: string }).reason === 'app-restart'))
    assert.match(readFileSync(logPath, 'utf8'), /app-restart/)
  } finally {
    await core.close()
    removeDir(town)
  }
})
