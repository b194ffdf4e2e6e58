// Where an incident goes. P0 goes to the Deacon's inbox at once (unless the rig turned deacon_notify off);
// P1 and P2 go to the Dogs first: bounded retries with exponential backoff — a live agent is nudged with what
// went wrong (at its prompt), a dead one restarted on its worktree and branch with its checkpoint and the
// failure — and after max_retries the Deacon gets it, with the attempts. Nothing is retried while a human
// has the terminal, while dispatch is paused, or for a bead that is finished (closed, merged, in the base).
// The same failure across polecats (the same check failing on the base branch) is one item, not twenty.
import type { InboxItem, Severity } from '../../../shared/domain'
import type { Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'
import type { Inbox } from '../inbox/inbox'
import type { RigSettings } from '../rigs/rig-settings'
import { DOG_ACTION, nudgeSubject, nudgeText, type Incident, type IncidentKind } from './incidents'
import type { EscalationRules } from './escalation-rules'

export interface RoutingDeps {
  db: Db
  ledger: Ledger
  inbox: Inbox
  settings: (rig: string) => RigSettings
  /** The escalation rules for a bead of a rig (deacon_notify): the rig's, overridden by its molecule's. */
  escalation: (rig: string, beadId: string | null) => EscalationRules
  isRunning: (polecatId: string) => boolean
  isTakenOver: (polecatId: string) => boolean
  /** Closed, merged, or its branch already in the base: never restarted. */
  beadFinished: (beadId: string) => Promise<boolean>
  nudge: (polecatId: string, text: string, subject: string) => void
  restart: (polecatId: string, why: string) => Promise<void>
  dispatchPaused: () => boolean
  pauseDispatch: (why: string) => void
  /** The polecat's health as the views show it: retries used on its current failure, and which failure. */
  health: (polecatId: string, change: { retries: number; lastIncident: string | null }) => void
  /** What the human needs beside the item: the agent's screen and its branch's diff stat (filled in after). */
  annotate: (itemId: string, polecatId: string) => void
}

const UP: Record<Severity, Severity> = { P2: 'P1', P1: 'P0', P0: 'P0' }
const MAX_RAISES = 2

export class IncidentRouting {
  private pending = new Map<string, NodeJS.Timeout>() // polecat + kind → the retry waiting for its backoff

  constructor(private d: RoutingDeps) {}

  report(i: Incident): void {
    this.d.ledger.append('witness', `witness.${i.kind}`, i.beadId ?? i.polecatId ?? i.rig, { polecat: i.polecatId, severity: i.severity, title: i.title, heuristic: i.heuristic ?? false })
    if (i.kind === 'mass_death') {
      this.d.pauseDispatch(i.title)
      this.toDeacon(i, 0)
      return
    }
    const s = this.d.settings(i.rig)
    const toDogs = (i.severity !== 'P0' || !this.d.escalation(i.rig, i.beadId).deaconNotify) && DOG_ACTION[i.kind] !== 'none' && i.polecatId !== null
    if (!toDogs) return void this.toDeacon(i, 0)
    if (this.d.isTakenOver(i.polecatId!)) {
      this.d.ledger.append('dogs', 'dogs.held', i.beadId ?? i.polecatId, { polecat: i.polecatId, incident: i.kind, why: 'a human has the terminal' })
      return
    }
    const used = this.attempts(i.beadId, i.polecatId!, i.kind)
    if (used >= s.max_retries) return void this.toDeacon(i, used)
    const key = `${i.polecatId}:${i.kind}`
    if (this.pending.has(key)) return // a retry of this failure is already on its way
    const delay = s.retry_backoff_s * 1000 * 2 ** used
    const t = setTimeout(() => {
      this.pending.delete(key)
      void this.act(i, used + 1)
    }, delay)
    t.unref()
    this.pending.set(key, t)
  }

  /** Retry now (an inbox item's action): the Dogs act at once, whatever the backoff. */
  async retryNow(i: Incident, actor: string): Promise<void> {
    const key = `${i.polecatId}:${i.kind}`
    clearTimeout(this.pending.get(key))
    this.pending.delete(key)
    this.d.ledger.append(actor, 'dogs.retry-now', i.beadId ?? i.polecatId, { polecat: i.polecatId, incident: i.kind })
    await this.act(i, this.attempts(i.beadId, i.polecatId!, i.kind) + 1, true)
  }

  /** A failure is over (its check passed, the agent made progress): the next one starts with a fresh count. */
  cleared(beadId: string | null, polecatId: string, kind: IncidentKind): void {
    if (this.attempts(beadId, polecatId, kind) === 0) return
    this.record(polecatId, beadId, kind, 'cleared', null)
    this.d.health(polecatId, { retries: 0, lastIncident: null })
  }

  /** Attempts the Dogs made on this bead's (or polecat's) failure of this kind since it was last cleared. */
  attempts(beadId: string | null, polecatId: string, kind: IncidentKind): number {
    const who = beadId ? ['bead_id = ?', beadId] : ['polecat_id = ?', polecatId]
    const row = this.d.db
      .prepare(
        `SELECT count(*) AS n FROM dog_attempts WHERE ${who[0]} AND incident = ? AND action != 'cleared'
           AND at > COALESCE((SELECT max(at) FROM dog_attempts WHERE ${who[0]} AND incident = ? AND action = 'cleared'), '')`
      )
      .get(who[1], kind, who[1], kind) as { n: number }
    return row.n
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t)
    this.pending.clear()
  }

  private async act(i: Incident, attempt: number, forced = false): Promise<void> {
    if (!this.d.db.open) return
    const polecatId = i.polecatId!
    if (!forced && this.d.isTakenOver(polecatId)) return
    const alive = this.d.isRunning(polecatId)
    let action = DOG_ACTION[i.kind]
    // A failure whose agent is gone cannot be nudged: it is restarted with the failure in hand.
    if (action === 'nudge' && !alive) action = 'restart'
    if (action === 'restart' && i.beadId && (await this.d.beadFinished(i.beadId))) {
      this.d.ledger.append('dogs', 'dogs.skipped', i.beadId, { polecat: polecatId, incident: i.kind, why: 'the bead is finished: closed, merged or in the base already' })
      return
    }
    if (this.d.dispatchPaused()) {
      this.d.ledger.append('dogs', 'dogs.held', i.beadId ?? polecatId, { polecat: polecatId, incident: i.kind, why: 'dispatch is paused' })
      return
    }
    const detail = `attempt ${attempt} of ${this.d.settings(i.rig).max_retries}`
    this.record(polecatId, i.beadId, i.kind, action, detail)
    this.d.health(polecatId, { retries: this.attempts(i.beadId, polecatId, i.kind), lastIncident: i.kind })
    this.d.ledger.append('dogs', action === 'nudge' ? 'dogs.nudged' : 'dogs.restarted', i.beadId ?? polecatId, { polecat: polecatId, incident: i.kind, attempt })
    try {
      if (action === 'nudge') this.d.nudge(polecatId, nudgeText(i), nudgeSubject(i))
      // A failing check's output goes with the restart; for other failures the agent's prime tells the story.
      else await this.d.restart(polecatId, `${i.title} (${detail})${(i.kind === 'check_failed' || i.kind === 'merge_failed' || i.kind === 'merge_conflict') && i.excerpt ? ` — the failing output ends: ${i.excerpt.slice(-1500)}` : ''}`)
    } catch (err) {
      this.d.ledger.append('dogs', 'dogs.failed', i.beadId ?? polecatId, { polecat: polecatId, incident: i.kind, error: (err as Error).message })
      this.toDeacon({ ...i, body: `${i.body}\nThe Dogs could not ${action} it: ${(err as Error).message}` }, attempt)
    }
  }

  private record(polecatId: string, beadId: string | null, kind: IncidentKind, action: string, detail: string | null): void {
    this.d.db.prepare('INSERT INTO dog_attempts (id, polecat_id, bead_id, incident, action, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)').run(newId('dog'), polecatId, beadId, kind, action, now(), detail)
  }

  /** A branch not safe on its remote (a push or a WIP save failed): into the inbox, one item per polecat. */
  branchUnsafe(i: Omit<Incident, 'kind' | 'excerpt'>): InboxItem {
    return this.toDeacon({ ...i, kind: 'branch_unsafe', excerpt: null }, 0)
  }

  /** An agent's own `gt escalate`: the same flow, with the severity it gave (straight to the Deacon). */
  escalate(i: Incident): InboxItem {
    this.d.ledger.append('witness', 'witness.escalated', i.beadId ?? i.polecatId ?? i.rig, { polecat: i.polecatId, severity: i.severity, title: i.title })
    return this.toDeacon(i, 0)
  }

  /** Into the inbox — or, for the same failure already there, onto its item (count and who). */
  private toDeacon(i: Incident, attempts: number): InboxItem {
    const item = this.d.inbox.raiseIncident({
      kind: i.kind === 'escalated' ? 'escalation' : 'alarm',
      severity: i.severity,
      title: attempts ? `${i.title} (the Dogs tried ${attempts} time${attempts === 1 ? '' : 's'})` : i.title,
      body: i.body,
      rig: i.rig,
      polecatId: i.polecatId,
      beadId: i.beadId,
      sessionId: i.sessionId,
      incident: i.kind,
      excerpt: i.excerpt,
      groupKey: i.groupKey ?? null,
      attempts
    })
    if (i.polecatId && item.count === 1) this.d.annotate(item.id, i.polecatId)
    return item
  }

  /**
   * Items left unacknowledged too long are raised one level (P2 → P1 → P0), at most twice; `at` is now
   * (a parameter so it can be tested without waiting hours).
   */
  reescalateDue(at = Date.now()): InboxItem[] {
    const raised: InboxItem[] = []
    for (const item of this.d.inbox.list()) {
      if (item.status !== 'open' || item.kind === 'permission' || item.raisedLevels >= MAX_RAISES || item.severity === 'P0') continue
      if (item.snoozedUntil && Date.parse(item.snoozedUntil) > at) continue
      const every = this.d.settings(item.rig ?? '').reescalate_s * 1000
      if (at - Date.parse(item.createdAt) < every * (item.raisedLevels + 1)) continue
      const up = this.d.inbox.raiseLevel(item.id, UP[item.severity], `unacknowledged for ${Math.round((at - Date.parse(item.createdAt)) / 60_000)} min`)
      if (up) raised.push(up)
    }
    return raised
  }
}
