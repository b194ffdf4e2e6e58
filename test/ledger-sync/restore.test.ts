// gt town restore: a town is lost with its disk; from its rigs' remotes alone a new town is built that the
// control room opens, with its beads, dependencies, labels, history, checkpoints and polecats on their pushed
// branches, and the work resumes. Remotes without the branch are named, a bad record refuses everything,
// and a folder that holds a town is never written into.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { Rigs } from '../../src/main/core/rigs/rigs'
import { LedgerExporter } from '../../src/main/core/ledger-sync/exporter'
import { DEFAULT_LEDGER_SETTINGS } from '../../src/main/core/ledger-sync/ledger-settings'
import { restoreTown, RestoreError } from '../../src/main/core/ledger-sync/restore'
import type { Bead, Polecat, Session } from '../../src/shared/domain'
import { GT_SCRIPT, fakeAgentCmd, gitIdentityEnv, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { bareRemote, base, commitToLedger, freshLedger, git, jsonl, ledgerFile, ledgerTip } from './helpers'

const human = { caller: { kind: 'human' as const } }
const settings = () => ({ ...DEFAULT_LEDGER_SETTINGS, debounceSeconds: 0 })

test("restore from the rigs' remotes into an empty folder gives a town the control room opens, and the work resumes", async () => {
  requireBuild()
  gitIdentityEnv()
  const old = tempDir('town')
  const app = bareRemote()
  const lib = bareRemote()
  const noLedger = bareRemote()
  const cues = join(tempDir('cues'), 'cues')
  const fresh = join(tempDir('restored'), 'town')
  let core = await createCore({ town: old, gtScript: GT_SCRIPT })
  let beadsBefore: Bead[]
  let pc: Polecat
  let appBead: Bead
  let restoredTownId = ''
  try {
    await core.dispatch('rigs.add', { name: 'app', source: app }, human)
    await core.dispatch('rigs.add', { name: 'lib', source: lib }, human)
    await core.dispatch('permissions.set', { rig: 'app', tool: 'Bash', commandPrefix: 'npm test', action: 'allow' }, human)
    await core.dispatch('rigs.configure', { rig: 'app', key: 'test', value: 'npm test' }, human)
    const libBead = (await core.dispatch('beads.create', { title: 'Lib API', rig: 'lib', labels: ['api'] }, human)) as Bead
    appBead = (await core.dispatch('beads.create', { title: 'App page', rig: 'app', labels: ['ui'], deps: [{ type: 'blocks', target: libBead.id }] }, human)) as Bead
    const chore = (await core.dispatch('beads.create', { title: 'Town chore', priority: 3 }, human)) as Bead
    await core.dispatch('beads.close', { id: chore.id, reason: 'done by hand' }, human)
    pc = (await core.dispatch(
      'sling',
      {
        bead: appBead.id,
        rig: 'app',
        agentCmd: fakeAgentCmd(cues, [
          { write: { path: 'page.txt', content: 'half of the page\n' } },
          { commit: 'Half of the page' },
          { run: 'git push -q origin HEAD:refs/heads/$(git rev-parse --abbrev-ref HEAD)' },
          { run: 'gt checkpoint \'{"step":"page half done","next":"the form"}\'' },
          { run: 'gt note "the page is half done; the form is next"' },
          { signal: 'ready' },
          { hang: true }
        ])
      },
      human
    )) as Polecat
    await waitForFile(join(cues, 'ready'))
    // The control room's own exporter (it may have written some already): both targets written, none failing.
    const flushed = await core.ledgerSync.flush()
    assert.deepEqual(flushed.failed, [])
    assert.deepEqual(core.ledgerSync.status().map((s) => [s.target, s.failing, !!s.lastCommit]), [['rig-app', null, true], ['rig-lib', null, true]])
    beadsBefore = core.beads.list({ includeClosed: true })
    restoredTownId = JSON.parse(ledgerFile(app, 'gt-town.json')).town_id
  } finally {
    await core.close()
  }
  // The disk is gone: only the remotes are left.
  removeDir(old)

  const progress: string[] = []
  const report = await restoreTown({ town: fresh, remotes: [app, lib, noLedger, join(old, 'nowhere.git')], progress: (m) => progress.push(m) })
  try {
    assert.deepEqual(
      report.remotes.map((r) => [r.status, r.scope]),
      [['restored', 'rig app'], ['restored', 'rig lib'], ['no-branch', null], ['unreachable', null]]
    )
    assert.match(report.remotes[2].message!, /has no gt\/ledger branch/)
    assert.match(report.remotes[3].message!, /could not reach .*nowhere\.git/)
    assert.deepEqual(report.counts.rigs, 2)
    assert.deepEqual(report.counts.beads, 3)
    assert.equal(report.counts.polecats, 1)
    assert.equal(report.counts.checkpoints, 1)
    assert.equal(report.counts.permissionRules, 1)
    assert.equal(report.externalDependencies, 0)
    assert.deepEqual(report.rigs.map((r) => [r.rig, r.cloned, r.error]), [['app', true, null], ['lib', true, null]])
    assert.deepEqual(report.rigs[0].worktrees.map((w) => [w.polecat, w.branch, w.fromRemote, w.error]), [[pc.id, pc.branch, true, null]])
    assert.ok(progress.some((m) => m.startsWith('Cloning app')))

    const lostTip = ledgerTip(app)!
    core = await createCore({ town: fresh, gtScript: GT_SCRIPT })
    try {
      assert.deepEqual(core.beads.list({ includeClosed: true }), beadsBefore, 'every bead, with its labels, dependencies, status and assignee')
      const kinds = core.ledger.list({ subject: appBead.id }).map((e) => e.kind)
      for (const k of ['bead.created', 'polecat.slung', 'agent.checkpoint', 'agent.note']) assert.ok(kinds.includes(k), `history has ${k}`)
      assert.equal(kinds.filter((k) => k === 'agent.note').length, 1, 'a note is one note, not a note and a comment')
      assert.deepEqual(core.rigs.list().map((r) => [r.name, r.source, r.path, r.defaultBranch]), [
        ['app', app, join(fresh, 'rigs', 'app', 'repo'), 'main'],
        ['lib', lib, join(fresh, 'rigs', 'lib', 'repo'), 'main']
      ])
      assert.equal(core.rigs.settings('app').test, 'npm test')
      assert.deepEqual(core.rules.list('app').map((r) => [r.tool, r.commandPrefix, r.action]), [['Bash', 'npm test', 'allow']])
      const after = core.polecats.get(pc.id)
      assert.equal(after.state, 'exited')
      assert.equal(after.beadId, appBead.id)
      assert.equal(after.branch, pc.branch)
      assert.equal(after.worktree, join(fresh, 'rigs', 'app', 'polecats', pc.name))
      assert.equal(git(after.worktree, 'rev-parse', '--abbrev-ref', 'HEAD'), pc.branch)
      assert.equal(git(after.worktree, 'log', '-1', '--format=%s'), 'Half of the page', "the agent's pushed work is on its branch")
      assert.equal(readFileSync(join(after.worktree, 'page.txt'), 'utf8'), 'half of the page\n')
      const [session] = (await core.dispatch('sessions.list', { bead: appBead.id }, human)) as Session[]
      // The running control room wrote its ledger once more at quit, after it ended its sessions.
      assert.equal(session.endReason, 'app-quit', 'the session as the lost town ended it when it quit')
      const restored = core.ledger.list({ kinds: ['town.restored'] })
      assert.equal(restored.length, 1)
      // The restored town writes its ledger on top of the lost town's last commit, with no event twice.
      assert.deepEqual((await core.ledgerSync.flush()).failed, [])
      const newTip = ledgerTip(app)!
      assert.notEqual(newTip, lostTip)
      assert.ok(git(app, 'rev-list', '--first-parent', newTip).split('\n').includes(lostTip), "built on the lost town's last commit")
      const events = jsonl(ledgerFile(app, 'events.jsonl')).map((e) => JSON.stringify([e.created_at, e.actor, e.event_type, e.issue_id, e.new_value]))
      assert.equal(new Set(events).size, events.length, 'no event twice')
      assert.equal(JSON.parse(ledgerFile(app, 'gt-town.json')).town_id, restoredTownId, 'the same town')
      // Sling the bead again: the same polecat, worktree and branch, and prime has the checkpoint and the attempt.
      const again = (await core.dispatch('sling', { bead: appBead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ run: 'gt prime --json > ../prime.json' }, { signal: 'primed' }, { hang: true }]) }, human)) as Polecat
      assert.equal(again.id, pc.id)
      assert.equal(again.branch, pc.branch)
      await waitForFile(join(cues, 'primed'))
      const prime = JSON.parse(readFileSync(join(after.worktree, '..', 'prime.json'), 'utf8'))
      assert.deepEqual(prime.checkpoint.data, { step: 'page half done', next: 'the form' })
      assert.deepEqual(prime.attempts.map((a: Session) => a.endReason), ['app-quit'])
      assert.ok(prime.notes.some((n: { kind: string; data: { text: string } }) => n.kind === 'agent.note' && /half done/.test(n.data.text)))
    } finally {
      await core.close()
    }
  } finally {
    removeDir(join(fresh, '..'))
    for (const r of [app, lib, noLedger]) removeDir(join(r, '..'))
    removeDir(join(cues, '..'))
  }
})

