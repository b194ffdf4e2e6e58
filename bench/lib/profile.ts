// Optional CPU profiles (BENCH_PROFILE=1): the core's own thread via node:inspector, the page via CDP.
// Summarised as self time per function, so the report can say which code the time goes to.
import { Session } from 'node:inspector'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** Self time per function (ms), biggest first. */
export function topSelf(profile: CpuProfile, n = 15): { name: string; ms: number; pct: number }[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]))
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i] ?? 0) / 1000)
  const agg = new Map<string, number>()
  let total = 0
  for (const [id, ms] of self) {
    const node = byId.get(id)
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    const file = url ? url.split('/').slice(-1)[0].split('?')[0] : ''
    const name = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`
    agg.set(name, (agg.get(name) ?? 0) + ms)
    total += ms
  }
  return [...agg.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms, pct: (ms / total) * 100 }))
}

/** Profiles this Node process (the core's thread) until the returned function is called. */
export async function profileSelf(): Promise<() => Promise<CpuProfile>> {
  const s = new Session()
  s.connect()
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))))
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 500 })
  await post('Profiler.start')
  return async () => {
    const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop')
    s.disconnect()
    return profile
  }
}

/** Self time per script file (ms), biggest first: which code, by file, the time goes to. */
export function selfByFile(profile: CpuProfile, n = 15): { name: string; ms: number; pct: number }[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]))
  const agg = new Map<string, number>()
  let total = 0
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i])
    if (!node) continue
    const { url, functionName } = node.callFrame
    const name = url ? url.split('/').slice(-1)[0].split('?')[0] : functionName || '(native)'
    const ms = (deltas[i] ?? 0) / 1000
    agg.set(name, (agg.get(name) ?? 0) + ms)
    total += ms
  }
  return [...agg.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms, pct: (ms / total) * 100 }))
}
