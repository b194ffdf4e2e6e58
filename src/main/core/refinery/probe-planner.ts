// Which candidates the refinery tests next. A probe is a prefix length k: "the first k pending requests
// applied on the current target". Knowledge is two numbers — the longest prefix known green and the shortest
// known red — and every rule below keeps it consistent: probes stay strictly between them, a red beside a
// green names the culprit, and what is green lands at once so the queue never waits on a finished batch.
// Pure: no I/O, no clock. The caller builds and checks the candidates; the planner only decides.

export interface ProbeState {
  /** Ordered ids still to land (culprits already removed). */
  pending: string[]
  /** Longest prefix known green on the current target (0 = nothing known; the target itself is green). */
  greenPrefix: number
  /** Shortest prefix known red on the current target, or null. */
  redPrefix: number | null
  /** The rig's bundle_size (≥1): how many requests one batch takes. */
  bundleSize: number
  /** How many probes may run at once (≥1). */
  parallel: number
}

export type ProbeVerdict = 'green' | 'red'

export interface ProbeResults {
  state: ProbeState
  results: Map<number, ProbeVerdict>
}

export interface ProbeOutcome {
  /** Prefix to land now (0: nothing): the caller moves the target to that tested candidate. */
  land: number
  /** A request that fails on a green base, removed from `next.pending`. */
  culprit: string | null
  /** The state after landing `land` and removing `culprit`, re-based on the moved target. */
  next: ProbeState
}

function assertState(s: ProbeState): void {
  if (!s || !Array.isArray(s.pending)) throw new TypeError('probe state: pending must be an array of request ids')
  const seen = new Set<string>()
  for (const id of s.pending) {
    if (typeof id !== 'string' || id === '') throw new TypeError('probe state: every pending id must be a non-empty string')
    if (seen.has(id)) throw new RangeError(`probe state: request ${id} is pending twice`)
    seen.add(id)
  }
  const n = s.pending.length
  if (!Number.isInteger(s.bundleSize) || s.bundleSize < 1) throw new RangeError(`probe state: bundleSize must be an integer ≥ 1, got ${s.bundleSize}`)
  if (!Number.isInteger(s.parallel) || s.parallel < 1) throw new RangeError(`probe state: parallel must be an integer ≥ 1, got ${s.parallel}`)
  if (!Number.isInteger(s.greenPrefix) || s.greenPrefix < 0 || s.greenPrefix > n)
    throw new RangeError(`probe state: greenPrefix must be an integer in [0, ${n}], got ${s.greenPrefix}`)
  if (s.redPrefix !== null && (!Number.isInteger(s.redPrefix) || s.redPrefix <= s.greenPrefix || s.redPrefix > n))
    throw new RangeError(`probe state: redPrefix must be null or an integer in (${s.greenPrefix}, ${n}], got ${s.redPrefix}`)
}

/**
 * Prefix lengths to test now, ascending and distinct, each in (greenPrefix, redPrefix ?? n].
 * Nothing known: batch boundaries from the green prefix — one bundle, then (parallel > 1) speculative
 * cumulative bundles, `parallel` probes at most; when the queue ends before the probes are used up, they split
 * what is there evenly instead. A red known: the cut points splitting (green, red) into
 * `parallel`+1 near-equal parts (parallel 1 = bisection). Empty when there is nothing to test: the queue is
 * empty, everything pending is known green (land it), or red = green+1 (the culprit is known): in the last
 * two cases `afterProbes` with no results says what to do.
 */
export function nextProbes(s: ProbeState): number[] {
  assertState(s)
  const n = s.pending.length
  const g = s.greenPrefix
  const probes: number[] = []
  if (s.redPrefix === null) {
    const window = Math.min(n, g + s.parallel * s.bundleSize) - g
    if (Math.ceil(window / s.bundleSize) < s.parallel && window > 0) {
      // The queue is shorter than the probes could cover: the spare probes split it finer, so a culprit is
      // more often named by the first round (a red right after a green) instead of by a bisection after it.
      const m = Math.min(s.parallel, window)
      for (let i = 1; i <= m; i++) probes.push(g + Math.round((i * window) / m))
      return probes
    }
    for (let k = 1; k <= s.parallel; k++) {
      const p = Math.min(n, g + k * s.bundleSize)
      if (p > g) probes.push(p)
      if (p >= n) break
    }
    return probes
  }
  const span = s.redPrefix - g
  const parts = Math.min(s.parallel + 1, span)
  // With parts ≤ span every cut is a distinct integer strictly between green and red.
  for (let i = 1; i < parts; i++) probes.push(g + Math.round((i * span) / parts))
  return probes
}

/**
 * Folds probe results into the state. A flaky check can give a green beyond a red: the first red is
 * authoritative and greens past it are ignored (landing them would trust the run that disagrees with a
 * shorter red). The longest green below it lands; a red right after a green is the culprit.
 */
