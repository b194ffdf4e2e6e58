// Diagnostics for the benchmark: wraps the core's terminal pipeline at runtime (nothing in src/ changes) to
// count where the core's main thread spends its time per terminal, and how often its PTY is paused.
//   onRead   each node-pty read (batching; older cores: the 'data' handler onData), without the flushes it triggers
//   flush    one batch: concatenating the reads, replay buffer + session log + frame encoding + ws.send
//            to each viewer
//   log      SessionLog.output (base64 of the chunk into the line; its writes every 50 ms, and its periodic
//            fsync, which runs off the main thread in libuv's pool, are not in it)
// The wrappers cost two performance.now() calls per call, negligible next to what they measure. They are
// defensive: the core changes under the benchmark, and a method that is gone is simply not measured.
import fs from 'node:fs'
import { TerminalStream } from '../../src/main/core/terminals/terminal-stream'
import { SessionLog } from '../../src/main/core/sessions/session-log'
import { Polecats } from '../../src/main/core/polecats/polecats'

export interface StreamStats {
  dataEvents: number
  dataBytes: number
  dataMs: number
  flushes: number
  flushBytes: number
  flushMs: number
  logMs: number
  /** PTY pauses because a viewer was too far behind (flow control) */
  pauses: number
  pausedMs: number
  /** PTY pauses because unwatched terminals were over their shared budget */
  throttles: number
  throttledMs: number
  acks: number
}

const zero = (): StreamStats => ({
  dataEvents: 0,
  dataBytes: 0,
  dataMs: 0,
  flushes: 0,
  flushBytes: 0,
  flushMs: 0,
  logMs: 0,
  pauses: 0,
  pausedMs: 0,
  throttles: 0,
  throttledMs: 0,
  acks: 0
})

const stats = new Map<string, StreamStats>()
/** when the current pause of a terminal began, and why */
const pausedSince = new Map<string, { at: number; why: 'flow' | 'budget' }>()
let inLogOf: string | null = null
let flushClock = 0 // total flush ms, to take flushes nested in onData out of onData's own time
const wall = (): number => performance.timeOrigin + performance.now()
const missing: string[] = []

/** Timestamps (wall clock, ms) of one terminal's keystroke path through the core, for the latency breakdown. */
export interface KeyTrace {
  /** Polecats.input (terminal.input after validation): start and end; the end includes the input's fsync. */
  inputs: { start: number; end: number }[]
  /** node-pty reads of this terminal. */
  reads: number[]
  /** batches sent to the viewers. */
  flushes: number[]
}
let traced: string | null = null
let trace: KeyTrace = { inputs: [], reads: [], flushes: [] }

/** Start recording the keystroke path of one terminal (replaces any earlier trace). */
export function traceKeys(polecatId: string): KeyTrace {
  traced = polecatId
  trace = { inputs: [], reads: [], flushes: [] }
  return trace
}

function of(id: string): StreamStats {
  let s = stats.get(id)
  if (!s) stats.set(id, (s = zero()))
  return s
}

type Fn = (...args: unknown[]) => unknown
type Proto = Record<string, Fn | undefined>

/** Replaces proto[name] by wrap(original), if the core still has that method. */
function wrap(proto: Proto, name: string, where: string, make: (orig: Fn) => Fn): void {
  const orig = proto[name]
  if (typeof orig !== 'function') {
    missing.push(`${where}.${name}`)
    return
  }
  proto[name] = make(orig)
}

/** The TerminalStream fields the pause accounting reads; absent ones read as undefined. */
interface StreamFields {
  polecatId: string
  /** bytes waiting to be sent (older cores: `pendingBytes`, or `pending`, a string) */
  batch?: { bytes: number }
  pendingBytes?: number
  pending?: unknown
  isPaused?: boolean
  flowPaused?: boolean
  throttled?: boolean
  paused?: boolean
}

let installed = false

export interface Experiments {
  /** SessionLog.output does nothing: what the session log costs. */
  noLog?: boolean
}

