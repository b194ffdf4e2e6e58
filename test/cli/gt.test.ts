// The gt command as users and agents run it: the real built binary, against a real control room.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import { GT_SCRIPT, ROOT, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'

let town: string
let repo: string
let core: Core

// Asynchronous on purpose: the control room answering gt runs in this very process.
function gt(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'gt.cjs'), ...args], { env: { ...process.env, GT_TOWN: town, GT_TOKEN: '', GT_ENDPOINT: '', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
const gtJson = async (args: string[]) => {
  const r = await gt([...args, '--json'])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}

before(async () => {
  requireBuild()
  gitIdentityEnv()
  town = tempDir('town')
  repo = makeRepo()
})
after(async () => {
  await core?.close()
  removeDir(town)
  removeDir(repo)
})

test('with no control room running, gt says so and how to start one', async () => {
  const r = (await gt(['bead', 'list']))
  assert.equal(r.code, 1)
  assert.match(r.stderr, /No control room is running for town .*gt serve --town/)
})

test('beads: create, list, show, update, close, ready — with --json', async () => {
  core = await createCore({ town, gtScript: GT_SCRIPT })
  const a = await gtJson(['bead', 'create', 'First task', '-p', '1', '--label', 'x'])
  assert.match(a.id, /^gt-/)
  const b = await gtJson(['bead', 'create', '--title', 'Blocked task', '-p', '0', '--blocked-by', a.id])
  assert.deepEqual(b.deps, [{ type: 'blocks', target: a.id }])
  assert.deepEqual((await gtJson(['ready'])).map((x: { id: string }) => x.id), [a.id])
  const updated = await gtJson(['bead', 'update', a.id, '--status', 'in_progress', '--add-label', 'y'])
  assert.equal(updated.status, 'in_progress')
  assert.deepEqual(updated.labels, ['x', 'y'])
  await gtJson(['bead', 'close', a.id, '--reason', 'done here'])
  assert.deepEqual((await gtJson(['ready'])).map((x: { id: string }) => x.id), [b.id])
  const shown = await gtJson(['bead', 'show', a.id])
  assert.equal(shown.bead.closeReason, 'done here')
  assert.deepEqual(shown.events.map((e: { kind: string }) => e.kind), ['bead.created', 'bead.updated', 'bead.closed'])
  assert.match((await gt(['bead', 'list', '--all'])).stdout, /First task/)
  // Clear errors for bad input.
  const bad = (await gt(['bead', 'create', 'x', '-p', '7']))
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /priority from 0 \(most urgent\) to 4.*not "7"/)
  assert.match((await gt(['bead', 'show', 'gt-nope'])).stderr, /no bead gt-nope/)
  const usage = (await gt(['bead', 'frobnicate']))
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /gt help/)
})

test('rig add shows progress; sling starts the agent; agent commands need the agent token', async () => {
  const added = (await gt(['rig', 'add', 'app', repo]))
  assert.equal(added.code, 0, added.stderr)
  assert.match(added.stdout, /Added rig app \(main\)/)
  assert.match(added.stderr, /Cloning/)
  // Progress into a pipe (not a terminal) is plain lines, not in-place updates.
  assert.doesNotMatch(added.stderr, /\x1b\[K|\r/, JSON.stringify(added.stderr))
  assert.match((await gt(['rig', 'list'])).stdout, /app\s+main/)

  // Without GT_TOKEN agent commands explain themselves; with another agent's token nothing is shared.
  const noToken = (await gt(['prime']))
  assert.equal(noToken.code, 1)
  assert.match(noToken.stderr, /agent command/)
  const forged = (await gt(['prime'], { GT_ENDPOINT: JSON.parse(readFileSync(join(town, 'endpoint.json'), 'utf8')).url, GT_TOKEN: 'forged' }))
  assert.match(forged.stderr, /no valid token/)
  // The human token cannot call agent methods either.
  const endpoint = JSON.parse(readFileSync(join(town, 'endpoint.json'), 'utf8'))
  assert.match((await gt(['prime'], { GT_ENDPOINT: endpoint.url, GT_TOKEN: endpoint.token })).stderr, /for agents/)

  const bead = await gtJson(['bead', 'create', 'Nothing to commit', '--rig', 'app'])
  const cues = join(tempDir('cues'), 'cues')
  const script = [
    { run: 'gt done > done.out 2>&1' },
    { run: 'gt escalate --severity P1 --title "Need a decision" --body "which way?"' },
    { run: 'gt mail send app/nobody --subject hi --body there' },
    { run: 'gt mail check --json > mail.json' },
    { signal: 'finished' },
    { hang: true }
  ]
  const pc = await gtJson(['sling', bead.id, 'app', '--agent-cmd', fakeAgentCmd(cues, script)])
  assert.equal(pc.state, 'working')
  await waitForFile(join(cues, 'finished'))
  assert.match(readFileSync(join(pc.worktree, 'done.out'), 'utf8'), /has no commits beyond origin\/main: commit your work before gt done/)
  const inbox = await gtJson(['inbox'])
  assert.equal(inbox[0].severity, 'P1')
  assert.equal(inbox[0].polecatId, pc.id)
  assert.deepEqual(JSON.parse(readFileSync(join(pc.worktree, 'mail.json'), 'utf8')), [])
  const sessions = await gtJson(['session', 'list', '--bead', bead.id])
  assert.equal(sessions.length, 1)
  const transcript = (await gt(['session', 'show', sessions[0].id]))
  assert.match(transcript.stdout, /gt done > done.out 2>&1` exited 1/)
  // Every agent call is in the ledger.
  const kinds = core.ledger.list({ subject: pc.id }).map((e) => e.kind)
  assert.ok(kinds.includes('agent.mail.check'))
  assert.ok(core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'agent.escalate'))
  assert.ok(core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'agent.done.refused'), 'a refused call is in the ledger too')
  assert.equal((await gt(['polecat', 'stop', pc.id])).code, 0)
})
