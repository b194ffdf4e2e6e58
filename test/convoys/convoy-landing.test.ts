// Convoys end to end: the scripted fake agent in real PTYs commits and runs the real `gt done`, the real
// refinery merges each branch (mountain merge mode, real checks read from the tree), and the convoy moves
// wave by wave to landing. A convoy over 2 rigs with dependencies, one of them across the rigs, lands in
// dependency order with each dependent branch built on its dependency's merged work; a bead that keeps
// failing in mountain mode is skipped and reported while the rest land; a gated convoy waits for approval.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { CoreEvent } from '../../src/shared/contract'
import type { Bead, ConvoyStatus, InboxItem, LedgerEvent, MergeQueueEntry, Polecat } from '../../src/shared/domain'
import { eventually, fakeAgentCmd, tempDir } from '../support/fixtures'
import { human, useTestTown } from '../support/town'
import { BUILD, TESTS, bareOrigin, filesAt, type Origin } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>
const LANDING_MS = 180_000

async function rig(name: string, extra: Record<string, string> = {}): Promise<Origin> {
  const o = bareOrigin()
  await call('rigs.add', { name, source: o.source })
  for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS, retry_backoff_s: '0', ...extra })) await call('rigs.configure', { rig: name, key, value })
  return o
}

const bead = (title: string, rig: string, needs: Bead[] = []): Promise<Bead> => call<Bead>('beads.create', { title, rig, deps: needs.map((n) => ({ type: 'blocks', target: n.id })) })

/**
 * One agent command for every bead of a convoy: it writes down which files its worktree started with
 * (BEAD.seen), writes BEAD.txt, breaks the build if its bead is one of `failing`, commits, gt done, exits.
 * A restarted agent (the Dogs) runs it again on the same branch.
 */
function agentCmd(failing: string[] = []): string {
  const breakIt = failing.map((id) => `if [ "$GT_BEAD" = "${id}" ]; then echo broken > BUILD_BROKEN; fi`).join('; ')
  return fakeAgentCmd(join(tempDir('cues'), 'cues'), [
    { run: 'ls > "$GT_BEAD.seen"; echo "work of $GT_BEAD" > "$GT_BEAD.txt"' },
    ...(breakIt ? [{ run: breakIt }] : []),
    { commit: 'Work of {{GT_BEAD}}' },
    { run: 'gt done --summary "work of $GT_BEAD"' },
    { exit: 0 }
  ])
}

const status = (id: string) => call<ConvoyStatus>('convoys.status', { id })
const ledgerOf = (subject: string) => call<LedgerEvent[]>('ledger.list', { subject, limit: 5000 })
const merged = async (rigName: string, beadId: string): Promise<MergeQueueEntry> =>
  (await call<MergeQueueEntry[]>('mq.list', { rig: rigName, states: ['merged'] })).find((e) => e.beadId === beadId)!
const git = (dir: string, args: string[]): string => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' })
const isAncestor = (repo: string, a: string, b: string): boolean => {
  try {
    execFileSync('git', ['-C', repo, 'merge-base', '--is-ancestor', a, b])
    return true
  } catch {
    return false
  }
}

async function stopAll(): Promise<void> {
  for (const pc of await call<Polecat[]>('polecats.list', {})) if (pc.state !== 'exited' && pc.state !== 'idle') await call('polecats.stop', { polecat: pc.id }).catch(() => {})
}

