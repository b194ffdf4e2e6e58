// Convoys as the contract offers them: create (a molecule poured on each bead that has none), add (a landed
// convoy opens again), status, land, list, and the human's decision on a gated wave. What moves a convoy on
// is the dispatcher (convoy-dispatcher.ts); where each bead is, convoy-status.ts.
import type { Bead, ConvoyMode, ConvoyStatus, InboxItem, MoleculeInstance, Polecat } from '../../../shared/domain'
import { CoreError, type Params } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import type { Ledger } from '../ledger/ledger'
import type { Beads } from '../beads/beads'
import type { Inbox } from '../inbox/inbox'
import { ConvoyStore } from './convoy-store'
import { ConvoyDispatcher } from './convoy-dispatcher'
import { convoyStatus } from './convoy-status'
import { needsOf, readFacts } from './convoy-facts'
import { DependencyCycleError, planWaves } from './wave-planner'

export interface ConvoyDeps {
  db: Db
  ledger: Ledger
  beads: Beads
  inbox: Inbox
  /** Throws not_found for a rig the town does not have. */
  rigExists: (rig: string) => void
  runtimeNames: () => string[]
  polecats: () => Polecat[]
  moleculeOf: (beadId: string) => MoleculeInstance | null
  pour: (name: string, beadId: string, vars: Record<string, string>, actor: string) => MoleculeInstance
  sling: (p: { bead: string; rig: string; agent?: string; agentCmd?: string }, actor: string) => Promise<Polecat>
  announce: (status: ConvoyStatus) => void
}

// Gas Town's bookkeeping types are not work a polecat does.
const NOT_WORK = new Set<Bead['type']>(['merge-request', 'escalation', 'convoy', 'molecule', 'agent'])

export class Convoys {
  readonly store: ConvoyStore
  readonly dispatcher: ConvoyDispatcher

  constructor(private d: ConvoyDeps) {
    this.store = new ConvoyStore(d.db, d.ledger)
    this.dispatcher = new ConvoyDispatcher({
      store: this.store,
      status: (id) => this.status(id),
      sling: (p) => d.sling(p, 'convoys'),
      offerWave: (s, wave, beads) => this.offerWave(s, wave, beads),
      announce: d.announce
    })
  }

  status(id: string): ConvoyStatus {
    const convoy = this.store.get(id)
    const holders = new Map<string, Polecat>()
    for (const pc of this.d.polecats()) if (pc.beadId) holders.set(pc.beadId, pc)
    const members = this.store.members(id)
    return convoyStatus({ convoy, members, facts: readFacts(this.d.db, this.d.beads, id, members), holderOf: (b) => holders.get(b) ?? null })
  }

  list(p: { includeLanded?: boolean }): ConvoyStatus[] {
    return this.store.list(p).map((c) => this.status(c.id))
  }

  create(p: Params<'convoys.create'>, actor: string): ConvoyStatus {
    const beads = this.checkBeads(p.beads, null)
    if (p.agent && !this.d.runtimeNames().includes(p.agent)) throw new CoreError('invalid_params', `unknown agent runtime "${p.agent}"; known: ${this.d.runtimeNames().join(', ')}`)
    this.checkCycle(beads.map((b) => b.id))
    const id = inTransaction(this.d.db, () => {
      const poured = p.molecule ? this.pourOn(p.molecule, p.vars, beads, actor) : []
      // The molecule's [convoy] mode is the default; the command line wins.
      const mode: ConvoyMode = p.mode ?? poured.find((m) => m.convoy?.mode)?.convoy?.mode ?? 'mountain'
      return this.store.create({ title: p.title, mode, molecule: p.molecule ?? null, moleculeVars: p.vars, agent: p.agent ?? null, agentCmd: p.agentCmd ?? null }, beads.map((b) => b.id), actor).id
    })
    this.dispatcher.convoyChanged(id)
    return this.status(id)
  }

  add(p: Params<'convoys.add'>, actor: string): ConvoyStatus {
    const convoy = this.store.get(p.id)
    const beads = this.checkBeads(p.beads, convoy.id)
    const members = this.store.members(convoy.id).map((m) => m.bead_id)
    this.checkCycle([...new Set([...members, ...beads.map((b) => b.id)])])
    inTransaction(this.d.db, () => {
      const fresh = beads.filter((b) => !members.includes(b.id))
      if (convoy.molecule) this.pourOn(convoy.molecule, convoy.moleculeVars, fresh, actor)
      this.store.add(convoy.id, beads.map((b) => b.id), actor)
    })
    this.dispatcher.convoyChanged(convoy.id)
    return this.status(convoy.id)
  }

  /** Lands it now: when every bead is closed, or with `force`, leaving out (and recording) the ones that are not. */
  land(p: Params<'convoys.land'>, actor: string): ConvoyStatus {
    const s = this.status(p.id)
    if (s.state === 'landed') throw new CoreError('conflict', `convoy ${p.id} landed already (${s.landedAt})`)
    const open = s.beads.filter((b) => b.state !== 'landed')
    if (open.length && !p.force) {
      throw new CoreError('conflict', `convoy ${p.id} cannot land: ${open.length} of ${s.beads.length} beads are not closed — ${s.notLanding.map((n) => `${n.bead} ${n.why}`).join('; ')}. Land it anyway with --force (those beads are recorded as left out).`)
    }
    inTransaction(this.d.db, () => {
      if (s.approval) this.d.inbox.close(s.approval.item, { status: 'resolved', by: actor, resolution: 'the convoy was landed' })
      this.store.land(p.id, open.map((b) => b.id), actor)
    })
    this.dispatcher.convoyChanged(p.id)
    return this.status(p.id)
  }