/** Installs the wrappers; returns the names of core methods it could not find (not measured). */
export function installInstrumentation(exp: Experiments = {}): string[] {
  if (installed) return missing
  installed = true
  const tp = TerminalStream.prototype as unknown as Proto

  wrap(tp, typeof tp.onRead === 'function' ? 'onRead' : 'onData', 'TerminalStream', (orig) =>
    function (this: StreamFields, ...args: unknown[]) {
      if (this.polecatId === traced) trace.reads.push(wall())
      const t = performance.now()
      const f = flushClock
      try {
        return orig.apply(this, args)
      } finally {
        const s = of(this.polecatId)
        s.dataEvents++
        s.dataBytes += typeof args[0] === 'number' ? args[0] : (args[0] as { length: number }).length
        s.dataMs += performance.now() - t - (flushClock - f)
      }
    }
  )

  wrap(tp, 'flush', 'TerminalStream', (orig) =>
    function (this: StreamFields, ...args: unknown[]) {
      const pending = this.batch?.bytes ?? this.pendingBytes ?? (typeof this.pending === 'string' ? this.pending.length : 0)
      if (!pending) return orig.apply(this, args)
      const t = performance.now()
      const prev = inLogOf
      inLogOf = this.polecatId
      try {
        return orig.apply(this, args)
      } finally {
        inLogOf = prev
        const s = of(this.polecatId)
        s.flushes++
        s.flushBytes += pending
        const dt = performance.now() - t
        s.flushMs += dt
        flushClock += dt
        if (this.polecatId === traced) trace.flushes.push(wall())
      }
    }
  )

  // Pause accounting: the PTY's paused state is `isPaused` (older cores: `paused`); why it paused is
  // `flowPaused` (a viewer behind) or `throttled` (the background budget).
  const ptyPaused = (st: StreamFields) => Boolean(st.isPaused ?? st.paused)
  const account = (st: StreamFields, was: boolean) => {
    const now = ptyPaused(st)
    if (was === now) return
    const s = of(st.polecatId)
    if (now) {
      const why = st.flowPaused || (st.throttled === undefined && st.paused) ? 'flow' : 'budget'
      if (why === 'flow') s.pauses++
      else s.throttles++
      pausedSince.set(st.polecatId, { at: performance.now(), why })
    } else {
      const p = pausedSince.get(st.polecatId)
      pausedSince.delete(st.polecatId)
      if (p?.why === 'flow') s.pausedMs += performance.now() - p.at
      else if (p) s.throttledMs += performance.now() - p.at
    }
  }
  const pauseHook = typeof tp.updatePty === 'function' ? 'updatePty' : 'applyFlowControl'
  wrap(tp, pauseHook, 'TerminalStream', (orig) =>
    function (this: StreamFields, ...args: unknown[]) {
      const was = ptyPaused(this)
      try {
        return orig.apply(this, args)
      } finally {
        account(this, was)
      }
    }
  )

  wrap(tp, 'ack', 'TerminalStream', (orig) =>
    function (this: StreamFields, ...args: unknown[]) {
      of(this.polecatId).acks++
      return orig.apply(this, args)
    }
  )

  wrap(Polecats.prototype as unknown as Proto, 'input', 'Polecats', (orig) =>
    function (this: unknown, ...args: unknown[]) {
      if (args[0] !== traced) return orig.apply(this, args)
      const start = wall()
      try {
        return orig.apply(this, args)
      } finally {
        trace.inputs.push({ start, end: wall() })
      }
    }
  )

  wrap(SessionLog.prototype as unknown as Proto, 'output', 'SessionLog', (orig) =>
    function (this: unknown, ...args: unknown[]) {
      if (exp.noLog) return
      const t = performance.now()
      try {
        return orig.apply(this, args)
      } finally {
        if (inLogOf) of(inLogOf).logMs += performance.now() - t
      }
    }
  )

  return missing
}

/** A copy of the counters now, with a pause still running counted up to this moment. */
export function snapshotStats(): Map<string, StreamStats> {
  const out = new Map<string, StreamStats>()
  const now = performance.now()
  for (const [id, s] of stats) {
    const c = { ...s }
    const p = pausedSince.get(id)
    if (p?.why === 'flow') c.pausedMs += now - p.at
    else if (p) c.throttledMs += now - p.at
    out.set(id, c)
  }
  return out
}

/** after − before for each terminal, and the sum over a set of terminals. */
export function diffStats(before: Map<string, StreamStats>, after: Map<string, StreamStats>, ids: string[]): StreamStats {
  const total = zero()
  for (const id of ids) {
    const a = after.get(id) ?? zero()
    const b = before.get(id) ?? zero()
    for (const k of Object.keys(total) as (keyof StreamStats)[]) total[k] += a[k] - b[k]
  }
  return total
}