test('a convoy of 6 beads over 2 rigs lands in dependency order, each dependent branch built on its dependencies’ merged work', async (t) => {
  const north = await rig('north')
  const south = await rig('south')
  const a1 = await bead('north one', 'north')
  const a2 = await bead('north two', 'north', [a1])
  const a3 = await bead('north three', 'north', [a2])
  const b1 = await bead('south one', 'south')
  const b2 = await bead('south two (needs north one too)', 'south', [b1, a1])
  const b3 = await bead('south three (needs north two too)', 'south', [b2, a2])
  const all = [a1, a2, a3, b1, b2, b3]
  const events: CoreEvent[] = []
  const off = ctx.core.connect({ id: 'convoy-view', send: (e) => events.push(e) })
  try {
    const created = await call<ConvoyStatus>('convoys.create', { title: 'Two rigs, three waves', beads: [a3, b3, a2, b1, a1, b2].map((b) => b.id), agentCmd: agentCmd() })
    assert.equal(created.mode, 'mountain')
    assert.deepEqual(created.waves.map((w) => [...w].sort()), [[a1.id, b1.id].sort(), [a2.id, b2.id].sort(), [a3.id, b3.id].sort()])
    const first = created.beads.find((b) => b.id === b2.id)!
    assert.equal(first.state, 'waiting')
    assert.match(first.detail, /^waits for /)
    for (const need of [b1, a1]) assert.match(first.detail, new RegExp(`${need.id} \\(open in ${need.rig}\\)`), 'says what it waits for, and where')
    assert.deepEqual([...first.waitsFor].sort(), [a1.id, b1.id].sort())

    const landed = await eventually(async () => ((await status(created.id)).state === 'landed' ? status(created.id) : null), 'the convoy landed', LANDING_MS)
    assert.deepEqual(landed.notLanding, [])
    assert.deepEqual(landed.progress, { landed: 6, total: 6, skipped: 0 })
    assert.deepEqual(landed.leftOut, [])
    assert.ok(landed.beads.every((b) => b.state === 'landed' && b.status === 'closed'))

    // Dependency order: no bead was slung before every bead it needs was closed (merged).
    const at = new Map<string, { slung: LedgerEvent; closed: LedgerEvent }>()
    for (const b of all) {
      const ev = await ledgerOf(b.id)
      at.set(b.id, { slung: ev.find((e) => e.kind === 'polecat.slung')!, closed: ev.find((e) => e.kind === 'bead.closed')! })
    }
    const latencies: number[] = []
    for (const b of all) {
      const needs = b.deps.map((d) => d.target)
      for (const need of needs) assert.ok(at.get(b.id)!.slung.id > at.get(need)!.closed.id, `${b.title} was slung after ${need} closed`)
      if (needs.length) latencies.push(Date.parse(at.get(b.id)!.slung.at) - Math.max(...needs.map((n) => Date.parse(at.get(n)!.closed.at))))
    }
    // The figure: from the last dependency closing (merged) to the dependent bead slung.
    latencies.sort((x, y) => x - y)
    t.diagnostic(`dependency closed → dependent slung: median ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies[latencies.length - 1]} ms; convoy created → landed ${Date.parse(landed.landedAt!) - Date.parse(created.createdAt)} ms`)

    // Each dependent branch in the same rig starts from its dependency's merged commit, and its agent saw the file.
    for (const [dependent, need, origin, rigName] of [[a2, a1, north, 'north'], [a3, a2, north, 'north'], [b2, b1, south, 'south'], [b3, b2, south, 'south']] as const) {
      const mine = await merged(rigName, dependent.id)
      const theirs = await merged(rigName, need.id)
      assert.ok(isAncestor(origin.source, theirs.mergedSha!, mine.queuedSha!), `${dependent.title}'s branch contains ${need.title}'s merged work`)
      assert.ok(git(origin.source, ['show', `${mine.queuedSha}:${dependent.id}.seen`]).split('\n').includes(`${need.id}.txt`), `${dependent.title}'s agent started with ${need.id}.txt`)
    }
    for (const b of [a1, a2, a3]) assert.ok(filesAt(north).includes(`${b.id}.txt`))
    for (const b of [b1, b2, b3]) assert.ok(filesAt(south).includes(`${b.id}.txt`))

    // Views heard the convoy move, as it was at each step, ending landed.
    const seen = events.filter((e): e is Extract<CoreEvent, { type: 'convoy' }> => e.type === 'convoy' && e.convoy.id === created.id)
    assert.ok(seen.length >= 4, `convoy events (${seen.length})`)
    assert.equal(seen[seen.length - 1].convoy.state, 'landed')
    assert.ok(seen.some((e) => e.convoy.beads.some((b) => b.state === 'working')), 'an event showed a bead being worked on')
    assert.ok((await ledgerOf(created.id)).some((e) => e.kind === 'convoy.landed' && e.actor === 'convoys'))
  } finally {
    off()
    await stopAll()
  }
})