  /** Approve on a gated wave: its beads are slung (those still ready; the rest once they are). */
  approveWave(item: InboxItem, actor: string): void {
    const w = this.waveOf(item)
    if (!this.d.inbox.close(item.id, { status: 'approved', by: actor, resolution: `approved: wave ${w.wave} of convoy ${w.convoy} (${w.beads.length} bead${w.beads.length === 1 ? '' : 's'}) is slung` })) {
      throw new CoreError('conflict', `${item.id} was decided meanwhile`)
    }
    this.store.approved(w.convoy, w.beads, actor)
    this.d.ledger.append(actor, 'convoy.wave-approved', w.convoy, { item: item.id, wave: w.wave, beads: w.beads })
    this.dispatcher.convoyChanged(w.convoy)
  }

  /** Deny on a gated wave: its beads are held (not offered again until gt convoy add names them). */
  denyWave(item: InboxItem, reason: string | undefined, actor: string): void {
    const w = this.waveOf(item)
    if (!this.d.inbox.close(item.id, { status: 'denied', by: actor, resolution: `denied: wave ${w.wave} is held`, reason: reason ?? null })) throw new CoreError('conflict', `${item.id} was decided meanwhile`)
    this.store.held(w.convoy, w.beads, `wave ${w.wave} was denied by ${actor}${reason?.trim() ? `: ${reason.trim()}` : ''}`)
    this.d.ledger.append(actor, 'convoy.wave-denied', w.convoy, { item: item.id, wave: w.wave, beads: w.beads, reason: reason ?? null })
    this.dispatcher.convoyChanged(w.convoy)
  }

  private waveOf(item: InboxItem): NonNullable<InboxItem['convoy']> {
    if (item.kind !== 'convoy' || !item.convoy) throw new CoreError('conflict', `${item.id} is not a convoy wave`)
    if (item.status !== 'open') throw new CoreError('conflict', `${item.id} is ${item.status} already`)
    return item.convoy
  }

  private offerWave(s: ConvoyStatus, wave: number, beads: string[]): InboxItem {
    const rows = s.beads.filter((b) => beads.includes(b.id))
    const rigs = [...new Set(rows.map((b) => b.rig).filter((r): r is string => !!r))]
    return this.d.inbox.raise(
      {
        kind: 'convoy',
        severity: 'P2',
        title: `Convoy ${s.title}: start wave ${wave} (${beads.length} bead${beads.length === 1 ? '' : 's'}${rigs.length ? ` in ${rigs.join(', ')}` : ''})?`,
        body: rows.map((b) => `${b.id}  ${b.rig ?? '-'}  ${b.title}`).join('\n'),
        rig: rigs.length === 1 ? rigs[0] : null,
        beadId: beads.length === 1 ? beads[0] : null,
        convoy: { convoy: s.id, wave, beads }
      },
      'convoys',
      'convoy.awaiting-approval'
    )
  }

  /** Each bead exists, is work (not a merge request or the like), has a rig the town has, and is in no other open convoy. */
  private checkBeads(ids: string[], convoyId: string | null): Bead[] {
    const dup = ids.find((id, i) => ids.indexOf(id) !== i)
    if (dup) throw new CoreError('invalid_params', `bead ${dup} is named twice`)
    return ids.map((id) => {
      const b = this.d.beads.get(id)
      if (NOT_WORK.has(b.type)) throw new CoreError('invalid_params', `${id} is a ${b.type} bead, not work a polecat does: leave it out of the convoy`)
      if (!b.rig) throw new CoreError('invalid_params', `bead ${id} has no rig to run in: give it one (gt bead update ${id} --rig RIG)`)
      this.d.rigExists(b.rig)
      const other = this.store.openConvoyOf(id)
      if (other && other !== convoyId) throw new CoreError('conflict', `bead ${id} is in the open convoy ${other} already: a bead travels in one convoy at a time`)
      return b
    })
  }

  private checkCycle(ids: string[]): void {
    try {
      planWaves(ids.map((id) => ({ id, closed: false, needs: needsOf(this.d.beads.get(id)) })))
    } catch (err) {
      if (err instanceof DependencyCycleError) throw new CoreError('conflict', `refusing the convoy: ${err.message}`)
      throw err
    }
  }

  private pourOn(name: string, vars: Record<string, string>, beads: Bead[], actor: string): MoleculeInstance[] {
    return beads.map((b) => {
      const existing = this.d.moleculeOf(b.id)
      if (existing) return existing
      try {
        return this.d.pour(name, b.id, vars, actor)
      } catch (err) {
        throw new CoreError(err instanceof CoreError ? err.code : 'failed', `could not pour molecule ${name} on ${b.id}: ${(err as Error).message}`)
      }
    })
  }
}