/** A small town with one rig on `remote`, its ledger written there. */
async function ledgerOn(remote: string, title: string): Promise<void> {
  const t = freshLedger()
  try {
    await new Rigs(t.db, t.ledger, t.dir).add('app', remote, 'human')
    t.beads.create({ ...base, title, rig: 'app' }, 'human')
    const e = new LedgerExporter({ db: t.db, town: t.dir, settings, beadPrefix: () => 'gt' })
    const r = await e.flush()
    assert.deepEqual(r.failed, [])
  } finally {
    t.close()
  }
}

test('a bad record on one branch refuses the whole restore, naming remote, file, line and field; the folder is left as it was', async () => {
  const good = bareRemote()
  const bad = bareRemote()
  const none = bareRemote()
  const parent = tempDir('restore-target')
  const emptyFolder = join(parent, 'empty')
  mkdirSync(emptyFolder, { mode: 0o700 })
  const newFolder = join(parent, 'new')
  try {
    await ledgerOn(good, 'good bead')
    await ledgerOn(bad, 'bead of the bad branch')
    commitToLedger(bad, (w) => appendFileSync(join(w, 'dependencies.jsonl'), '{"issue_id":"gt-nope","depends_on_id":\n'))
    const tip = ledgerTip(bad)!
    for (const town of [emptyFolder, newFolder]) {
      await assert.rejects(restoreTown({ town, remotes: [good, bad, none] }), (err: unknown) => {
        assert.ok(err instanceof RestoreError)
        assert.match(err.message, /^nothing was restored: a ledger branch holds a bad record/)
        assert.ok(err.message.includes(`${bad}: ${bad} gt/ledger at ${tip.slice(0, 10)}: a bad record, so nothing was imported:`), err.message)
        assert.match(err.message, /dependencies\.jsonl:1: not valid JSON/)
        assert.ok(err.message.includes(`${none}: has no gt/ledger branch`))
        assert.ok(err.message.includes(`${good}: rig app at`))
        assert.deepEqual(err.remotes.map((r) => r.status), ['restored', 'bad-record', 'no-branch'])
        return true
      })
    }
    assert.deepEqual(readdirSync(emptyFolder), [], 'the empty folder is empty again')
    assert.equal(existsSync(newFolder), false, 'a folder the restore made is gone again')
    // Without the bad remote, what can be restored is restored.
    const report = await restoreTown({ town: newFolder, remotes: [good, none] })
    assert.deepEqual(report.remotes.map((r) => r.status), ['restored', 'no-branch'])
    assert.equal(report.counts.beads, 1)
    assert.ok(existsSync(join(newFolder, 'town.db')))
    assert.ok(existsSync(join(newFolder, 'rigs', 'app', 'repo', '.git')))
  } finally {
    for (const r of [good, bad, none]) removeDir(join(r, '..'))
    removeDir(parent)
  }
})

