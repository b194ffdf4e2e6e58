// The probe planner against simulated queues: every queue of up to 10 requests with every culprit set, and
// random ones up to 16, for several bundle sizes and parallelisms. A request is bad iff it is in the set; a
// prefix is red iff it holds a bad one. The planner must end, land exactly the good requests in order, name
// every culprit, never probe past a known red, and bisect in few runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { afterProbes, dropConflict, nextProbes, rebase, simulateDrain, type ProbeState, type ProbeVerdict } from '../../src/main/core/refinery/probe-planner'

const ids = (n: number) => Array.from({ length: n }, (_, i) => `mr-${i + 1}`)
const state = (pending: string[], over: Partial<ProbeState> = {}): ProbeState => ({ pending, greenPrefix: 0, redPrefix: null, bundleSize: 4, parallel: 1, ...over })

/** A small seeded generator: the random cases are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Drives the planner like the refinery does, checking every step's invariants; returns runs and rounds. */
function drain(pending: string[], bad: Set<string>, bundleSize: number, parallel: number) {
  let s = state(pending, { bundleSize, parallel })
  const landed: string[] = []
  const culprits: string[] = []
  let runs = 0
  let rounds = 0
  for (let step = 0; s.pending.length > 0; step++) {
    assert.ok(step < 400, `no end: ${JSON.stringify(s)}`)
    const probes = nextProbes(s)
    const limit = s.redPrefix ?? s.pending.length
    assert.deepEqual(probes, [...new Set(probes)].sort((a, b) => a - b), `probes ascending and distinct: ${probes}`)
    assert.ok(probes.length <= parallel, `at most ${parallel} probes at once: ${probes}`)
    for (const k of probes) assert.ok(k > s.greenPrefix && k <= limit, `probe ${k} outside (${s.greenPrefix}, ${limit}] — never past a known red`)
    const results = new Map<number, ProbeVerdict>(probes.map((k) => [k, s.pending.slice(0, k).some((id) => bad.has(id)) ? 'red' : 'green']))
    if (probes.length) {
      runs += probes.length
      rounds++
    }
    const out = afterProbes({ state: s, results })
    assert.ok(out.land > 0 || out.culprit !== null || probes.length > 0, 'every step makes progress')
    for (const id of s.pending.slice(0, out.land)) assert.ok(!bad.has(id), `landed ${id}, a bad request`)
    if (out.culprit !== null) assert.ok(bad.has(out.culprit), `accused ${out.culprit}, a good request`)
    landed.push(...s.pending.slice(0, out.land))
    if (out.culprit !== null) culprits.push(out.culprit)
    assert.equal(out.next.greenPrefix, 0, 'the state is re-based after landing')
    assert.ok(!out.next.pending.includes(out.culprit as string), 'the culprit left the queue')
    s = out.next
  }
  assert.deepEqual(landed, pending.filter((id) => !bad.has(id)), 'exactly the good requests land, in order')
  assert.deepEqual([...culprits].sort(), [...bad].sort(), 'every culprit is found')
  return { runs, rounds }
}

test('nothing known: one bundle, then speculative cumulative bundles up to `parallel`', () => {
  assert.deepEqual(nextProbes(state(ids(10), { bundleSize: 4, parallel: 1 })), [4], 'parallel 1 is Bors: one batch of bundle_size')
  assert.deepEqual(nextProbes(state(ids(3), { bundleSize: 4, parallel: 1 })), [3], 'a batch is capped at the queue')
  assert.deepEqual(nextProbes(state(ids(10), { bundleSize: 4, parallel: 3 })), [4, 8, 10])
  assert.deepEqual(nextProbes(state(ids(10), { bundleSize: 4, parallel: 5 })), [2, 4, 6, 8, 10], 'probes the queue leaves spare split it finer')
  assert.deepEqual(nextProbes(state(ids(16), { bundleSize: 4, parallel: 16 })), Array.from({ length: 16 }, (_, k) => k + 1), 'every prefix, when there are probes for all')
  assert.deepEqual(nextProbes(state(ids(3), { bundleSize: 4, parallel: 5 })), [1, 2, 3], 'never more probes than requests')
  assert.deepEqual(nextProbes(state(ids(10), { bundleSize: 2, parallel: 2, greenPrefix: 3 })), [5, 7], 'boundaries start past the known green')
  assert.deepEqual(nextProbes(state([])), [])
})

