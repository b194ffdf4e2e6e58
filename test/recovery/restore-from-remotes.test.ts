// The disk is gone: only the rigs' remotes are left. The running control room had written its ledger to each
// rig origin's gt/ledger as the work went (no quit: the host is killed with SIGKILL), `gt town restore` builds
// a new town from those branches with no control room running, and the next start resumes the unfinished
// polecat with its checkpoint while the bead finished before the crash stays finished. A ledger branch with
// a bad record refuses the restore with the file and line, and leaves nothing behind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Bead, LedgerEvent, Polecat, PrimeContext, RecoveryReport } from '../../src/shared/domain'
import type { BeadDetail } from '../../src/shared/contract'
import { startServe, type Served } from '../../e2e/support/serve'
import { endpointRpc, type Rpc } from '../support/endpoint-rpc'
import { eventually, fakeAgentCmd, makeRepo, removeDir, requireBuild, sh, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { bareRemote, base, commitToLedger, freshLedger, jsonl, ledgerFile, ledgerTip } from '../ledger-sync/helpers'
import { Rigs } from '../../src/main/core/rigs/rigs'
import { LedgerExporter } from '../../src/main/core/ledger-sync/exporter'
import { DEFAULT_LEDGER_SETTINGS } from '../../src/main/core/ledger-sync/ledger-settings'

const WORKER = [
  { write: { path: 'step1.txt', content: 'one\n' } },
  { commit: 'Step one' },
  { run: 'gt checkpoint \'{"step":1,"next":"step two"}\'' },
  { run: 'gt prime --json > prime-{{GT_SESSION}}.json' },
  { signal: 'worked-{{GT_SESSION}}' },
  { hang: true }
]

test('from an empty folder with only the remotes: gt town restore rebuilds beads, dependencies, history and checkpoints, and the work resumes', async () => {
  requireBuild()
  const town = tempDir('town')
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 1, ledger: { debounceSeconds: 0.2 } }))
  const repo = makeRepo()
  const origin = join(repo, '.git')
  const cues = tempDir('cues')
  const fresh = join(tempDir('restored'), 'town')
  let serve: Served = await startServe(town)
  try {
    let rpc: Rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    const api: Bead = await rpc('beads.create', { title: 'API first', rig: 'app', labels: ['backend'] })
    const page: Bead = await rpc('beads.create', { title: 'The page', rig: 'app', deps: [{ type: 'blocks', target: api.id }] })
    const unfinished: Polecat = await rpc('sling', { bead: api.id, rig: 'app', agentCmd: fakeAgentCmd(join(cues, 'a'), WORKER) })
    await waitForFile(join(cues, 'a', `worked-${unfinished.sessionId}`))
    const finishedBead: Bead = await rpc('beads.create', { title: 'Done before the crash', rig: 'app' })
    const finished: Polecat = await rpc('sling', { bead: finishedBead.id, rig: 'app', agentCmd: fakeAgentCmd(join(cues, 'b'), WORKER) })
    await waitForFile(join(cues, 'b', `worked-${finished.sessionId}`))
    await rpc('beads.close', { id: finishedBead.id, reason: 'done by hand' })

    // What is on the remote when the host dies: the pushed branches (the app pushes after each commit) and
    // the ledger branch with both checkpoints and the closed bead (written continuously, not at quit).
    await eventually(() => sh(repo, 'git', ['branch', '--list', unfinished.branch!]).trim() !== '' || null, 'the polecat branch on the origin')
    await eventually(() => {
      if (!ledgerTip(origin)) return null
      const checkpoints = jsonl(ledgerFile(origin, 'gt-checkpoints.jsonl'))
      const closed = jsonl(ledgerFile(origin, 'issues.jsonl')).find((i) => i.id === finishedBead.id)?.status === 'closed'
      return checkpoints.some((c) => c.polecat_id === unfinished.id) && checkpoints.some((c) => c.polecat_id === finished.id) && closed ? true : null
    }, 'the checkpoints and the closed bead on gt/ledger')
    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))
    removeDir(town) // the disk is gone

    const restore = await runGt(['town', 'restore', '--from', repo, '--town', fresh], {})
    assert.equal(restore.code, 0, restore.stderr)
    assert.match(restore.stdout, /^Restored the town .* from 1 ledger branch \(gt\/ledger\):/)
    assert.match(restore.stdout, /1 rig, 3 beads, 1 dependency, 1 label, \d+ events of history,\n {2}2 checkpoints, 2 polecats/)
    assert.match(restore.stdout, new RegExp(`${unfinished.id} on ${unfinished.branch}: its pushed branch`))
    writeFileSync(join(fresh, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 1 }))

    serve = await startServe(fresh)
    rpc = endpointRpc(fresh)
    const now = await eventually(async () => {
      const list: Polecat[] = await rpc('polecats.list')
      const pc = list.find((p) => p.id === unfinished.id)
      return pc && pc.state === 'working' && pc.sessionId !== unfinished.sessionId ? list : null
    }, 'the unfinished polecat dispatched again by itself', 60_000)
    const resumed = now.find((p) => p.id === unfinished.id)!
    assert.equal(resumed.branch, unfinished.branch)
    assert.equal(resumed.worktree, join(fresh, 'rigs', 'app', 'polecats', unfinished.name))
    await waitForFile(join(cues, 'a', `worked-${resumed.sessionId}`))
    const prime = JSON.parse(readFileSync(join(resumed.worktree, `prime-${resumed.sessionId}.json`), 'utf8')) as PrimeContext
    assert.deepEqual(prime.checkpoint?.data, { step: 1, next: 'step two' }, 'the checkpoint made before the crash')
    assert.equal(prime.attempts[0].endReason, 'app-restart')
    assert.ok(existsSync(join(resumed.worktree, 'step1.txt')), 'the pushed work is in the recreated worktree')
    const report: RecoveryReport = await eventually(async () => {
      const r: RecoveryReport | null = await rpc('town.recovery')
      return r?.finishedAt ? r : null
    }, 'the recovery report')
    assert.match(report.polecats.find((p) => p.name === finished.id)!.detail ?? '', /finished.*never dispatched again/)
    assert.notEqual(((await rpc('polecats.list')) as Polecat[]).find((p) => p.id === finished.id)!.state, 'working', 'the bead finished before the crash is not restarted')

    const shown: BeadDetail = await rpc('beads.show', { id: page.id })
    assert.deepEqual(shown.bead.deps, [{ type: 'blocks', target: api.id }])
    const apiShown: BeadDetail = await rpc('beads.show', { id: api.id })
    assert.deepEqual(apiShown.bead.labels, ['backend'])
    const kinds = apiShown.events.map((e: LedgerEvent) => e.kind)
    for (const k of ['bead.created', 'polecat.slung', 'agent.checkpoint']) assert.ok(kinds.includes(k), `the history has ${k}`)
    assert.equal(((await rpc('beads.show', { id: finishedBead.id })) as BeadDetail).bead.status, 'closed')
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    for (const d of [town, join(fresh, '..'), repo, cues]) removeDir(d)
  }
})

