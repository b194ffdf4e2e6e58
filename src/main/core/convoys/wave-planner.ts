// The wave planner (pure): from a convoy's beads and what each needs, the dependency levels (waves) and the
// beads ready now. A bead is ready when it is not closed and every bead it needs (its `blocks` dependencies,
// in the convoy or not) is closed; wave 1 needs nothing in the convoy, wave k+1 needs something of wave k.
// A cycle among the convoy's beads is refused with its beads named: none of them would ever be ready.

export interface PlannedBead {
  id: string
  closed: boolean
  /** Ids of the beads it needs, in the convoy or not. */
  needs: string[]
}

export interface WavePlan {
  /** Bead ids by level; each wave in the order the beads were given. */
  waves: string[][]
  /** Each bead's wave, from 1. */
  waveOf: Map<string, number>
  /** Not closed, and everything it needs is closed: in the order the beads were given. */
  ready: string[]
  /** For each bead not closed: the beads it needs that are not closed yet. */
  waitsFor: Map<string, string[]>
}

export class DependencyCycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`the beads ${cycle.join(' → ')} wait on each other in a cycle, so none of them would ever be ready: remove one of those dependencies (gt bead update ID --remove-dep blocks:ID)`)
    this.name = 'DependencyCycleError'
  }
}

/**
 * Plans the waves. `closedOutside` says whether a needed bead that is not in the convoy is closed (a bead
 * nobody knows counts as not closed: the convoy waits for it rather than running ahead of it).
 */
export function planWaves(beads: PlannedBead[], closedOutside: (id: string) => boolean = () => false): WavePlan {
  const byId = new Map(beads.map((b) => [b.id, b]))
  const isClosed = (id: string): boolean => {
    const b = byId.get(id)
    return b ? b.closed : closedOutside(id)
  }
  const inside = (b: PlannedBead): string[] => [...new Set(b.needs.filter((n) => byId.has(n) && n !== b.id))]

  // Kahn's algorithm by levels: a bead's wave is one more than the latest wave it needs.
  const waveOf = new Map<string, number>()
  const pending = new Map(beads.map((b) => [b.id, inside(b)]))
  const waves: string[][] = []
  while (pending.size) {
    const level = [...pending.entries()].filter(([, needs]) => needs.every((n) => waveOf.has(n))).map(([id]) => id)
    if (level.length === 0) throw new DependencyCycleError(findCycle([...pending.keys()], (id) => pending.get(id)!))
    for (const id of level) {
      waveOf.set(id, waves.length + 1)
      pending.delete(id)
    }
    waves.push(level)
  }

  const waitsFor = new Map<string, string[]>()
  const ready: string[] = []
  for (const b of beads) {
    if (b.closed) continue
    const open = [...new Set(b.needs)].filter((n) => n !== b.id && !isClosed(n))
    waitsFor.set(b.id, open)
    if (open.length === 0) ready.push(b.id)
  }
  return { waves, waveOf, ready, waitsFor }
}

/** A cycle among `ids` (every one of them has a need among them): [a, b, …, a], found by walking needs. */
function findCycle(ids: string[], needsOf: (id: string) => string[]): string[] {
  const left = new Set(ids)
  const start = [...ids].sort()[0]
  const path: string[] = []
  const seenAt = new Map<string, number>()
  let at = start
  // Every bead left has a need that is left too (else Kahn would have taken it), so the walk must repeat.
  while (!seenAt.has(at)) {
    seenAt.set(at, path.length)
    path.push(at)
    at = needsOf(at).filter((n) => left.has(n)).sort()[0]
  }
  return [...path.slice(seenAt.get(at)!), at]
}
