// The whole life of a polecat through the core, with real git, a real PTY, real SQLite and the real gt:
// sling → agent primes → human takes over and types → agent commits, checkpoints, calls done → history.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { CoreEvent } from '../../src/shared/contract'
import type { ClientConnection } from '../../src/main/core/connection'
import { eventually, fakeAgentCmd, sh, tempDir, waitForFile } from '../support/fixtures'
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

test('a slung fake agent primes, receives a typed line, commits and calls done', async () => {
  const progress: string[] = []
  const rig = (await ctx.core.dispatch('rigs.add', { name: 'sample', source: ctx.repo }, { ...human, progress: (m) => progress.push(m) })) as { path: string }
  assert.ok(existsSync(join(rig.path, 'README.md')))
  assert.ok(progress.length > 0, 'rig add reports progress')

  const bead = (await ctx.core.dispatch('beads.create', { title: 'Write the answer', priority: 1, rig: 'sample' }, human)) as { id: string }
  const cues = join(tempDir('cues'), 'cues')
  const pc = (await ctx.core.dispatch('sling', { bead: bead.id, rig: 'sample', agentCmd: fakeAgentCmd(cues) }, human)) as {
    id: string
    branch: string
    worktree: string
  }
  assert.equal(pc.branch, `polecat/${pc.id.split('/')[1]}/${bead.id}`)
  assert.equal(((await ctx.core.dispatch('beads.show', { id: bead.id }, human)) as { bead: { status: string } }).bead.status, 'hooked')

  await waitForFile(join(cues, 'primed'))
  assert.equal((await waitForFile(join(cues, 'run-prime.status'))).trim(), '0', 'gt prime works with the agent token')

  // A view that opens late sees what it missed.
  const v = viewer('view-1')
  const snap = (await ctx.core.dispatch('terminal.attach', { polecat: pc.id }, { ...human, client: v })) as { data: string; seq: number }
  assert.match(snap.data, /fake-agent: starting on/)
  // The agent's last lines may still be in the PTY when its cue file appears: they arrive as live output.
  await eventually(() => (snap.data + v.text()).includes(`On your hook: ${bead.id}`), 'the prime output on the terminal')
  const seqs = v.events.flatMap((e) => (e.type === 'terminal.output' ? [e.seq] : []))
  assert.ok(seqs.every((s, i) => s === snap.seq + i + 1), 'live chunks continue from the snapshot without gaps')

  // Typing is refused until the human takes over.
  await assert.rejects(ctx.core.dispatch('terminal.input', { polecat: pc.id, data: 'x\r' }, { ...human, client: v }), /take over/)
  await ctx.core.dispatch('terminal.takeover', { polecat: pc.id }, human)
  await ctx.core.dispatch('terminal.input', { polecat: pc.id, data: 'forty-two\r' }, { ...human, client: v })
  assert.equal(await waitForFile(join(cues, 'answer')), 'forty-two')
  await ctx.core.dispatch('terminal.handback', { polecat: pc.id }, human)

  await waitForFile(join(cues, 'run-note.status'))
  const log = sh(pc.worktree, 'git', ['log', '--format=%s', '-1'])
  assert.match(log, /Write the answer: forty-two/)

  // finish → gt done
  sh(cues, 'touch', [join(cues, 'finish')])
  await waitForFile(join(cues, 'done'))
  assert.equal((await waitForFile(join(cues, 'run-done.status'))).trim(), '0', `gt done failed:\n${v.text().slice(-1500)}`)
  // The branch reached the rig's origin (the source repository).
  assert.match(sh(ctx.repo, 'git', ['branch', '--list', pc.branch]), new RegExp(pc.branch.replace(/\//g, '\\/')))

  const detail = (await ctx.core.dispatch('beads.show', { id: bead.id }, human)) as { mergeRequests: { type: string }[]; events: { kind: string }[] }
  assert.equal(detail.mergeRequests.length, 1)
  assert.equal(detail.mergeRequests[0].type, 'merge-request')
  const kinds = detail.events.map((e) => e.kind)
  for (const k of ['bead.created', 'polecat.slung', 'agent.prime', 'agent.checkpoint', 'agent.note', 'agent.done']) assert.ok(kinds.includes(k), `ledger has ${k}`)

  const ended = await eventually(async () => {
    const list = (await ctx.core.dispatch('sessions.list', { bead: bead.id }, human)) as { id: string; endedAt: string | null; endReason: string; outputBytes: number }[]
    return list[0]?.endedAt ? list[0] : null
  }, 'the session to end')
  assert.equal(ended.endReason, 'done')
  const t = (await ctx.core.dispatch('sessions.show', { id: ended.id }, human)) as { lines: { kind: string; data?: unknown; event?: string }[] }
  const out = t.lines.filter((l) => l.kind === 'output').map((l) => l.data).join('')
  assert.match(out, /fake-agent: got "forty-two"/)
  assert.notEqual(Buffer.byteLength(out), out.length, 'the prompt has multi-byte text')
  assert.equal(ended.outputBytes, Buffer.byteLength(out), 'the session size is its output in UTF-8 bytes')
  assert.ok(t.lines.some((l) => l.kind === 'input' && l.data === 'forty-two\r'), 'human input is in the session log')
  assert.ok(t.lines.some((l) => l.kind === 'event' && l.event === 'terminal.takeover'))
  // The session log lives in the hook and is git-ignored.
  assert.equal(sh(pc.worktree, 'git', ['status', '--porcelain']).trim(), '')

  const polecat = ((await ctx.core.dispatch('polecats.list', {}, human)) as { id: string; state: string }[]).find((p) => p.id === pc.id)
  assert.equal(polecat?.state, 'idle')
})

test('agent tokens act only as their own agent, and humans cannot call agent methods', async () => {
  await assert.rejects(ctx.core.dispatch('agent.prime', {}, human), /for agents/)
  assert.equal(ctx.core.authenticate('not-a-token'), null)
  assert.equal(ctx.core.authenticate(''), null)
})

test('invalid params are refused with the field named', async () => {
  await assert.rejects(ctx.core.dispatch('beads.create', { title: '', priority: 9 }, human), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'invalid_params')
    assert.match(err.message, /priority/)
    return true
  })
  await assert.rejects(ctx.core.dispatch('no.such', {}, human), /unknown method/)
})

test('slings at the same moment get different polecats; the same bead twice is refused', async () => {
  const cues = join(tempDir('cues'), 'cues')
  const hang = [{ hang: true }]
  const a = (await ctx.core.dispatch('beads.create', { title: 'A', rig: 'sample' }, human)) as { id: string }
  const b = (await ctx.core.dispatch('beads.create', { title: 'B', rig: 'sample' }, human)) as { id: string }
  const [pa, pb, again] = await Promise.allSettled([
    ctx.core.dispatch('sling', { bead: a.id, rig: 'sample', agentCmd: fakeAgentCmd(cues, hang) }, human),
    ctx.core.dispatch('sling', { bead: b.id, rig: 'sample', agentCmd: fakeAgentCmd(cues, hang) }, human),
    ctx.core.dispatch('sling', { bead: a.id, rig: 'sample', agentCmd: fakeAgentCmd(cues, hang) }, human)
  ])
  assert.equal(pa.status, 'fulfilled', String((pa as PromiseRejectedResult).reason))
  assert.equal(pb.status, 'fulfilled')
  const ids = [pa, pb].map((r) => (r as PromiseFulfilledResult<unknown>).value as { id: string; worktree: string })
  assert.notEqual(ids[0].id, ids[1].id)
  assert.notEqual(ids[0].worktree, ids[1].worktree)
  assert.equal(again.status, 'rejected')
  assert.match(String((again as PromiseRejectedResult).reason.message), /already hooked|already waiting to start/)
  for (const { id } of ids) await ctx.core.dispatch('polecats.stop', { polecat: id }, human)
})
