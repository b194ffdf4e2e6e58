// A convoy outlives its control room: the host is killed while wave 1's agent works; the next start resumes
// that agent (recovery), its bead merges, and the new process's dispatcher slings wave 2 and lands the convoy.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Bead, ConvoyStatus, LedgerEvent } from '../../src/shared/domain'
import { startServe, type Served } from '../../e2e/support/serve'
import { endpointRpc } from '../support/endpoint-rpc'
import { eventually, fakeAgentCmd, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { BUILD, TESTS, bareOrigin } from '../support/merge-fixtures'

test('the host killed mid-convoy: after the restart the convoy goes on from where it was and lands', async () => {
  requireBuild()
  const town = tempDir('town')
  // Recovery resumes interrupted agents after a grace period; none here, so the test does not wait for it.
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 0 }), { mode: 0o600 })
  const o = bareOrigin()
  const cues = join(tempDir('cues'), 'cues')
  const agentCmd = fakeAgentCmd(cues, [
    { run: 'echo "work of $GT_BEAD" > "$GT_BEAD.txt"' },
    { signal: 'started-{{GT_BEAD}}' },
    { waitFor: 'release' },
    { commit: 'Work of {{GT_BEAD}}' },
    { run: 'gt done --summary "work of $GT_BEAD"' },
    { exit: 0 }
  ])
  let serve: Served = await startServe(town)
  try {
    let rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'long', source: o.source })
    for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: BUILD, test: TESTS, retry_backoff_s: '0' })) await rpc('rigs.configure', { rig: 'long', key, value })
    const a = await rpc<Bead>('beads.create', { title: 'first', rig: 'long' })
    const b = await rpc<Bead>('beads.create', { title: 'second', rig: 'long', deps: [{ type: 'blocks', target: a.id }] })
    const c = await rpc<ConvoyStatus>('convoys.create', { title: 'Through a crash', beads: [a.id, b.id], agentCmd })
    await waitForFile(join(cues, `started-${a.id}`))
    serve.proc.kill('SIGKILL')
    await new Promise((r) => serve.proc.once('exit', r))

    execFileSync('touch', [join(cues, 'release')])
    serve = await startServe(town)
    rpc = endpointRpc(town)
    assert.equal((await rpc<ConvoyStatus>('convoys.status', { id: c.id })).state, 'open', 'the convoy is still there, open')
    const landed = await eventually(async () => {
      const s = await rpc<ConvoyStatus>('convoys.status', { id: c.id })
      return s.state === 'landed' ? s : null
    }, 'the convoy landed after the restart', 120_000)
    assert.deepEqual(landed.progress, { landed: 2, total: 2, skipped: 0 })
    const events = await rpc<LedgerEvent[]>('ledger.list', { limit: 5000 })
    const restarted = events.filter((e) => e.kind === 'town.started').at(-1)!.id
    const slungB = events.find((e) => e.kind === 'convoy.slung' && (e.data as { bead: string }).bead === b.id)!
    assert.ok(slungB.id > restarted, 'wave 2 was slung by the restarted control room')
    assert.equal(events.filter((e) => e.kind === 'convoy.slung' && (e.data as { bead: string }).bead === a.id).length, 1, 'wave 1 was not slung twice: its agent was resumed')
  } finally {
    await serve.stop('SIGTERM').catch(() => serve.proc.kill('SIGKILL'))
    removeDir(town)
  }
})
