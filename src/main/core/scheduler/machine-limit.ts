// The town's default limit on agents alive at once, from the machine. An agent CLI is a Node process of a few
// hundred MB that mostly waits on its model, and uses the cores when it builds or tests: four per core, each
// budgeted 512 MiB, with 2 GiB kept for the system and the control room; whichever is fewer.
import { availableParallelism, totalmem } from 'node:os'

export const MACHINE_FORMULA = 'min(4 × cores, floor((memory GiB − 2) / 0.5 GiB)), at least 1'

export function machineTownLimit(cores: number, memoryBytes: number): number {
  const gib = memoryBytes / 2 ** 30
  return Math.max(1, Math.min(4 * Math.max(1, cores), Math.floor((gib - 2) / 0.5)))
}

export function thisMachine(): { cores: number; memoryGiB: number; townDefault: number; formula: string } {
  const cores = availableParallelism()
  const mem = totalmem()
  return { cores, memoryGiB: Math.round((mem / 2 ** 30) * 10) / 10, townDefault: machineTownLimit(cores, mem), formula: MACHINE_FORMULA }
}