test('a red known: bisection with one probe, parallel+1 near-equal parts with more; the culprit at red = green+1', () => {
  assert.deepEqual(nextProbes(state(ids(8), { redPrefix: 8 })), [4])
  assert.deepEqual(nextProbes(state(ids(8), { redPrefix: 8, greenPrefix: 4 })), [6])
  assert.deepEqual(nextProbes(state(ids(9), { redPrefix: 9, parallel: 2 })), [3, 6])
  assert.deepEqual(nextProbes(state(ids(8), { redPrefix: 8, parallel: 3 })), [2, 4, 6])
  assert.deepEqual(nextProbes(state(ids(8), { redPrefix: 3, parallel: 4 })), [1, 2], 'no more probes than cut points')
  assert.deepEqual(nextProbes(state(ids(8), { greenPrefix: 2, redPrefix: 3 })), [], 'nothing to test: the culprit is known')
  const out = afterProbes({ state: state(ids(8), { greenPrefix: 2, redPrefix: 3 }), results: new Map() })
  assert.equal(out.land, 2)
  assert.equal(out.culprit, 'mr-3')
  assert.deepEqual(out.next, state(ids(8).slice(3)), 'after the culprit nothing is known about the rest')
})

test('afterProbes lands the longest green, shifts the red, and can land and name a culprit in one step', () => {
  const s = state(ids(8), { redPrefix: 8, parallel: 3 })
  const a = afterProbes({ state: s, results: new Map([[2, 'green'], [4, 'green'], [6, 'red']]) })
  assert.equal(a.land, 4)
  assert.equal(a.culprit, null)
  assert.deepEqual(a.next, { ...s, pending: ids(8).slice(4), greenPrefix: 0, redPrefix: 2 })

  const b = afterProbes({ state: state(ids(8), { redPrefix: 4 }), results: new Map([[3, 'green']]) })
  assert.equal(b.land, 3)
  assert.equal(b.culprit, 'mr-4')
  assert.deepEqual(b.next.pending, ids(8).slice(4))
  assert.equal(b.next.redPrefix, null)

  const c = afterProbes({ state: state(ids(5), { bundleSize: 8 }), results: new Map([[5, 'green']]) })
  assert.deepEqual([c.land, c.culprit, c.next.pending], [5, null, []])
})

test('inconsistent (flaky) results: the first red is authoritative, greens past it are ignored', () => {
  const s = state(ids(12), { bundleSize: 4, parallel: 3 })
  const out = afterProbes({ state: s, results: new Map([[4, 'red'], [8, 'green'], [12, 'green']]) })
  assert.equal(out.land, 0, 'a green beyond a red never lands')
  assert.equal(out.next.redPrefix, 4)
  const order = afterProbes({ state: s, results: new Map([[12, 'green'], [8, 'red'], [4, 'green']]) })
  assert.equal(order.land, 4, 'the Map order does not matter')
  assert.equal(order.next.redPrefix, 4)
})

test('results outside the probed range and malformed states are refused, naming the value', () => {
  assert.throws(() => afterProbes({ state: state(ids(8), { redPrefix: 4 }), results: new Map([[6, 'green']]) }), /prefix 6 was not a probe/)
  assert.throws(() => afterProbes({ state: state(ids(8), { greenPrefix: 3 }), results: new Map([[2, 'red']]) }), /prefix 2 was not a probe/)
  assert.throws(() => afterProbes({ state: state(ids(8)), results: new Map([[2, 'amber' as ProbeVerdict]]) }), /verdict amber/)
  assert.throws(() => nextProbes(state(ids(4), { greenPrefix: 2, redPrefix: 2 })), /redPrefix/)
  assert.throws(() => nextProbes(state(ids(4), { greenPrefix: 5 })), /greenPrefix/)
  assert.throws(() => nextProbes(state(ids(4), { bundleSize: 0 })), /bundleSize/)
  assert.throws(() => nextProbes(state(ids(4), { parallel: 1.5 })), /parallel/)
  assert.throws(() => nextProbes(state(['a', 'a'])), /request a is pending twice/)
})

test('dropConflict removes a skipped request; prefixes before it keep what is known; rebase forgets everything', () => {
  const s = state(ids(8), { greenPrefix: 2, redPrefix: 6 })
  assert.deepEqual(dropConflict(s, 'mr-7'), { ...s, pending: ids(8).filter((id) => id !== 'mr-7') }, 'past the red: the red still holds')
  assert.deepEqual(dropConflict(s, 'mr-4'), { ...s, pending: ids(8).filter((id) => id !== 'mr-4'), redPrefix: null }, 'inside the red: it may have been the cause')
  assert.deepEqual(dropConflict(s, 'mr-1'), { ...s, pending: ids(8).slice(1), greenPrefix: 0, redPrefix: null }, 'inside the green: only what is before it stays green')
  assert.throws(() => dropConflict(s, 'mr-9'), /request mr-9 is not pending/)
  assert.deepEqual(rebase(s), { ...s, greenPrefix: 0, redPrefix: null })
  // A conflict found while building the first batch: the queue goes on without it.
  let q = dropConflict(state(ids(4)), 'mr-2')
  assert.deepEqual(nextProbes(q), [3])
  q = afterProbes({ state: q, results: new Map([[3, 'green']]) }).next
  assert.deepEqual(q.pending, [])
})

