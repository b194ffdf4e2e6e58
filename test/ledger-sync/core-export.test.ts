// The ledger branch in a running control room: a bead that changes reaches the rig origin's gt/ledger on its
// own (ordinary commits, each on the one before), quit writes the last of it, a ledger remote that cannot be
// reached is an inbox alarm while the town keeps working (and the alarm closes once the ledger is written
// again), and a branch holding a bad record is never written over.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import { writeLedgerSetting } from '../../src/main/core/ledger-sync/ledger-settings'
import type { Bead, InboxItem } from '../../src/shared/domain'
import { GT_SCRIPT, eventually, gitIdentityEnv, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { bareRemote, commitToLedger, git, jsonl, ledgerFile, ledgerTip } from './helpers'

const human = { caller: { kind: 'human' as const } }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function townWith(ledger: Record<string, unknown>): string {
  const town = tempDir('town')
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ ledger }))
  return town
}

const titlesOn = (remote: string): string[] => jsonl(ledgerFile(remote, 'issues.jsonl')).map((i) => String(i.title))
const parentOf = (remote: string, sha: string): string => git(remote, 'rev-parse', `${sha}^`)
const commitsOn = (remote: string): number => Number(git(remote, 'rev-list', '--count', 'refs/heads/gt/ledger'))

test("a running control room writes each change to the rig origin's gt/ledger as a new commit on the last, and the last change at quit", async () => {
  requireBuild()
  gitIdentityEnv()
  const town = townWith({ debounceSeconds: 0.2 })
  const origin = bareRemote()
  let core: Core | null = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'app', source: origin }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Login form', rig: 'app' }, human)) as Bead
    const first = await eventually(() => {
      const tip = ledgerTip(origin)
      return tip && titlesOn(origin).includes('Login form') ? tip : null
    }, 'the bead on the origin’s gt/ledger')
    assert.equal(git(origin, 'log', '-1', '--format=%an <%ae>', first), 'Gas Town control room <control-room@gastown.invalid>')

    await core.dispatch('beads.update', { id: bead.id, title: 'Login form with a password field' }, human)
    const second = await eventually(() => {
      const tip = ledgerTip(origin)
      return tip && tip !== first && titlesOn(origin).includes('Login form with a password field') ? tip : null
    }, 'the change on gt/ledger')
    assert.equal(parentOf(origin, second), first, 'the second commit is built on the first: nothing rewritten')
    const before = commitsOn(origin)

    // A long debounce (set while it runs, as gt town config does): nothing is written until quit.
    writeLedgerSetting(town, 'ledger.debounceSeconds', '600')
    await sleep(1100) // the settings file is looked at at most once a second
    await core.dispatch('beads.create', { title: 'Written at quit', rig: 'app' }, human)
    await sleep(1500)
    assert.equal(ledgerTip(origin), second, 'within the debounce nothing is pushed')
    await core.close()
    core = null
    const atQuit = ledgerTip(origin)!
    assert.notEqual(atQuit, second)
    assert.ok(titlesOn(origin).includes('Written at quit'), 'quit wrote the last change')
    assert.equal(git(origin, 'merge-base', '--is-ancestor', second, atQuit), '', 'the quit commit descends from the earlier ones')
    assert.ok(commitsOn(origin) > before)
    const stopped = jsonl(ledgerFile(origin, 'gt-events.jsonl')).filter((e) => e.kind === 'town.stopped')
    assert.equal(stopped.length, 1, 'what the town recorded as it stopped is on the branch')
  } finally {
    await core?.close()
    removeDir(town)
    removeDir(join(origin, '..'))
  }
})

