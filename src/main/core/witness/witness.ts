// The witness: it follows each polecat's signals — its runtime's hooks, its gt calls, its terminal output,
// its process, its commits — and reports what goes wrong as incidents. Event-driven: a signal only stamps a
// time; each watched polecat has one timer, set for its earliest deadline (start-up window, stuck, no
// progress) and, when it fires early because a signal moved the deadline, set again. No screen is polled.
// While a human has the polecat's terminal taken over, its timers are off.
import type { Severity } from '../../../shared/domain'
import type { RigSettings } from '../rigs/rig-settings'
import { DEFAULT_SEVERITY, type Incident, type IncidentKind } from './incidents'

interface Watch {
  polecatId: string
  rig: string
  beadId: string | null
  sessionId: string
  /** The runtime reports through hooks; without, stuck is judged from output alone (a labelled heuristic). */
  hooks: boolean
  startedAt: number
  /** Some sign of life after the spawn: output for a plain program, a hook for a runtime that has them. */
  started: boolean
  lastActivity: number
  lastProgress: number
  /** At its prompt or waiting for a human: quiet is expected, not "stuck". */
  idle: boolean
  paused: boolean
  /** Incidents reported and not yet cleared by a sign of life or progress, so each is reported once. */
  raised: Set<IncidentKind>
  timer: NodeJS.Timeout | null
  persistedAt: number
}

export interface WitnessDeps {
  settings: (rig: string) => RigSettings
  report: (incident: Incident) => void
  /** The polecat's last activity and progress, written now and then (the views show them). */
  persist: (polecatId: string, lastActivityAt: string, lastProgressAt: string) => void
  /** The last lines of the agent's screen, for an incident about it. */
  screenTail: (polecatId: string) => Promise<string | null>
  now?: () => number
}

/** Abnormal ends this close together are a mass death: dispatch pauses town-wide. */
export const MASS_DEATH = { count: 3, withinMs: 30_000 }
const PERSIST_EVERY_MS = 5_000

export class Witness {
  private watches = new Map<string, Watch>()
  private abnormalEnds: { at: number; polecatId: string; sessionId: string }[] = []
  private now: () => number

  constructor(private d: WitnessDeps) {
    this.now = d.now ?? Date.now
  }

  /** A session started. Replaces whatever was watched for the polecat. */
  started(p: { polecatId: string; rig: string; beadId: string | null; sessionId: string; hooks: boolean }): void {
    this.stop(p.polecatId)
    const t = this.now()
    const w: Watch = { ...p, startedAt: t, started: false, lastActivity: t, lastProgress: t, idle: false, paused: false, raised: new Set(), timer: null, persistedAt: 0 }
    this.watches.set(p.polecatId, w)
    this.arm(w)
  }

  /**
   * Any sign of life: output, a hook, a gt call. Cheap: called for every batch of terminal output, it only
   * stamps the time — the armed timer finds the deadline moved. Only a change that brings a deadline
   * *nearer* (it just started, a raised "stuck" is over, it stopped idling) sets the timer again.
   */
  activity(polecatId: string, source: 'output' | 'hook' | 'gt'): void {
    const w = this.watches.get(polecatId)
    if (!w) return
    w.lastActivity = this.now()
    let rearm = false
    // A runtime with hooks has started when it says so (its screen may be a first-run dialog); a plain program when it does anything.
    if (!w.started && (source !== 'output' || !w.hooks)) rearm = w.started = true
    if (source !== 'output' && w.idle) {
      w.idle = false
      rearm = true
    }
    if (w.raised.delete('stuck')) rearm = true
    if (rearm) this.arm(w)
    this.persistSoon(w)
  }

  /** A commit, a checkpoint or a note: the bead moves. */
  progress(polecatId: string): void {
    const w = this.watches.get(polecatId)
    if (!w) return
    w.lastProgress = w.lastActivity = this.now()
    const rearm = !w.started || w.raised.has('no_progress') || w.raised.has('stuck')
    w.started = true
    w.raised.delete('no_progress')
    w.raised.delete('stuck')
    if (rearm) this.arm(w)
    this.persistSoon(w)
  }