test('a folder that holds a town, or anything else, is refused with what to do; no remote gives nothing to restore', async () => {
  const parent = tempDir('restore-target')
  const remote = bareRemote()
  try {
    const town = join(parent, 'town')
    mkdirSync(join(town, 'rigs'), { recursive: true, mode: 0o700 })
    writeFileSync(join(town, 'town.db'), 'x')
    await assert.rejects(restoreTown({ town, remotes: [remote] }), /already holds a town \(rigs, town\.db\)\. A restore builds a new town and never writes into one: restore into a new folder \(--town DIR\), or move this one aside first/)
    assert.equal(readFileSync(join(town, 'town.db'), 'utf8'), 'x')
    const other = join(parent, 'other')
    mkdirSync(other)
    writeFileSync(join(other, 'notes.txt'), 'mine')
    await assert.rejects(restoreTown({ town: other, remotes: [remote] }), /is not empty \(it holds notes\.txt\): restore into an empty or new folder/)
    await assert.rejects(restoreTown({ town: join(parent, 'n'), remotes: [remote] }), /nothing was restored: no remote gave a ledger branch\.\n.*has no gt\/ledger branch/)
    assert.equal(existsSync(join(parent, 'n')), false)
    await assert.rejects(restoreTown({ town: join(parent, 'n'), remotes: ['--upload-pack=touch /tmp/x'] }), /is not a remote/)
  } finally {
    removeDir(parent)
    removeDir(join(remote, '..'))
  }
})

