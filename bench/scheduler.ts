// The scheduler under a burst: BENCH_SCHED_BEADS (50) beads slung at once into BENCH_SCHED_RIGS (2) rigs of a
// town limited to BENCH_SCHED_LIMIT (5) agents alive. Each agent (the fake agent, test/fake-agent) works
// BENCH_SCHED_WORK_MS (2000), writes a file, commits, runs the real `gt done` and exits; its merge request goes
// to its rig's refinery (mountain mode: merged on green, no check commands, so the figure is about scheduling,
// not about checks), which merges it and closes the bead.
// Figures: the time from the slings to the last landing (the last bead closed by the refinery) against the
// ideal (the agents' own run times, summed, over the limit: a scheduler that never left a slot idle and cost
// nothing, and merges that took no time), the last agent's end on the way, and the scheduler's own part per
// dispatch: from a session's end (its slot freed) to the next start admitted, and the pump's CPU.
// Never more than the limit alive is checked from the core's live sessions, sampled every 20 ms.
//
// Run alone with `npx tsx bench/scheduler.ts`, or as part of `npm run bench`; BENCH_SCHED_DEBUG=1 prints the
// progress every 10 s (sessions ended, beads closed, the merge requests' states).
import { dirname, join } from 'node:path'
import { createCore } from '../src/main/core/core'
import type { CallContext } from '../src/main/core/connection'
import type { Polecat } from '../src/shared/domain'
import { GT_SCRIPT, fakeAgentCmd, gitIdentityEnv, removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { bareOrigin, filesAt, type Origin } from '../test/support/merge-fixtures'

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
  // Bare origins: the refinery pushes its merges to them (a working copy's checked-out main would refuse).
  const origins: Origin[] = Array.from({ length: CFG.rigs }, () => bareOrigin())
  const core = await createCore({ town: join(root, 'town'), gtScript: GT_SCRIPT })
  let sampler: NodeJS.Timeout | undefined
  try {
    for (let r = 0; r < CFG.rigs; r++) {
      await core.dispatch('rigs.add', { name: `r${r}`, source: origins[r].source }, human)
      // Each agent ends once, by itself: no restart by the Dogs adds starts to the figures. Merged on green
      // without asking, and green at once: no build or test command is set.
      for (const [key, value] of Object.entries({ max_retries: '0', merge_mode: 'mountain', build: '', test: '' })) await core.dispatch('rigs.configure', { rig: `r${r}`, key, value }, human)
    }
    await core.dispatch('scheduler.limit', { limit: CFG.limit }, human)
    const beads: { id: string; rig: string }[] = []
    for (let i = 0; i < CFG.beads; i++) {
      const rig = `r${i % CFG.rigs}`
      beads.push({ ...((await core.dispatch('beads.create', { title: `bench ${i}`, priority: i % 5, rig }, human)) as { id: string }), rig })
    }
    let most = 0
    sampler = setInterval(() => (most = Math.max(most, core.polecats.list().filter((p) => core.polecats.isRunning(p.id)).length)), 20)
    const script = [{ run: `sleep ${CFG.workMs / 1000}; echo "work of $GT_BEAD" > "$GT_BEAD.txt"` }, { commit: 'Work of {{GT_BEAD}}' }, { run: 'gt done --summary "bench work"' }, { exit: 0 }]
    const cues = join(root, 'cues')

    log(`\n[scheduler] ${CFG.beads} beads slung at once into ${CFG.rigs} rigs, town limit ${CFG.limit}, ${CFG.workMs} ms of work each…`)
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const startedAt = Date.now()
    // A sling resolves once its agent started (after its wait in the queue): watched while they wait.
    let slingError: Error | null = null
    const slung = Promise.all(beads.map((b, i) => core.dispatch('sling', { bead: b.id, rig: b.rig, agentCmd: fakeAgentCmd(join(cues, String(i)), script) }, human))).catch((err: Error) => {
      slingError = err
      return []
    })
    let endMs = NaN
    let lastProgress = performance.now()
    const deadline = Date.now() + Math.max(300_000, CFG.beads * CFG.workMs * 4)
    for (;;) {
      if (Number.isNaN(endMs)) {
        const open = core.sessions.list({ limit: 1000 }).filter((s) => !s.endedAt).length
        if (open === 0 && core.sessions.list({ limit: 1000 }).length >= CFG.beads) endMs = performance.now() - t0
      }
      if (slingError) throw slingError
      if (beads.every((b) => core.beads.get(b.id).status === 'closed')) break
      if (Date.now() > deadline) {
        const left = beads.filter((b) => core.beads.get(b.id).status !== 'closed')
        const queue = (await core.dispatch('mq.list', { rig: left[0].rig }, human)) as { beadId: string | null; state: string; failure?: { message: string } | null }[]
        const theirs = queue.filter((e) => left.some((b) => b.id === e.beadId)).map((e) => `${e.beadId} ${e.state}${e.failure ? ` (${e.failure.message})` : ''}`)
        throw new Error(`${left.length} of ${CFG.beads} beads never landed (e.g. ${left.slice(0, 3).map((b) => b.id).join(', ')}); their merge requests in ${left[0].rig}: ${theirs.join('; ') || 'none'}`)
      }
      if (process.env.BENCH_SCHED_DEBUG && performance.now() - lastProgress > 10_000) {
        lastProgress = performance.now()
        const closed = beads.filter((b) => core.beads.get(b.id).status === 'closed').length
        const ended = core.sessions.list({ limit: 1000 }).filter((s) => s.endedAt).length
        const mq = []
        for (let r = 0; r < CFG.rigs; r++) mq.push(...((await core.dispatch('mq.list', { rig: `r${r}` }, human)) as { state: string }[]).map((e) => e.state))
        const count = (xs: string[]) => Object.entries(xs.reduce<Record<string, number>>((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {})).map(([k, v]) => `${k} ${v}`).join(', ')
        log(`  … ${((performance.now() - t0) / 1000).toFixed(0)} s: ${ended} sessions ended, ${closed} beads closed; merge requests: ${count(mq)}; inbox: ${core.inbox.list().map((i) => i.title).slice(0, 3).join(' | ')}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const pcs = (await slung) as Polecat[]
    clearInterval(sampler)
    // Every bead's work is on its rig's target now, or the figure is no landing.
    const onTarget = new Set(origins.flatMap((o) => filesAt(o)))
    const missing = beads.filter((b) => !onTarget.has(`${b.id}.txt`))
    if (missing.length) throw new Error(`${missing.length} closed beads have no work on their rig's main (e.g. ${missing[0].id})`)

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
    // The refinery's part: each bead's session end to its close (merged), ledger times.
    const closedAt = new Map(events.filter((e) => e.kind === 'bead.closed').map((e) => [e.subject, Date.parse(e.at)]))
    const toLand: number[] = []
    for (const s of sessions) if (s.beadId && closedAt.has(s.beadId)) toLand.push(closedAt.get(s.beadId)! - Date.parse(s.endedAt!))
    const ratio = wallMs / idealMs
    log(`  ${pcs.length} slung; at most ${most} alive (limit ${CFG.limit}); last agent's end after ${(endMs / 1000).toFixed(2)} s, last landing after ${(wallMs / 1000).toFixed(2)} s; ideal ${(idealMs / 1000).toFixed(2)} s (agents' own run times ${(own.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s / ${CFG.limit}); ratio ${ratio.toFixed(2)}`)
    log(`  agent's end → bead closed by the refinery: median ${pct(toLand, 50)} ms, p95 ${pct(toLand, 95)} ms`)
    log(`  end → next admission: median ${pct(gaps, 50)} ms, p95 ${pct(gaps, 95)} ms (ledger times, ms resolution); core CPU over the run ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ${((cpu.user + cpu.system) / 1000 / CFG.beads).toFixed(1)} ms per bead (sling, worktree, PTY, ledger and scheduler together)`)
    log(`  admission → session started (the sling's worktree and launch): median ${pct(prep, 50)} ms, p95 ${pct(prep, 95)} ms`)
    if (most > CFG.limit) throw new Error(`${most} agents were alive at once, over the limit of ${CFG.limit}`)
    const rows = [
      [`8. scheduler: ${CFG.beads} beads at once, limit ${CFG.limit}, to the last landing (merged)`, `${(wallMs / 1000).toFixed(2)} s`, `ideal ${(idealMs / 1000).toFixed(2)} s`, ratio.toFixed(2), `≤ ${SCHEDULER_TARGET}`, ratio <= SCHEDULER_TARGET ? 'PASS' : 'MISS'],
      [`   the same, to the last agent's end`, `${(endMs / 1000).toFixed(2)} s`, `ideal ${(idealMs / 1000).toFixed(2)} s`, (endMs / idealMs).toFixed(2), '—', 'INFO'],
      [`   an agent's end → its bead merged and closed (median / p95)`, `${pct(toLand, 50)} / ${pct(toLand, 95)} ms`, '—', '—', '—', 'INFO'],
      [`8. scheduler: a session's end to the next admission (median / p95)`, `${pct(gaps, 50)} / ${pct(gaps, 95)} ms`, '—', '—', 'p95 ≤ 50 ms', pct(gaps, 95) <= 50 ? 'PASS' : 'MISS'],
      [`8. sling after admission: to the session's start (median / p95)`, `${pct(prep, 50)} / ${pct(prep, 95)} ms`, '—', '—', '—', 'INFO']
    ]
    return { rows }
  } finally {
    clearInterval(sampler)
    await core.close()
    removeDir(root)
    for (const o of origins) {
      removeDir(dirname(o.source))
      removeDir(dirname(o.work))
    }
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
