// Recovery of a town whose rigs/ folder is gone: 5 rigs, 30 polecats (6 per rig), each with a pushed branch.
// Measured from the control room's start to the moment every worktree is back (the agents are resumed after
// that, by design after a grace period, which is not counted), against the raw git commands recovery has to
// run — a clone per rig, a worktree per polecat from its branch on origin — timed in the same run.
//
// Run alone with `npx tsx bench/recovery.ts`, or as part of `npm run bench`. Env: BENCH_RIGS (5),
// BENCH_POLECATS (30).
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../src/main/core/core'
import type { CallContext } from '../src/main/core/connection'
import type { Polecat, RecoveryReport } from '../src/shared/domain'
import { GT_SCRIPT, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir } from '../test/support/fixtures'

export const RECOVERY_TARGET = 1.5
const num = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const CFG = { rigs: num('BENCH_RIGS', 5), polecats: num('BENCH_POLECATS', 30) }
const human: CallContext = { caller: { kind: 'human' } }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (...a: unknown[]) => console.log(...a)
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })

/** A source repository with some history, so a clone is not trivially small. */
function sourceRepo(i: number): string {
  const repo = makeRepo()
  for (let c = 0; c < 20; c++) {
    writeFileSync(join(repo, `file-${c}.txt`), `rig ${i} commit ${c}\n`.repeat(200))
    git(repo, 'add', '-A')
    git(repo, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', `commit ${c}`)
  }
  return repo
}

export async function benchRecovery(): Promise<{ recoveryMs: number; rawMs: number; rows: string[][] }> {
  requireBuild()
  gitIdentityEnv()
  const root = tempDir('bench-recovery')
  const town = join(root, 'town')
  const sources = Array.from({ length: CFG.rigs }, (_, i) => sourceRepo(i))
  try {
    // Grace long enough that no agent is resumed while the worktrees are measured.
    execFileSync('mkdir', ['-p', town])
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ recoveryGraceSeconds: 120 }))
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    // All 30 agents alive at once, whatever the scheduler's default for this machine (kept in town.db).
    await core.dispatch('scheduler.limit', { limit: 1000 }, human)
    const cues = join(root, 'cues')
    const pcs: Polecat[] = []
    for (let r = 0; r < CFG.rigs; r++) await core.dispatch('rigs.add', { name: `r${r}`, source: sources[r] }, human)
    for (let p = 0; p < CFG.polecats; p++) {
      const rig = `r${p % CFG.rigs}`
      const bead = (await core.dispatch('beads.create', { title: `bench ${p}`, rig }, human)) as { id: string }
      const script = [{ write: { path: `work-${p}.txt`, content: 'x\n' } }, { commit: `work ${p}` }, { signal: 'committed' }, { hang: true }]
      pcs.push((await core.dispatch('sling', { bead: bead.id, rig, agentCmd: fakeAgentCmd(join(cues, String(p)), script) }, human)) as Polecat)
    }
    for (let p = 0; p < CFG.polecats; p++) while (!execFileSync('ls', [join(cues, String(p))], { encoding: 'utf8' }).includes('committed')) await sleep(50)
    // A quit commits and pushes what is there; then the disk "goes".
    await core.close()
    rmSync(join(town, 'rigs'), { recursive: true, force: true })

    log(`\n[recovery] ${CFG.rigs} rigs, ${CFG.polecats} polecats, rigs/ deleted…`)
    const t0 = performance.now()
    core = await createCore({ town, gtScript: GT_SCRIPT })
    let recoveryMs = NaN
    for (;;) {
      const r: RecoveryReport | null = core.recovery.current()
      if (r && r.polecats.length === CFG.polecats && r.polecats.every((s) => s.state === 'waiting' && s.detail?.includes('resumes after'))) {
        recoveryMs = performance.now() - t0
        break
      }
      if (r?.polecats.some((s) => s.state === 'failed') || performance.now() - t0 > 300_000) throw new Error(`recovery did not get every worktree back: ${JSON.stringify(r)}`)
      await sleep(10)
    }
    await core.close()

    // The raw commands, the same work: a clone per rig, a worktree per polecat from its pushed branch.
    const raw = join(root, 'raw')
    execFileSync('mkdir', ['-p', raw])
    const r0 = performance.now()
    for (let r = 0; r < CFG.rigs; r++) git(raw, 'clone', '-q', '--no-hardlinks', sources[r], `r${r}`)
    for (let p = 0; p < CFG.polecats; p++) {
      const rig = join(raw, `r${p % CFG.rigs}`)
      git(rig, 'worktree', 'add', '-q', '-b', pcs[p].branch!, join(raw, `wt-${p}`), `origin/${pcs[p].branch}`)
    }
    const rawMs = performance.now() - r0
    log(`  recovery to every worktree back: ${recoveryMs.toFixed(0)} ms; the raw git commands: ${rawMs.toFixed(0)} ms; ratio ${(recoveryMs / rawMs).toFixed(2)}`)
    const ratio = recoveryMs / rawMs
    const rows = [
      [`6. recovery, ${CFG.rigs} rigs + ${CFG.polecats} polecats, rigs/ deleted (to every worktree back)`, `${(recoveryMs / 1000).toFixed(2)} s`, `raw git ${(rawMs / 1000).toFixed(2)} s`, ratio.toFixed(2), `≤ ${RECOVERY_TARGET}`, ratio <= RECOVERY_TARGET ? 'PASS' : 'MISS']
    ]
    return { recoveryMs, rawMs, rows }
  } finally {
    removeDir(root)
    for (const s of sources) removeDir(s)
  }
}

if (require.main === module) {
  benchRecovery().then(
    ({ rows }) => {
      log('\n| figure | value | baseline | ratio | target | result |\n|---|---|---|---|---|---|')
      for (const r of rows) log(`| ${r.join(' | ')} |`)
      log(`RECOVERY_ROWS ${JSON.stringify(rows)}`)
      process.exit(0)
    },
    (err) => {
      console.error(`recovery bench failed: ${(err as Error).stack ?? err}`)
      process.exit(1)
    }
  )
}