test('a cross-rig convoy whose second rig waits on the first lands, and reopens when a bead is added', async () => {
  await rig('east')
  await rig('west')
  const e1 = await bead('east first', 'east')
  const w1 = await bead('west after east', 'west', [e1])
  try {
    const c = await call<ConvoyStatus>('convoys.create', { title: 'Across rigs', beads: [e1.id, w1.id], agentCmd: agentCmd() })
    assert.deepEqual(c.waves, [[e1.id], [w1.id]])
    await eventually(async () => ((await status(c.id)).state === 'landed' ? true : null), 'the cross-rig convoy landed', LANDING_MS)
    const s = await status(c.id)
    assert.deepEqual(new Set(s.beads.map((b) => b.rig)), new Set(['east', 'west']))

    const w2 = await bead('west more', 'west', [w1])
    const reopened = await call<ConvoyStatus>('convoys.add', { id: c.id, beads: [w2.id] })
    assert.equal(reopened.state, 'open', 'a landed convoy opens again when a bead is added')
    assert.ok((await ledgerOf(c.id)).some((e) => e.kind === 'convoy.reopened'))
    await eventually(async () => ((await status(c.id)).state === 'landed' ? true : null), 'landed again with the added bead', LANDING_MS)
    assert.equal((await call<{ bead: Bead }>('beads.show', { id: w2.id })).bead.status, 'closed')
  } finally {
    await stopAll()
  }
})

test('mountain mode: a bead that fails its retries is skipped and reported, the rest land', async () => {
  // One retry for the Dogs, at once: a bead that breaks the build again after it is reported for good.
  await rig('rough', { max_retries: '1' })
  const ok = await bead('fine work', 'rough')
  const afterOk = await bead('more fine work', 'rough', [ok])
  const bad = await bead('breaks the build', 'rough')
  const afterBad = await bead('needs the broken one', 'rough', [bad])
  const alone = await bead('independent', 'rough')
  try {
    const c = await call<ConvoyStatus>('convoys.create', { title: 'One bad apple', beads: [ok, afterOk, bad, afterBad, alone].map((b) => b.id), agentCmd: agentCmd([bad.id]) })
    const s = await eventually(
      async () => {
        const now = await status(c.id)
        const by = new Map(now.beads.map((b) => [b.id, b]))
        return [ok, afterOk, alone].every((b) => by.get(b.id)!.state === 'landed') && by.get(bad.id)!.state === 'skipped' ? now : null
      },
      'the good beads landed and the bad one skipped',
      LANDING_MS
    )
    assert.equal(s.state, 'open', 'a convoy with a bead not closed does not land by itself')
    assert.deepEqual(s.progress, { landed: 3, total: 5, skipped: 1 })
    const skipped = s.beads.find((b) => b.id === bad.id)!
    assert.ok(skipped.skipped?.inboxItem, 'the skip names the inbox item')
    const item = await call<InboxItem>('inbox.get', { id: skipped.skipped!.inboxItem! })
    assert.equal(item.beadId, bad.id)
    assert.ok(item.incident === 'merge_failed' || item.incident === 'check_failed', `the Dogs' P1 for the broken build (${item.incident})`)
    const why = new Map(s.notLanding.map((n) => [n.bead, n.why]))
    assert.deepEqual([...why.keys()].sort(), [bad.id, afterBad.id].sort())
    assert.match(why.get(bad.id)!, /^skipped: /)
    assert.match(why.get(afterBad.id)!, new RegExp(`^waiting: waits for ${bad.id} \\(skipped`), 'the dependent says it waits for the skipped bead')
    // The status says skipped as soon as the item is open; the dispatcher's pass that writes it down follows.
    const skips = await eventually(async () => {
      const l = (await ledgerOf(c.id)).filter((e) => e.kind === 'convoy.bead-skipped')
      return l.length ? l : null
    }, 'the skip written down')
    await ctx.core.convoys.dispatcher.idle()
    assert.equal((await ledgerOf(c.id)).filter((e) => e.kind === 'convoy.bead-skipped').length, 1, 'reported once')
    assert.equal((skips[0].data as { bead: string }).bead, bad.id)
    assert.ok((await ledgerOf(bad.id)).some((e) => e.kind === 'dogs.restarted' || e.kind === 'dogs.nudged'), 'the Dogs retried it before it was skipped')
    assert.equal(afterBad.status, 'open')
    assert.equal((await ledgerOf(afterBad.id)).some((e) => e.kind === 'polecat.slung'), false, 'the bead needing the broken one was never slung')

    // Acknowledging the item leaves the skip reported; landing without --force says why not; with it, what was left out.
    await call('inbox.ack', { id: item.id })
    assert.equal((await status(c.id)).beads.find((b) => b.id === bad.id)!.state, 'skipped')
    await assert.rejects(call('convoys.land', { id: c.id }), (err: Error) => err.message.includes(bad.id) && err.message.includes('--force'))
    const forced = await call<ConvoyStatus>('convoys.land', { id: c.id, force: true })
    assert.equal(forced.state, 'landed')
    assert.deepEqual([...forced.leftOut].sort(), [bad.id, afterBad.id].sort())
  } finally {
    await stopAll()
  }
})