test('from one town-wide remote: a rig whose recorded source is gone stays a row the control room opens, and --source RIG=URL clones it from where it is now', async () => {
  requireBuild()
  const t = freshLedger()
  const origin = bareRemote()
  const townRemote = bareRemote()
  const parent = tempDir('restore-target')
  try {
    await new Rigs(t.db, t.ledger, t.dir).add('app', origin, 'human')
    const bead = t.beads.create({ ...base, title: 'app work', rig: 'app' }, 'human')
    const e = new LedgerExporter({ db: t.db, town: t.dir, settings: () => ({ ...settings(), remote: townRemote }), beadPrefix: () => 'gt' })
    assert.deepEqual((await e.flush()).written.map((w) => w.target), ['town'])
    const moved = `${origin}.moved`
    renameSync(origin, moved)

    const a = join(parent, 'a')
    const r1 = await restoreTown({ town: a, remotes: [townRemote] })
    assert.equal(r1.remotes[0].scope, 'town')
    assert.equal(r1.rigs[0].cloned, false)
    assert.match(r1.rigs[0].error!, /could not clone .*origin\.git: .*The control room clones it at its next start/)
    assert.equal(existsSync(join(a, 'rigs', 'app')), false, 'no half-cloned rig folder')
    const core = await createCore({ town: a, gtScript: GT_SCRIPT })
    try {
      assert.deepEqual(core.rigs.list().map((r) => [r.name, r.source]), [['app', origin]])
      assert.equal(core.beads.get(bead.id).title, 'app work')
    } finally {
      await core.close()
    }

    const b = join(parent, 'b')
    await assert.rejects(restoreTown({ town: b, remotes: [townRemote], sources: { web: moved } }), /--source names the rig web, which no ledger branch has \(its rigs: app\)/)
    assert.equal(existsSync(b), false)
    const r2 = await restoreTown({ town: b, remotes: [townRemote], sources: { app: moved } })
    assert.deepEqual(r2.rigs.map((r) => [r.rig, r.cloned, r.source]), [['app', true, moved]])
    assert.ok(existsSync(join(b, 'rigs', 'app', 'repo', 'README.md')))
  } finally {
    t.close()
    removeDir(parent)
    removeDir(join(townRemote, '..'))
    removeDir(join(origin, '..'))
  }
})

test('a branch that names a git remote helper as a rig source (ext:: runs a command) is a bad record, and nothing runs', async () => {
  const remote = bareRemote()
  const parent = tempDir('restore-target')
  const marker = join(parent, 'ran')
  try {
    await ledgerOn(remote, 'a bead')
    commitToLedger(remote, (w) => writeFileSync(join(w, 'gt-rigs.jsonl'), JSON.stringify({ name: 'app', source: `ext::sh -c touch% ${marker}`, default_branch: 'main', added_at: '2026-01-01T00:00:00Z', settings: {} }) + '\n'))
    await assert.rejects(restoreTown({ town: join(parent, 't'), remotes: [remote] }), /gt-rigs\.jsonl:1 source: names a git remote helper/)
    assert.equal(existsSync(marker), false)
    assert.equal(existsSync(join(parent, 't')), false)
  } finally {
    removeDir(parent)
    removeDir(join(remote, '..'))
  }
})