  /** Waiting for a human (a permission request) or at its prompt: quiet is expected now. */
  setIdle(polecatId: string, idle: boolean): void {
    const w = this.watches.get(polecatId)
    if (!w || w.idle === idle) return
    w.idle = idle
    if (!idle) {
      w.lastActivity = this.now()
      this.arm(w)
    }
  }

  /** The turn ended (Stop hook) while the bead is still hooked: it stopped without gt done. */
  turnEndedWithoutDone(polecatId: string): void {
    const w = this.watches.get(polecatId)
    if (!w || w.paused) return
    w.idle = true
    w.started = true
    this.raise(w, 'at_prompt_without_done', DEFAULT_SEVERITY.at_prompt_without_done, `${polecatId} stopped at its prompt without finishing its bead`, 'Its turn ended and it did not call gt done.')
  }

  /**
   * A blocking first-run screen was recognised: session-lifecycle's start-up watch already put it in the
   * inbox (only a human can answer it), so the witness does not also call it "never started" and restart it.
   */
  blockedScreen(polecatId: string, _screen: string): void {
    const w = this.watches.get(polecatId)
    if (!w) return
    w.started = true
    w.idle = true
    w.raised.add('blocked_screen')
  }

  /** A human took the terminal over (pause) or handed it back (resume, with the clocks restarted). */
  setPaused(polecatId: string, paused: boolean): void {
    const w = this.watches.get(polecatId)
    if (!w) return
    w.paused = paused
    if (!paused) {
      w.lastActivity = this.now()
      w.lastProgress = Math.max(w.lastProgress, w.lastActivity - 1)
      w.raised.clear()
    }
    this.arm(w)
  }

  isPaused(polecatId: string): boolean {
    return this.watches.get(polecatId)?.paused ?? false
  }

  /** Its "looks stuck" is raised and not over (no activity since): the mayor's router sends new work elsewhere. */
  isStuck(polecatId: string): boolean {
    return this.watches.get(polecatId)?.raised.has('stuck') ?? false
  }

  /**
   * The session ended. `done` and deliberate ends (stopped, quit) are nothing to report; a crash (non-zero
   * exit, a signal) or a clean exit without gt done is, and abnormal ends close together are a mass death.
   */
  ended(p: { polecatId: string; sessionId: string; exitCode: number | null; reason: string; hookedBead: string | null }): void {
    const w = this.watches.get(p.polecatId)
    this.stop(p.polecatId)
    if (!w || w.sessionId !== p.sessionId) return
    if (['done', 'stopped', 'app-quit', 'app-restart'].includes(p.reason)) return
    const crashed = p.reason === 'crashed' || p.reason === 'failed-to-start'
    if (crashed) this.noteAbnormal(w)
    if (w.paused) return
    if (crashed) {
      const what = p.reason === 'failed-to-start' ? 'could not be started' : `crashed (exit ${p.exitCode ?? 'by a signal'})`
      this.raise(w, 'crashed', DEFAULT_SEVERITY.crashed, `${p.polecatId}'s agent ${what}`, `Its session ${p.sessionId} ended abnormally.`)
    } else if (p.hookedBead) {
      this.raise(w, 'exited_without_done', DEFAULT_SEVERITY.exited_without_done, `${p.polecatId}'s agent exited without gt done`, `Its session ${p.sessionId} ended with exit code ${p.exitCode} while bead ${p.hookedBead} was still on its hook.`)
    }
  }

  private noteAbnormal(w: Watch): void {
    const t = this.now()
    this.abnormalEnds = this.abnormalEnds.filter((e) => t - e.at <= MASS_DEATH.withinMs)
    this.abnormalEnds.push({ at: t, polecatId: w.polecatId, sessionId: w.sessionId })
    if (this.abnormalEnds.length === MASS_DEATH.count) {
      const who = this.abnormalEnds.map((e) => e.polecatId)
      this.d.report({
        kind: 'mass_death',
        severity: 'P0',
        rig: w.rig,
        polecatId: null,
        beadId: null,
        sessionId: null,
        title: `${MASS_DEATH.count} agents died within ${MASS_DEATH.withinMs / 1000} s: dispatch is paused town-wide`,
        body: `Sessions ended abnormally: ${who.join(', ')}. Something they share may be broken (the machine, a runtime, credentials). Nothing new is slung and nothing is restarted until you resume dispatch (gt town resume).`,
        excerpt: null,
        groupKey: `mass_death:${Math.floor(t / MASS_DEATH.withinMs)}`
      })
    }
  }

