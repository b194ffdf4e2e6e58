// The refinery against merging one request at a time (the Gas Town way: rebase one request onto the
// target, run the checks, push, next), measured in the same run on the same repository: 16 merge requests,
// 2 of them break the build, the checks take a fixed 2 s. Time to drain the queue, both ways; the refinery
// with the rig's default settings (2 candidates at once: sized for checks that use the machine's cores) and
// with merge_parallel 16 (every prefix of the queue tested at once, Zuul-style: the checks here are sleeps,
// so the machine has room for them), so the table shows what the settings buy.
//
// Run alone with `npx tsx bench/refinery.ts`, or as part of `npm run bench`. Env: BENCH_MR (16),
// BENCH_CULPRITS ("6,13": 1-based positions), BENCH_CHECK_S (2).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { createCore } from '../src/main/core/core'
import type { CallContext } from '../src/main/core/connection'
import type { MergeQueueEntry, MergeRun } from '../src/shared/domain'
import { GT_SCRIPT, gitIdentityEnv, removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { bareOrigin, pushBranch, type Origin } from '../test/support/merge-fixtures'

export const REFINERY_TARGET = 0.4
const num = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const CFG = {
  requests: num('BENCH_MR', 16),
  culprits: (process.env.BENCH_CULPRITS ?? '6,13').split(',').map(Number),
  checkS: num('BENCH_CHECK_S', 2)
}
const human: CallContext = { caller: { kind: 'human' } }
const log = (...a: unknown[]) => console.log(...a)
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
const CHECK = `sleep ${CFG.checkS}; test ! -e BUILD_BROKEN`

function setup(): { o: Origin; branches: string[] } {
  const o = bareOrigin()
  const branches = Array.from({ length: CFG.requests }, (_, i) => `mr/${String(i + 1).padStart(2, '0')}`)
  branches.forEach((b, i) => pushBranch(o, b, CFG.culprits.includes(i + 1) ? 'build' : undefined))
  return { o, branches }
}

/** One at a time: each request rebased onto the target, checked, pushed if green. */
function serial(o: Origin, branches: string[]): { ms: number; merged: number } {
  const dir = join(tempDir('serial'), 'clone')
  git(o.work, 'clone', '-q', o.source, dir)
  const t0 = performance.now()
  let merged = 0
  for (const b of branches) {
    git(dir, 'fetch', '-q', 'origin')
    git(dir, 'checkout', '-q', '--detach', 'origin/main')
    git(dir, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'cherry-pick', `origin/main..origin/${b}`)
    try {
      execFileSync('sh', ['-c', CHECK], { cwd: dir, stdio: 'ignore' })
    } catch {
      continue
    }
    git(dir, 'push', '-q', 'origin', 'HEAD:refs/heads/main')
    merged++
  }
  return { ms: performance.now() - t0, merged }
}

async function refinery(o: Origin, branches: string[], settings: Record<string, string>): Promise<{ ms: number; merged: number; runs: number }> {
  const town = tempDir('bench-refinery-town')
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  try {
    await core.dispatch('rigs.add', { name: 'bench', source: o.source }, human)
    for (const [key, value] of Object.entries({ merge_mode: 'mountain', build: CHECK, ...settings })) await core.dispatch('rigs.configure', { rig: 'bench', key, value }, human)
    const t0 = performance.now()
    await core.dispatch('mq.add', { rig: 'bench', branches }, human)
    const list = (await core.dispatch('mq.run', { rig: 'bench', wait: true }, human)) as MergeQueueEntry[]
    const ms = performance.now() - t0
    const runs = ((await core.dispatch('mq.runs', { rig: 'bench', limit: 500 }, human)) as MergeRun[]).filter((r) => r.status === 'green' || r.status === 'red').length
    const merged = list.filter((e) => e.state === 'merged').length
    // A drain that stopped short says why: the requests' states and the refinery's alarms.
    if (merged !== CFG.requests - CFG.culprits.length) {
      log(`  the queue: ${list.map((e) => `${e.branch} ${e.state}${e.failure ? ` (${e.failure.message})` : ''}`).join('; ')}`)
      for (const i of core.inbox.list()) log(`  inbox: ${i.title}: ${i.body}`)
    }
    return { ms, merged, runs }
  } finally {
    await core.close()
    removeDir(town)
  }
}

export async function benchRefinery(): Promise<{ rows: string[][] }> {
  requireBuild()
  gitIdentityEnv()
  log(`\n[7] refinery: ${CFG.requests} merge requests, culprits at ${CFG.culprits.join(', ')}, checks ${CFG.checkS} s…`)
  const a = setup()
  const one = serial(a.o, a.branches)
  log(`  one at a time: ${(one.ms / 1000).toFixed(1)} s, ${one.merged} merged, ${CFG.requests} check runs`)
  const b = setup()
  const def = await refinery(b.o, b.branches, {})
  log(`  refinery, default settings (bundle 4, 2 probes): ${(def.ms / 1000).toFixed(1)} s, ${def.merged} merged, ${def.runs} candidate runs`)
  const c = setup()
  const wide = await refinery(c.o, c.branches, { merge_parallel: '16' })
  log(`  refinery, bundle 4, 16 probes: ${(wide.ms / 1000).toFixed(1)} s, ${wide.merged} merged, ${wide.runs} candidate runs`)
  for (const r of [def, wide]) if (r.merged !== one.merged) log(`  WARNING: the refinery merged ${r.merged}, one at a time ${one.merged}`)
  // A drain that merged other requests than one at a time did is no figure: it fails, whatever its time.
  const row = (label: string, r: { ms: number; runs: number; merged: number }) => {
    const ratio = r.ms / one.ms
    const result = r.merged !== one.merged ? `FAIL (${r.merged} merged, not ${one.merged})` : ratio <= REFINERY_TARGET ? 'PASS' : 'MISS'
    return [label, `${(r.ms / 1000).toFixed(1)} s (${r.runs} runs)`, `one at a time ${(one.ms / 1000).toFixed(1)} s`, ratio.toFixed(2), `≤ ${REFINERY_TARGET}`, result]
  }
  return {
    rows: [
      row(`7. merge queue drained, ${CFG.requests} requests, ${CFG.culprits.length} culprits, ${CFG.checkS} s checks (defaults)`, def),
      row('   the same, merge_parallel 16 (every prefix at once)', wide)
    ]
  }
}

if (require.main === module) {
  benchRefinery().then(
    ({ rows }) => {
      log('\n| figure | value | baseline | ratio | target | result |\n|---|---|---|---|---|---|')
      for (const r of rows) log(`| ${r.join(' | ')} |`)
      log(`REFINERY_ROWS ${JSON.stringify(rows)}`)
      process.exit(0)
    },
    (err) => {
      console.error(`refinery bench failed: ${(err as Error).stack ?? err}`)
      process.exit(1)
    }
  )
}
