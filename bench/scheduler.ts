// The scheduler under a burst: BENCH_SCHED_BEADS (50) beads slung at once into BENCH_SCHED_RIGS (2) rigs of a
// town limited to BENCH_SCHED_LIMIT (5) agents alive, each agent working BENCH_SCHED_WORK_MS (2000) and exiting.
// Figures: the time from the slings to the last agent's end against the ideal (the agents' own run times,
// summed, over the limit: a scheduler that never left a slot idle and cost nothing), and the scheduler's own
// part per dispatch: from a session's end (its slot freed) to the next start admitted, and the pump's CPU.
// Never more than the limit alive is checked in /proc-free terms here (the core's live sessions, sampled).
//
// Run alone with `npx tsx bench/scheduler.ts`, or as part of `npm run bench`.
import { join } from 'node:path'
import { createCore } from '../src/main/core/core'
import type { CallContext } from '../src/main/core/connection'
import type { Polecat } from '../src/shared/domain'
import { GT_SCRIPT, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir } from '../test/support/fixtures'

/** Wall time over the ideal we aim under: slings prepare worktrees and start processes, which takes turns. */
export const SCHEDULER_TARGET = 1.5
const num = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const CFG = { beads: num('BENCH_SCHED_BEADS', 50), rigs: num('BENCH_SCHED_RIGS', 2), limit: num('BENCH_SCHED_LIMIT', 5), workMs: num('BENCH_SCHED_WORK_MS', 2000) }
const human: CallContext = { caller: { kind: 'human' } }
const log = (...a: unknown[]) => console.log(...a)
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN
}

export async function benchScheduler(): Promise<{ rows: string[][] }> {
  requireBuild()
  gitIdentityEnv()
  const root = tempDir('bench-sched')
  const repos = Array.from({ length: CFG.rigs }, () => makeRepo())
  const core = await createCore({ town: join(root, 'town'), gtScript: GT_SCRIPT })
  try {
    for (let r = 0; r < CFG.rigs; r++) {
      await core.dispatch('rigs.add', { name: `r${r}`, source: repos[r] }, human)
      // Each agent ends once, by itself: no restart by the Dogs adds starts to the figures.
      await core.dispatch('rigs.configure', { rig: `r${r}`, key: 'max_retries', value: '0' }, human)
    }
    await core.dispatch('scheduler.limit', { limit: CFG.limit }, human)
    const beads: { id: string; rig: string }[] = []
    for (let i = 0; i < CFG.beads; i++) {
      const rig = `r${i % CFG.rigs}`
      beads.push({ ...((await core.dispatch('beads.create', { title: `bench ${i}`, priority: i % 5, rig }, human)) as { id: string }), rig })
    }
    let most = 0
    const sampler = setInterval(() => (most = Math.max(most, core.polecats.list().filter((p) => core.polecats.isRunning(p.id)).length)), 20)
    const script = [{ run: `sleep ${CFG.workMs / 1000}` }, { exit: 0 }]
    const cues = join(root, 'cues')

    log(`\n[scheduler] ${CFG.beads} beads slung at once into ${CFG.rigs} rigs, town limit ${CFG.limit}, ${CFG.workMs} ms of work each…`)
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const startedAt = Date.now()
    const pcs = (await Promise.all(beads.map((b, i) => core.dispatch('sling', { bead: b.id, rig: b.rig, agentCmd: fakeAgentCmd(join(cues, String(i)), script) }, human)))) as Polecat[]
    for (;;) {
      const open = core.sessions.list({ limit: 1000 }).filter((s) => !s.endedAt).length
      if (open === 0 && core.sessions.list({ limit: 1000 }).length >= CFG.beads) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    clearInterval(sampler)

    const sessions = core.sessions.list({ limit: 1000 }).filter((s) => Date.parse(s.startedAt) >= startedAt - 1000)
    const own = sessions.map((s) => Date.parse(s.endedAt!) - Date.parse(s.startedAt))
    const idealMs = own.reduce((a, b) => a + b, 0) / CFG.limit
    // The scheduler's part: each admission after the burst's first wave, from the session end that freed its slot.
    const events = core.ledger.list({ limit: 5000 }).filter((e) => Date.parse(e.at) >= startedAt - 1000)
    const ends = events.filter((e) => e.kind === 'session.ended').map((e) => Date.parse(e.at))
    const admits = events.filter((e) => e.kind === 'scheduler.admitted').map((e) => Date.parse(e.at))
    const gaps: number[] = []
    for (const a of admits.slice(CFG.limit)) {
      const before = ends.filter((t) => t <= a)
      if (before.length) gaps.push(a - Math.max(...before))
    }
    // The sling's own part after admission: worktree, launch plan, process start (the session row is written then).
    const prep: number[] = []
    for (const e of events.filter((x) => x.kind === 'scheduler.admitted')) {
      const started = sessions.find((x) => x.beadId === e.subject)
      if (started) prep.push(Date.parse(started.startedAt) - Date.parse(e.at))
    }
    const ratio = wallMs / idealMs
    log(`  ${pcs.length} slung; at most ${most} alive (limit ${CFG.limit}); last end after ${(wallMs / 1000).toFixed(2)} s; ideal ${(idealMs / 1000).toFixed(2)} s; ratio ${ratio.toFixed(2)}`)
    log(`  end → next admission: median ${pct(gaps, 50)} ms, p95 ${pct(gaps, 95)} ms (ledger times, ms resolution); core CPU over the run ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ${((cpu.user + cpu.system) / 1000 / CFG.beads).toFixed(1)} ms per bead (sling, worktree, PTY, ledger and scheduler together)`)
    log(`  admission → session started (the sling's worktree and launch): median ${pct(prep, 50)} ms, p95 ${pct(prep, 95)} ms`)
    if (most > CFG.limit) throw new Error(`${most} agents were alive at once, over the limit of ${CFG.limit}`)
    const rows = [
      [`8. scheduler: ${CFG.beads} beads at once, limit ${CFG.limit} (to the last agent's end)`, `${(wallMs / 1000).toFixed(2)} s`, `ideal ${(idealMs / 1000).toFixed(2)} s`, ratio.toFixed(2), `≤ ${SCHEDULER_TARGET}`, ratio <= SCHEDULER_TARGET ? 'PASS' : 'MISS'],
      [`8. scheduler: a session's end to the next admission (median / p95)`, `${pct(gaps, 50)} / ${pct(gaps, 95)} ms`, '—', '—', 'p95 ≤ 50 ms', pct(gaps, 95) <= 50 ? 'PASS' : 'MISS'],
      [`8. sling after admission: to the session's start (median / p95)`, `${pct(prep, 50)} / ${pct(prep, 95)} ms`, '—', '—', '—', 'INFO']
    ]
    return { rows }
  } finally {
    await core.close()
    removeDir(root)
    for (const r of repos) removeDir(r)
  }
}

if (require.main === module) {
  benchScheduler().then(
    ({ rows }) => {
      log('\n| figure | value | baseline | ratio | target | result |\n|---|---|---|---|---|---|')
      for (const r of rows) log(`| ${r.join(' | ')} |`)
      log(`SCHEDULER_ROWS ${JSON.stringify(rows)}`)
      process.exit(0)
    },
    (err) => {
      console.error(`scheduler bench failed: ${(err as Error).stack ?? err}`)
      process.exit(1)
    }
  )
}