export function afterProbes(r: ProbeResults): ProbeOutcome {
  const s = r?.state
  assertState(s)
  if (!(r.results instanceof Map)) throw new TypeError('probe results: results must be a Map of prefix length to green/red')
  const n = s.pending.length
  const limit = s.redPrefix ?? n
  let firstRed = s.redPrefix
  for (const [k, v] of r.results) {
    if (!Number.isInteger(k) || k <= s.greenPrefix || k > limit)
      throw new RangeError(`probe results: prefix ${k} was not a probe of this state (probes lie in (${s.greenPrefix}, ${limit}])`)
    if (v !== 'green' && v !== 'red') throw new TypeError(`probe results: prefix ${k} has verdict ${String(v)}, expected green or red`)
    if (v === 'red' && (firstRed === null || k < firstRed)) firstRed = k
  }
  let green = s.greenPrefix
  for (const [k, v] of r.results) if (v === 'green' && (firstRed === null || k < firstRed) && k > green) green = k

  const land = green
  let pending = s.pending.slice(land)
  let red = firstRed === null ? null : firstRed - land
  let culprit: string | null = null
  if (red === 1) {
    // The request right after a green prefix turns it red: it fails on a green base. What follows it was
    // never tested without it, so nothing is known about the rest.
    culprit = pending[0]
    pending = pending.slice(1)
    red = null
  }
  return { land, culprit, next: { ...s, pending, greenPrefix: 0, redPrefix: red } }
}

/**
 * The candidate builder skipped `id` (it conflicts): take it out. Prefixes before it keep what is known;
 * a red that included it may have been its doing, so that knowledge goes.
 */
export function dropConflict(s: ProbeState, id: string): ProbeState {
  assertState(s)
  const idx = s.pending.indexOf(id)
  if (idx < 0) throw new RangeError(`dropConflict: request ${id} is not pending (pending: ${s.pending.join(', ') || 'none'})`)
  const pending = [...s.pending.slice(0, idx), ...s.pending.slice(idx + 1)]
  const greenPrefix = Math.min(s.greenPrefix, idx)
  const redPrefix = s.redPrefix !== null && idx >= s.redPrefix ? s.redPrefix : null
  return { ...s, pending, greenPrefix, redPrefix }
}

/** The target moved under us, or a branch moved since it was tested: everything known is void. */
export function rebase(s: ProbeState): ProbeState {
  assertState(s)
  return { ...s, greenPrefix: 0, redPrefix: null }
}

export interface DrainSimulation {
  pending: string[]
  /** A request is bad iff this says so; a prefix is red iff it holds a bad request. */
  isBad: (id: string) => boolean
  bundleSize: number
  parallel: number
  /** How long one check run takes; probes of one round run side by side. */
  checkMs: number
}

export interface DrainFigures {
  /** Check runs made. */
  runs: number
  /** Rounds of probes (each as long as one check when the probes run side by side). */
  rounds: number
  durationMs: number
  /** Merging one request at a time with a check each (the Gas Town way): one run per request. */
  serialRuns: number
  serialDurationMs: number
  landed: string[]
  culprits: string[]
  /** The probes of each round, in the indices of that round's state. */
  probes: number[][]
}

/** Drains a simulated queue with the planner: what the bench and the tests measure. */
export function simulateDrain(sim: DrainSimulation): DrainFigures {
  if (typeof sim?.isBad !== 'function') throw new TypeError('simulateDrain: isBad must be a function of the request id')
  if (!Number.isFinite(sim.checkMs) || sim.checkMs < 0) throw new RangeError(`simulateDrain: checkMs must be ≥ 0, got ${sim.checkMs}`)
  let state: ProbeState = { pending: [...sim.pending], greenPrefix: 0, redPrefix: null, bundleSize: sim.bundleSize, parallel: sim.parallel }
  assertState(state)
  const n = state.pending.length
  const figures: DrainFigures = { runs: 0, rounds: 0, durationMs: 0, serialRuns: n, serialDurationMs: n * sim.checkMs, landed: [], culprits: [], probes: [] }
  // Each step lands, names a culprit or narrows a red range at least by one: n·(n+1) steps bound any run.
  const maxSteps = (n + 1) * (n + 1) + 1
  for (let step = 0; state.pending.length > 0; step++) {
    if (step > maxSteps) throw new Error(`simulateDrain: no end after ${maxSteps} steps (state ${JSON.stringify(state)})`)
    const probes = nextProbes(state)
    const results = new Map<number, ProbeVerdict>()
    for (const k of probes) results.set(k, state.pending.slice(0, k).some(sim.isBad) ? 'red' : 'green')
    if (probes.length > 0) {
      figures.rounds++
      figures.runs += probes.length
      figures.probes.push(probes)
    }
    const out = afterProbes({ state, results })
    if (out.land === 0 && out.culprit === null && probes.length === 0) throw new Error(`simulateDrain: the planner made no progress on ${JSON.stringify(state)}`)
    figures.landed.push(...state.pending.slice(0, out.land))
    if (out.culprit !== null) figures.culprits.push(out.culprit)
    state = out.next
  }
  figures.durationMs = figures.rounds * sim.checkMs
  return figures
}