  stop(polecatId: string): void {
    const w = this.watches.get(polecatId)
    if (!w) return
    if (w.timer) clearTimeout(w.timer)
    this.watches.delete(polecatId)
  }

  dispose(): void {
    for (const id of [...this.watches.keys()]) this.stop(id)
  }

  private deadlines(w: Watch, s: RigSettings): { at: number; kind: IncidentKind }[] {
    if (w.paused) return []
    const out: { at: number; kind: IncidentKind }[] = []
    if (!w.started) out.push({ at: w.startedAt + s.startup_s * 1000, kind: 'never_started' })
    else {
      if (!w.idle && !w.raised.has('stuck')) out.push({ at: w.lastActivity + s.stuck_s * 1000, kind: 'stuck' })
      if (w.beadId && !w.raised.has('no_progress')) out.push({ at: w.lastProgress + s.no_progress_s * 1000, kind: 'no_progress' })
    }
    return out
  }

  private arm(w: Watch): void {
    if (w.timer) clearTimeout(w.timer)
    w.timer = null
    const due = this.deadlines(w, this.d.settings(w.rig))
    if (due.length === 0) return
    const next = Math.min(...due.map((d) => d.at))
    w.timer = setTimeout(() => this.fire(w), Math.max(0, next - this.now()) + 5)
    w.timer.unref()
  }

  private fire(w: Watch): void {
    if (this.watches.get(w.polecatId) !== w) return
    w.timer = null
    const s = this.d.settings(w.rig)
    const t = this.now()
    for (const d of this.deadlines(w, s)) {
      if (d.at > t) continue
      if (d.kind === 'never_started') {
        w.started = true // reported once; what follows is judged as for a started agent
        this.raise(w, 'never_started', DEFAULT_SEVERITY.never_started, `${w.polecatId}'s agent never started`, `No ${w.hooks ? 'sign from its runtime (hooks)' : 'output'} within ${s.startup_s} s of its start.`)
      } else if (d.kind === 'stuck') {
        const quiet = Math.round((t - w.lastActivity) / 1000)
        this.raise(w, 'stuck', DEFAULT_SEVERITY.stuck, `${w.polecatId} looks stuck`, `no activity for ${quiet} s${w.hooks ? '' : ' (judged from its output alone: its runtime has no hooks)'}`, !w.hooks)
      } else if (d.kind === 'no_progress') {
        const since = Math.round((t - w.lastProgress) / 1000)
        this.raise(w, 'no_progress', DEFAULT_SEVERITY.no_progress, `${w.polecatId} makes no progress on ${w.beadId}`, `no commit, checkpoint or note for ${since} s while alive`)
      }
    }
    this.arm(w)
  }

  private raise(w: Watch, kind: IncidentKind, severity: Severity, title: string, body: string, heuristic = false): void {
    if (w.raised.has(kind)) return
    w.raised.add(kind)
    const base: Incident = { kind, severity, rig: w.rig, polecatId: w.polecatId, beadId: w.beadId, sessionId: w.sessionId, title, body, excerpt: null, heuristic }
    void this.d.screenTail(w.polecatId).then(
      (tail) => this.d.report({ ...base, excerpt: tail }),
      () => this.d.report(base)
    )
  }

  private persistSoon(w: Watch): void {
    const t = this.now()
    if (t - w.persistedAt < PERSIST_EVERY_MS) return
    w.persistedAt = t
    this.d.persist(w.polecatId, new Date(w.lastActivity).toISOString(), new Date(w.lastProgress).toISOString())
  }
}
