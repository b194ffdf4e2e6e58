// The dispatcher: moves open convoys along when something changes — a bead of one closes or changes, its
// polecat or merge request moves, an inbox item about it is raised, the convoy itself changes — never by
// polling (a minute tick only retries slings that failed). One pass at a time per convoy; a change during a
// pass runs another after it. A pass: persists skips (a bead whose failure outlasted the Dogs' retries),
// lands the convoy when every bead is closed, slings what is ready (mountain: at once; gated: once its wave
// is approved) and offers the next gated wave in the inbox. Views hear each convoy as it now is.
import type { ConvoyStatus, InboxItem, Polecat } from '../../../shared/domain'
import type { ConvoyStore } from './convoy-store'

export interface DispatcherDeps {
  store: ConvoyStore
  status: (convoyId: string) => ConvoyStatus
  sling: (p: { bead: string; rig: string; agent?: string; agentCmd?: string }) => Promise<Polecat>
  /** Puts a gated wave in the Deacon inbox. */
  offerWave: (status: ConvoyStatus, wave: number, beads: string[]) => InboxItem
  /** A convoy changed: the status as it now is (only when it differs from the last one announced). */
  announce: (status: ConvoyStatus) => void
}

const ACTOR = 'convoys'

export class ConvoyDispatcher {
  /** Slings started by a pass and not ended yet (waiting for room, or preparing), by `convoy bead`. */
  private slinging = new Map<string, Promise<void>>()
  private beadToConvoy = new Map<string, string>()
  private due = new Set<string>()
  private tick: NodeJS.Immediate | null = null
  private passes = new Map<string, Promise<void>>()
  private again = new Set<string>()
  private announced = new Map<string, string>()
  private closed = false

  constructor(private d: DispatcherDeps) {
    this.refreshMembers()
  }

  /** Something about a bead changed (status, dependencies, its polecat, its merge request, an inbox item). */
  beadChanged(beadId: string | null | undefined): void {
    const convoy = beadId ? this.beadToConvoy.get(beadId) : undefined
    if (convoy) this.schedule(convoy)
  }

  /** A convoy was created, got beads, was landed or a wave decided. */
  convoyChanged(convoyId: string): void {
    this.refreshMembers()
    this.schedule(convoyId)
  }

  /** Every open convoy (at start, and on the minute tick for slings that failed). */
  pumpAll(): void {
    this.refreshMembers()
    for (const c of this.d.store.list()) this.schedule(c.id)
  }

  /** Resolves when no pass is running or due and no sling it started is still on its way (tests). */
  async idle(): Promise<void> {
    while (this.tick || this.passes.size || this.slinging.size) {
      await new Promise((r) => setImmediate(r))
      await Promise.all([...this.passes.values(), ...this.slinging.values()])
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.tick) clearImmediate(this.tick)
    this.tick = null
    await Promise.all([...this.passes.values()])
  }

  private refreshMembers(): void {
    this.beadToConvoy = new Map(this.d.store.openMembers().map((m) => [m.bead_id, m.convoy_id]))
  }

  // Changes come in bursts (a landing closes a bead, its merge request and mails its polecat): one pass for them.
  private schedule(convoyId: string): void {
    if (this.closed) return
    this.due.add(convoyId)
    if (this.tick) return
    this.tick = setImmediate(() => {
      this.tick = null
      const due = [...this.due]
      this.due.clear()
      for (const id of due) void this.pump(id)
    })
  }

  private pump(convoyId: string): Promise<void> {
    if (this.passes.has(convoyId)) {
      this.again.add(convoyId)
      return this.passes.get(convoyId)!
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(convoyId)
          if (this.closed) return
          await this.pass(convoyId)
        } while (this.again.has(convoyId))
      } catch (err) {
        if (!this.closed) console.error(`convoy ${convoyId}: dispatch failed: ${(err as Error).stack ?? err}`)
      } finally {
        this.passes.delete(convoyId)
      }
    })()
    this.passes.set(convoyId, run)
    return run
  }

  private async pass(convoyId: string): Promise<void> {
    const convoy = this.d.store.find(convoyId)
    if (!convoy) return
    let s = this.d.status(convoyId)
    // Most passes (a polecat's activity changed) find nothing to do: the status is worked out again only after an act.
    let acted = false
    if (convoy.state === 'open') {
      // A skip is written down once, when first seen: it stays reported even after its inbox item is dealt with.
      const written = new Set(this.d.store.members(convoyId).filter((m) => m.skipped_at).map((m) => m.bead_id))
      for (const b of s.beads) {
        if (b.state === 'skipped' && b.skipped && !written.has(b.id)) acted = this.d.store.skipped(convoyId, b.id, b.skipped.reason, b.skipped.inboxItem) || acted
      }
      if (s.beads.length && s.beads.every((b) => b.state === 'landed')) {
        acted = true
        this.d.store.land(convoyId, [], ACTOR)
        this.refreshMembers()
      } else {
        // A sling may wait in the scheduler's queue until there is room: the pass does not wait with it (other
        // beads, waves and the status go on); its end starts another pass.
        const ready = s.beads.filter((b) => b.state === 'ready' && b.rig && !this.slinging.has(`${convoyId} ${b.id}`))
        for (const b of ready) {
          const key = `${convoyId} ${b.id}`
          const started = (async () => {
            try {
              const pc = await this.d.sling({ bead: b.id, rig: b.rig!, ...(s.agentCmd ? { agentCmd: s.agentCmd } : s.agent ? { agent: s.agent } : {}) })
              if (!this.closed) this.d.store.slung(convoyId, b.id, pc.id, ACTOR)
            } catch (err) {
              if (!this.closed) this.d.store.slingFailed(convoyId, b.id, (err as Error).message)
            } finally {
              this.slinging.delete(key)
              this.schedule(convoyId)
            }
          })()
          this.slinging.set(key, started)
        }
        if (this.closed) return
        if (s.mode === 'gated' && !s.approval) {
          const waiting = s.beads.filter((b) => b.state === 'approval')
          if (waiting.length) {
            this.d.offerWave(s, Math.min(...waiting.map((b) => b.wave)), waiting.map((b) => b.id))
            acted = true
          }
        }
      }
      if (acted) s = this.d.status(convoyId)
    }
    const json = JSON.stringify(s)
    if (this.announced.get(convoyId) !== json) {
      this.announced.set(convoyId, json)
      this.d.announce(s)
    }
  }
}
