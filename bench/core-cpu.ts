// The core's CPU per MiB of terminal output, alone and quickly: the real core + web host, one producer agent,
// a Node WebSocket client that acks on receipt (bench/ws-sink.mjs), no Chromium. What phase 2 of bench/run.ts
// reports as "core + WebSocket alone", repeated CORE_CPU_RUNS times so a change can be compared run to run.
//
//   npx electron-vite build && node --import tsx bench/core-cpu.ts
//   CORE_CPU_MB (default 64), CORE_CPU_RUNS (default 3), CORE_CPU_PROFILE=1 (CPU profile of the core thread),
//   CORE_CPU_IDLE=N (N idle agents beside), CORE_CPU_PERF=FILE (perf record of the process)
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createCore } from '../src/main/core/core'
import { startWebHost } from '../src/main/host/web'
import type { CallContext } from '../src/main/core/connection'
import type { Bead, Polecat } from '../src/shared/domain'
import { GT_SCRIPT, ROOT, makeRepo, removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { profileSelf, selfByFile, topSelf } from './lib/profile'
import { threadMsPerMiB, threadTicks } from './lib/procstat'
import { SessionLog } from '../src/main/core/sessions/session-log'
import { FLOW } from '../src/shared/contract'
import { diffStats, installInstrumentation, snapshotStats } from './lib/instrument'

const MiB = 1024 * 1024
const mb = Number(process.env.CORE_CPU_MB ?? 64)
const runs = Number(process.env.CORE_CPU_RUNS ?? 3)
const profile = process.env.CORE_CPU_PROFILE === '1'
const q = (s: string) => JSON.stringify(s)
const human: CallContext = { caller: { kind: 'human' } }

async function main(): Promise<void> {
  requireBuild()
  // experiment: what the session log's output lines cost, all told (the line, its writes, its garbage)
  if (process.env.CORE_CPU_NO_LOG === '1') SessionLog.prototype.output = () => undefined
  // experiment: a bigger batch (fewer frames, acks and log runs per MiB), as bench/run.ts's BENCH_FLOW_BATCH_MAX
  if (process.env.CORE_CPU_BATCH_MAX) (FLOW as { batchMaxBytes: number }).batchMaxBytes = Number(process.env.CORE_CPU_BATCH_MAX)
  // node-pty reads, counted (bench/run.ts's instrumentation): the kernel's and Node's cost is per read
  installInstrumentation()
  const root = tempDir('core-cpu')
  const repo = join(root, 'repo')
  mkdirSync(repo)
  makeRepo(repo)
  const cues = join(root, 'cues')
  mkdirSync(cues)
  const core = await createCore({ town: join(root, 'town'), gtScript: GT_SCRIPT })
  const host = await startWebHost({ core, rendererDir: join(ROOT, 'out', 'renderer') })
  try {
    await core.dispatch('rigs.add', { name: 'bench', source: repo }, human)
    const results: number[] = []
    // Every agent is slung first, and the runs wait out the ledger export those slings cause (it forks git
    // several times, 5 s after the last change): that is not the terminal pipeline's cost.
    await core.dispatch('scheduler.limit', { limit: 1000 }, human) // every agent at once, whatever this machine's default
    // CORE_CPU_IDLE=N: N more agents slung and left idle beside the measured one (a town is rarely one agent)
    for (let i = 0; i < Number(process.env.CORE_CPU_IDLE ?? 0); i++) {
      const bead = (await core.dispatch('beads.create', { title: `idle ${i}`, rig: 'bench' }, human)) as Bead
      await core.dispatch('sling', { bead: bead.id, rig: 'bench', agentCmd: `${q(process.execPath)} -e "setInterval(() => {}, 1e9)"` }, human)
    }
    const pcs: Polecat[] = []
    for (let r = 0; r < runs; r++) {
      const bead = (await core.dispatch('beads.create', { title: `core cpu ${r}`, rig: 'bench' }, human)) as Bead
      const cmd = [q(process.execPath), q(join(ROOT, 'bench', 'producer.mjs')), '--bytes', String(mb * MiB), '--cues', q(cues), '--go', `go-${r}`, '--seed', '1'].join(' ')
      pcs.push((await core.dispatch('sling', { bead: bead.id, rig: 'bench', agentCmd: cmd }, human)) as Polecat)
    }
    await new Promise((r) => setTimeout(r, 8000))
    for (let r = 0; r < runs; r++) {
      const pc = pcs[r]
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'ws-sink.mjs'), `ws://127.0.0.1:${host.port}/ws`, pc.id], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GT_WEB_TOKEN: host.token } })
      const lines = createInterface({ input: child.stdout! })
      const next = () => new Promise<string>((res) => lines.once('line', res))
      if ((await next()) !== 'attached') throw new Error('ws sink did not attach')
      await new Promise((r) => setTimeout(r, 1000)) // the producer is ready and the sling settled
      const stop = profile ? await profileSelf() : null
      // CORE_CPU_PERF=FILE: perf record of the whole core process (native and kernel too) over the measurement
      const perf = process.env.CORE_CPU_PERF ? spawn('perf', ['record', '-F', '2999', '-g', '-p', String(process.pid), '-o', `${process.env.CORE_CPU_PERF}.${r}`], { stdio: 'ignore' }) : null
      if (perf) await new Promise((r) => setTimeout(r, 500))
      const th0 = threadTicks(process.pid)
      const ru0 = process.resourceUsage()
      const stats0 = snapshotStats()
      const t0 = performance.timeOrigin + performance.now()
      writeFileSync(join(cues, `go-${r}`), '')
      const done = JSON.parse(await next()) as { doneAt: number }
      const th = threadMsPerMiB(th0, threadTicks(process.pid), mb)
      const ru = process.resourceUsage()
      const reads = diffStats(stats0, snapshotStats(), [pc.id]).dataEvents
      // user and kernel time of the whole process (getrusage, µs): the kernel's share is the PTY reads and socket writes
      const userSys = `${(reads / mb) | 0} reads/MiB, user ${((ru.userCPUTime - ru0.userCPUTime) / 1000 / mb).toFixed(1)}, kernel ${((ru.systemCPUTime - ru0.systemCPUTime) / 1000 / mb).toFixed(1)}`
      if (perf) {
        perf.kill('SIGINT')
        await new Promise((r) => perf.once('exit', r))
      }
      const total = th.reduce((s, [, ms]) => s + ms, 0)
      results.push(total)
      console.log(`run ${r + 1}: ${(mb / ((done.doneAt - t0) / 1000)).toFixed(1)} MiB/s, core ${total.toFixed(1)} ms CPU/MiB (${th.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', ')}; ${userSys}); load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
      if (stop) {
        const p = await stop()
        for (const x of topSelf(p, 25)) console.log(`    ${x.pct.toFixed(1).padStart(5)}%  ${x.ms.toFixed(1).padStart(7)} ms  ${x.name}`)
        // who spawns processes while the output flows (each spawn forks the whole core)
        const parent = new Map<number, number>()
        for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
        const byId = new Map(p.nodes.map((n) => [n.id, n]))
        const hits = new Map<number, number>()
        for (const sid of p.samples ?? []) hits.set(sid, (hits.get(sid) ?? 0) + 1)
        for (const n of p.nodes) {
          if (n.callFrame.functionName !== 'spawn' || !hits.get(n.id)) continue
          const chain: string[] = []
          for (let id: number | undefined = n.id; id !== undefined && chain.length < 14; id = parent.get(id)) {
            const f = byId.get(id)!.callFrame
            chain.push(`${f.functionName || '(anon)'} ${f.url.split('/').slice(-1)[0]}:${f.lineNumber + 1}`)
          }
          console.log(`    spawn (${hits.get(n.id)} samples): ${chain.join(' < ')}`)
        }
        // inclusive time of the pipeline's functions (a function on the stack twice counts once)
        const incl = new Map<string, number>()
        const deltas = p.timeDeltas ?? []
        ;(p.samples ?? []).forEach((sid, i) => {
          const seen = new Set<string>()
          for (let id: number | undefined = sid; id !== undefined; id = parent.get(id)) {
            const f = byId.get(id)!.callFrame
            const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-1)[0]}`
            if (seen.has(key)) continue
            seen.add(key)
            incl.set(key, (incl.get(key) ?? 0) + (deltas[i] ?? 0) / 1000)
          }
        })
        for (const [k, ms] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`    incl ${(ms / mb).toFixed(2).padStart(6)} ms/MiB  ${k}`)
        for (const x of selfByFile(p, 10)) console.log(`    ${x.pct.toFixed(1).padStart(5)}%  ${x.ms.toFixed(1).padStart(7)} ms  ${x.name}`)
      }
      child.kill()
    }
    const sorted = [...results].sort((a, b) => a - b)
    console.log(`median core CPU per MiB: ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms (min ${sorted[0].toFixed(1)})`)
  } finally {
    await host.close()
    await core.close()
    removeDir(root)
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  }
)