test('gt town restore from a ledger branch with a bad record: a clear message with the file and line, and no town left half made', async () => {
  requireBuild()
  const remote = bareRemote()
  const target = join(tempDir('restore-target'), 'town')
  const t = freshLedger()
  try {
    await new Rigs(t.db, t.ledger, t.dir).add('app', remote, 'human')
    t.beads.create({ ...base, title: 'a bead', rig: 'app' }, 'human')
    const flushed = await new LedgerExporter({ db: t.db, town: t.dir, settings: () => ({ ...DEFAULT_LEDGER_SETTINGS, debounceSeconds: 0 }), beadPrefix: () => 'gt' }).flush()
    assert.deepEqual(flushed.failed, [])
    commitToLedger(remote, (w) => appendFileSync(join(w, 'gt-checkpoints.jsonl'), '{"id":1,"polecat_id":\n'))
    const r = await runGt(['town', 'restore', '--from', remote, '--town', target], {})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^gt: nothing was restored: a ledger branch holds a bad record/m)
    assert.match(r.stderr, /gt-checkpoints\.jsonl:\d+: not valid JSON/)
    assert.match(r.stderr, /Fix the record on that branch \(a new commit\), or restore without that remote/)
    assert.equal(existsSync(target), false, 'the folder the restore made is gone again')
    // gt town restore never needs a control room, and refuses usage mistakes with the usage.
    const none = await runGt(['town', 'restore', '--town', target], {})
    assert.equal(none.code, 2)
    assert.match(none.stderr, /name the remotes that hold the ledger branch/)
  } finally {
    t.close()
    removeDir(join(remote, '..'))
    removeDir(join(target, '..'))
  }
})