test('an unreachable ledger remote is an inbox alarm and the town keeps working; set a remote that works and the alarm closes itself', async () => {
  requireBuild()
  gitIdentityEnv()
  const nowhere = join(tempDir('gone'), 'missing', 'ledger.git')
  const town = townWith({ remote: nowhere, debounceSeconds: 0.2 })
  const good = bareRemote()
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('beads.create', { title: 'Keep working' }, human)
    const alarm = await eventually(() => core.inbox.list().find((i) => i.kind === 'alarm' && /ledger could not be written/.test(i.title)) ?? null, 'the ledger alarm')
    assert.equal(alarm.severity, 'P1')
    assert.equal(alarm.incident, 'ledger_unwritten')
    assert.ok(alarm.title.includes(`the town's ledger remote ${nowhere} (gt/ledger)`), alarm.title)
    assert.match(alarm.body, /could not reach .*missing\/ledger\.git/)
    assert.match(alarm.body, /keeps working/)
    assert.equal(core.ledgerSync.status()[0].failing !== null, true)

    // The town goes on: beads are made and read, the ledger is whole.
    const more = (await core.dispatch('beads.create', { title: 'Still working' }, human)) as Bead
    assert.ok(core.beads.list().some((b) => b.id === more.id))
    assert.equal(((await core.dispatch('town.check', {}, human)) as { ok: boolean }).ok, true)
    assert.equal(core.inbox.list().filter((i) => /ledger could not be written/.test(i.title)).length, 1, 'one alarm, not one per change')

    // gt town config with the control room running: the next commit goes to the new remote.
    const set = await runGt(['town', 'config', 'ledger.remote', good, '--town', town], {})
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stdout, /ledger\.remote\s+\S*origin\.git\s+set/)
    await sleep(1100)
    await core.dispatch('beads.create', { title: 'After the fix' }, human)
    await eventually(() => (ledgerTip(good) && titlesOn(good).includes('After the fix') ? true : null), 'the ledger on the new remote')
    const closed = await eventually(() => {
      const item = core.inbox.get(alarm.id)
      return item.status === 'resolved' ? item : null
    }, 'the alarm resolved')
    assert.match(closed.resolution ?? '', /the ledger was written to .*origin\.git \(gt\/ledger\)/)
    assert.deepEqual(JSON.parse(ledgerFile(good, 'gt-town.json')).scope, 'town')
  } finally {
    await core.close()
    removeDir(town)
    removeDir(join(nowhere, '..', '..'))
    removeDir(join(good, '..'))
  }
})

test("a rig origin whose gt/ledger holds a bad record is never written over: the alarm names the file and line, and the town works on", async () => {
  requireBuild()
  gitIdentityEnv()
  const town = townWith({ debounceSeconds: 0.2 })
  const origin = bareRemote()
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'app', source: origin }, human)
    await core.dispatch('beads.create', { title: 'First', rig: 'app' }, human)
    await eventually(() => (ledgerTip(origin) && titlesOn(origin).includes('First') ? true : null), 'the first export')
    // Someone else breaks the branch (a hand edit, another tool).
    const broken = commitToLedger(origin, (w) => appendFileSync(join(w, 'issues.jsonl'), '{"id":"gt-bad","title":\n'), 'a hand edit gone wrong')
    await core.dispatch('beads.create', { title: 'Second', rig: 'app' }, human)
    const alarm: InboxItem = await eventually(() => core.inbox.list().find((i) => /ledger could not be written to rig app's origin/.test(i.title)) ?? null, 'the bad-record alarm')
    assert.match(alarm.body, /issues\.jsonl:\d+: not valid JSON/)
    assert.ok(alarm.body.includes(broken.slice(0, 10)), 'the commit that holds the bad record is named')
    assert.equal(alarm.rig, 'app')
    assert.equal(ledgerTip(origin), broken, 'the branch is left as it is: never written over')
    const third = (await core.dispatch('beads.create', { title: 'Third', rig: 'app' }, human)) as Bead
    assert.equal(core.beads.get(third.id).title, 'Third')
  } finally {
    await core.close()
    removeDir(town)
    removeDir(join(origin, '..'))
  }
})