test('every culprit set of every queue up to 10 requests, for bundle sizes 1–5 and parallelism 1–4', () => {
  let cases = 0
  for (let n = 1; n <= 10; n++) {
    const pending = ids(n)
    for (let mask = 0; mask < 1 << n; mask++) {
      const bad = new Set(pending.filter((_, i) => mask & (1 << i)))
      for (const bundleSize of [1, 2, 3, 4, 5]) for (const parallel of [1, 2, 3, 4]) (drain(pending, bad, bundleSize, parallel), cases++)
    }
  }
  assert.equal(cases, 20 * (2 ** 11 - 2))
})

test('random culprit sets in queues of 11–16 requests, bundle sizes up to 16 and parallelism up to 6', () => {
  const rand = prng(10)
  for (let n = 11; n <= 16; n++) {
    const pending = ids(n)
    for (let i = 0; i < 400; i++) {
      const density = rand() * 0.5
      const bad = new Set(pending.filter(() => rand() < density))
      drain(pending, bad, 1 + Math.floor(rand() * 16), 1 + Math.floor(rand() * 6))
    }
  }
})

test('parallel 1 on a batch of 8 with one culprit: at most 1 + ⌈log2 8⌉ + 1 runs; in general 2 + ⌈log2 n⌉', () => {
  for (let c = 0; c < 8; c++) {
    const { runs, rounds } = drain(ids(8), new Set([`mr-${c + 1}`]), 8, 1)
    assert.ok(runs <= 1 + Math.ceil(Math.log2(8)) + 1, `culprit at ${c + 1}: ${runs} runs`)
    assert.equal(rounds, runs, 'one probe per round')
  }
  for (let n = 2; n <= 16; n++)
    for (let c = 1; c <= n; c++) {
      const { runs } = drain(ids(n), new Set([`mr-${c}`]), n, 1)
      assert.ok(runs <= 2 + Math.ceil(Math.log2(n)), `n=${n}, culprit ${c}: ${runs} runs`)
    }
  // A clean batch is one run, whatever its size.
  assert.equal(drain(ids(8), new Set(), 8, 1).runs, 1)
})

test('simulateDrain: runs, rounds and time of a whole drain, against one check per request', () => {
  const pending = ids(16)
  const bad = new Set(['mr-4', 'mr-12'])
  const serial = simulateDrain({ pending, isBad: (id) => bad.has(id), bundleSize: 1, parallel: 1, checkMs: 2000 })
  assert.equal(serial.runs, 16, 'bundle 1, parallel 1: one run per request')
  assert.equal(serial.durationMs, serial.serialDurationMs)

  const bors = simulateDrain({ pending, isBad: (id) => bad.has(id), bundleSize: 4, parallel: 1, checkMs: 2000 })
  assert.deepEqual(bors.landed, pending.filter((id) => !bad.has(id)))
  assert.deepEqual(bors.culprits, ['mr-4', 'mr-12'])
  assert.equal(bors.runs, bors.rounds)
  assert.equal(bors.durationMs, bors.rounds * 2000)
  assert.deepEqual(bors.probes[0], [4])
  const mine = drain(pending, bad, 4, 1)
  assert.deepEqual([bors.runs, bors.rounds], [mine.runs, mine.rounds], 'the same planner, the same counts')

  const wide = simulateDrain({ pending, isBad: (id) => bad.has(id), bundleSize: 4, parallel: 2, checkMs: 2000 })
  assert.ok(wide.rounds < bors.rounds, `two probes at once take fewer rounds (${wide.rounds} vs ${bors.rounds})`)
  assert.ok(wide.durationMs <= 0.4 * wide.serialDurationMs, `16 requests with 2 culprits, parallel 2: ${wide.durationMs} ms vs ${wide.serialDurationMs} ms one at a time`)
  assert.throws(() => simulateDrain({ pending, isBad: (id) => bad.has(id), bundleSize: 4, parallel: 1, checkMs: -1 }), /checkMs/)
})
