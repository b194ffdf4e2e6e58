// CPU accounting from /proc (Linux): per-process trees (a pid and all its descendants) and the whole machine.
// Used to show where the CPU goes during a benchmark phase: the core, the agents, Chromium, or nobody.
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

const TICK = 100 // USER_HZ; 100 on every Linux we care about

interface Stat {
  pid: number
  ppid: number
  comm: string
  ticks: number
}

function readStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = s.lastIndexOf(')')
    const comm = s.slice(s.indexOf('(') + 1, close)
    const f = s.slice(close + 2).split(' ')
    // fields after comm: state(0) ppid(1) ... utime(11) stime(12)
    return { pid, ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) }
  } catch {
    return null
  }
}

function allStats(): Stat[] {
  const out: Stat[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const s = readStat(Number(name))
    if (s) out.push(s)
  }
  return out
}

/** CPU seconds used so far by each root pid's tree (pid + descendants), keyed by the root. */
function treeTicks(roots: number[], stats: Stat[]): Map<number, number> {
  const children = new Map<number, Stat[]>()
  for (const s of stats) {
    const list = children.get(s.ppid) ?? []
    list.push(s)
    children.set(s.ppid, list)
  }
  const byPid = new Map(stats.map((s) => [s.pid, s]))
  const result = new Map<number, number>()
  for (const root of roots) {
    let ticks = 0
    const stack = [root]
    const seen = new Set<number>()
    while (stack.length) {
      const pid = stack.pop()!
      if (seen.has(pid)) continue
      seen.add(pid)
      const s = byPid.get(pid)
      if (s) ticks += s.ticks
      for (const c of children.get(pid) ?? []) stack.push(c.pid)
    }
    result.set(root, ticks)
  }
  return result
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = v[3] + (v[4] ?? 0)
  const total = v.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

export interface CpuGroups {
  /** root pids; with tree, each root's descendants count too */
  [group: string]: { pids: number[]; tree: boolean }
}

export interface CpuReport {
  wallS: number
  /** Percent of ONE core used by each group over the interval (200% = both cores of a 2-core machine). */
  groups: Record<string, number>
  /** Percent of the whole machine that was busy. */
  machineBusyPct: number
}

/** Start a measurement window; call the returned function to close it and get the report. */
export function cpuWindow(groups: () => CpuGroups): () => CpuReport {
  const t0 = performance.now()
  const roots0 = groups()
  const s0 = allStats()
  const before = new Map<string, number>()
  const sum = (stats: Stat[]) => {
    const m = new Map<string, number>()
    const own = new Map(stats.map((s) => [s.pid, s.ticks]))
    for (const [g, spec] of Object.entries(roots0)) {
      const tt = spec.tree ? treeTicks(spec.pids, stats) : own
      m.set(g, spec.pids.reduce((a, p) => a + (tt.get(p) ?? 0), 0))
    }
    return m
  }
  for (const [g, v] of sum(s0)) before.set(g, v)
  const m0 = machineTicks()
  return () => {
    const wallS = (performance.now() - t0) / 1000
    const s1 = allStats()
    const after1 = sum(s1)
    const m1 = machineTicks()
    const out: Record<string, number> = {}
    for (const g of Object.keys(roots0)) {
      const after = after1.get(g) ?? 0
      // a process that exited in between loses its ticks; clamp so the report never goes negative
      out[g] = Math.max(0, ((after - (before.get(g) ?? 0)) / TICK / wallS) * 100)
    }
    const busyPct = m1.total > m0.total ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100 : 0
    return { wallS, groups: out, machineBusyPct: busyPct }
  }
}

export const coreCount = (): number => cpus().length

/** Direct children of `parent` whose command name matches (e.g. the Chromium that playwright launched). */
export function childPids(parent: number, comm: RegExp): number[] {
  return allStats()
    .filter((s) => s.ppid === parent && comm.test(s.comm))
    .map((s) => s.pid)
}

/** A pid and all its descendants. */
export function treePids(root: number): number[] {
  const stats = allStats()
  const out: number[] = []
  const stack = [root]
  while (stack.length) {
    const pid = stack.pop()!
    out.push(pid)
    for (const s of stats) if (s.ppid === pid) stack.push(s.pid)
  }
  return out
}

/** CPU ticks so far of each thread of `pid`, summed by thread name (main = the pid's own thread). */
export function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const close = s.lastIndexOf(')')
      const f = s.slice(close + 2).split(' ')
      const name = tid === String(pid) ? 'main' : s.slice(s.indexOf('(') + 1, close).replace(/[\d-]+$/, '')
      out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]))
    } catch {
      // the thread ended
    }
  }
  return out
}

/** ms of CPU per MiB of each thread group of `pid` between two threadTicks readings, biggest first. */
export function threadMsPerMiB(before: Map<string, number>, after: Map<string, number>, mib: number): [string, number][] {
  return [...after]
    .map(([name, t]): [string, number] => [name, ((t - (before.get(name) ?? 0)) * (1000 / TICK)) / mib])
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
}
