// The town's default limit on agents alive at once, from the machine. An agent is mostly waiting on its
// model, so two per core keep the cores busy when they build and test; each agent CLI with what it runs
// (node, a build, a test runner) is budgeted 1 GiB, and 2 GiB stay for the system and the control room.
import { availableParallelism, totalmem } from 'node:os'

export const MACHINE_FORMULA = 'min(2 × cores, floor((memory GiB − 2) / 1 GiB)), at least 1'

export function machineTownLimit(cores: number, memoryBytes: number): number {
  const gib = memoryBytes / 2 ** 30
  return Math.max(1, Math.min(2 * Math.max(1, cores), Math.floor(gib - 2)))
}

export function thisMachine(): { cores: number; memoryGiB: number; townDefault: number; formula: string } {
  const cores = availableParallelism()
  const mem = totalmem()
  return { cores, memoryGiB: Math.round((mem / 2 ** 30) * 10) / 10, townDefault: machineTownLimit(cores, mem), formula: MACHINE_FORMULA }
}
