// What TownRecovery says while a rig step runs: "fetching" for a rig whose clone is there, "cloning again from
// its source" for one whose clone is gone — before the git command ends, so the banner can say which is under
// way. Real git for the clone and the worktree; the ledger and sessions are the few members recovery reads.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Polecat, RecoveryReport, Rig } from '../../src/shared/domain'
import type { Ledger } from '../../src/main/core/ledger/ledger'
import type { Sessions } from '../../src/main/core/sessions/sessions'
import { TownRecovery } from '../../src/main/core/town/recovery'
import { makeRepo, removeDir, sh, tempDir } from '../support/fixtures'

test('a rig step says fetching or cloning while it runs', async () => {
  const source = makeRepo()
  const town = tempDir('town')
  try {
    const kept = join(town, 'rigs', 'kept', 'repo')
    sh(town, 'git', ['clone', '-q', source, kept])
    const rigs: Rig[] = [
      { name: 'kept', source, path: kept, defaultBranch: 'main', addedAt: '' },
      { name: 'lost', source, path: join(town, 'rigs', 'lost', 'repo'), defaultBranch: 'main', addedAt: '' }
    ]
    const polecat = (rig: string): Polecat =>
      ({ id: `${rig}/nux`, rig, name: 'nux', state: 'exited', beadId: `gt-${rig}`, branch: `polecat/nux/gt-${rig}`, worktree: join(town, 'rigs', rig, 'polecats', 'nux'), sessionId: `s-${rig}` }) as Polecat
    const seen: RecoveryReport[] = []
    const recovery = new TownRecovery({
      ledger: { append: () => {} } as unknown as Ledger,
      sessions: { find: () => ({ endReason: 'app-restart' }), list: () => [] } as unknown as Sessions,
      rigs: () => rigs,
      polecats: () => [polecat('kept'), polecat('lost')],
      restoreClone: async (rig) => {
        if (rig === 'lost') throw new Error(`could not clone ${source}: gone`)
        sh(kept, 'git', ['fetch', '-q', 'origin'])
        return 'fetched'
      },
      beadFinished: async () => false,
      resume: async () => {},
      isRunning: () => false,
      dispatchPaused: () => null,
      alarm: () => {},
      progress: (r) => seen.push(structuredClone(r)),
      graceMs: () => 0,
      maxRespawnsPerHour: () => 3
    })
    const report = await recovery.run()
    const steps = (rig: string) => seen.map((r) => r.rigs.find((s) => s.name === rig)!).map((s) => `${s.state}:${s.detail}`)
    assert.ok(steps('kept').includes('working:fetching'), JSON.stringify(steps('kept')))
    assert.ok(steps('lost').includes('working:cloning again from its source'), JSON.stringify(steps('lost')))
    assert.deepEqual(report.rigs.map((s) => [s.name, s.state]), [['kept', 'done'], ['lost', 'failed']])
    assert.equal(report.polecats.find((p) => p.name === 'kept/nux')!.state, 'done')
  } finally {
    removeDir(source)
    removeDir(town)
  }
})