test('gated mode: each wave waits in the inbox; approve slings it, deny holds it until it is added again', async () => {
  await rig('gate')
  const g1 = await bead('gated first', 'gate')
  const g2 = await bead('gated second', 'gate', [g1])
  try {
    const c = await call<ConvoyStatus>('convoys.create', { title: 'Ask first', beads: [g1.id, g2.id], mode: 'gated', agentCmd: agentCmd() })
    const wave1 = await eventually(async () => (await call<InboxItem[]>('inbox.list', {})).find((i) => i.kind === 'convoy' && i.convoy?.convoy === c.id), 'wave 1 in the inbox')
    assert.deepEqual(wave1.convoy, { convoy: c.id, wave: 1, beads: [g1.id] })
    assert.equal((await status(c.id)).beads.find((b) => b.id === g1.id)!.state, 'approval')
    assert.equal((await call<Polecat[]>('polecats.list', {})).some((p) => p.beadId === g1.id), false, 'nothing slung before the approval')
    await assert.rejects(call('inbox.ack', { id: wave1.id }), /waiting for a decision/)

    await call('inbox.approve', { id: wave1.id })
    const wave2 = await eventually(async () => (await call<InboxItem[]>('inbox.list', {})).find((i) => i.kind === 'convoy' && i.convoy?.wave === 2 && i.convoy.convoy === c.id), 'wave 2 offered once wave 1 landed', LANDING_MS)
    assert.equal((await call<{ bead: Bead }>('beads.show', { id: g1.id })).bead.status, 'closed')
    assert.deepEqual(wave2.convoy?.beads, [g2.id])

    await call('inbox.deny', { id: wave2.id, reason: 'not today' })
    const held = await eventually(async () => {
      const s = await status(c.id)
      return s.beads.find((b) => b.id === g2.id)!.state === 'held' ? s : null
    }, 'the denied wave held')
    assert.match(held.notLanding[0].why, /not today/)
    assert.equal((await call<InboxItem[]>('inbox.list', {})).some((i) => i.kind === 'convoy' && i.convoy?.convoy === c.id), false, 'a denied wave is not offered again by itself')

    await call('convoys.add', { id: c.id, beads: [g2.id] })
    const again = await eventually(async () => (await call<InboxItem[]>('inbox.list', {})).find((i) => i.kind === 'convoy' && i.convoy?.convoy === c.id && i.status === 'open'), 'the wave offered again')
    await call('inbox.approve', { id: again.id })
    await eventually(async () => ((await status(c.id)).state === 'landed' ? true : null), 'the gated convoy landed', LANDING_MS)
  } finally {
    await stopAll()
  }
})
