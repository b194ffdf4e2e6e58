// Where each bead of a convoy is, and why the convoy has not landed: worked out from the facts (the beads,
// who holds them, their merge requests, the inbox) every time it is asked, so it is never out of date. The
// dispatcher acts on the same answer: it slings what is `ready` and offers what waits for `approval`.
import type { Convoy, ConvoyBead, ConvoyStatus, Polecat } from '../../../shared/domain'
import type { MemberRow } from './convoy-store'
import { needsOf, type ConvoyFacts } from './convoy-facts'
import { DependencyCycleError, planWaves, type WavePlan } from './wave-planner'

export interface StatusFacts {
  convoy: Convoy
  members: MemberRow[]
  /** Its beads and what they need, merge requests, stalls (failures past the Dogs' retries), the waiting wave. */
  facts: ConvoyFacts
  /** The polecat whose hook holds the bead, if any. */
  holderOf: (beadId: string) => Polecat | null
}

const MERGING = new Set(['pending', 'testing', 'awaiting_approval'])

export function convoyStatus(f: StatusFacts): ConvoyStatus {
  const bead = (id: string) => f.facts.beads.get(id) ?? null
  const beads = new Map(f.members.map((m) => [m.bead_id, bead(m.bead_id)]))
  const memberOf = new Map(f.members.map((m) => [m.bead_id, m]))
  const mergeRequestOf = (id: string) => f.facts.mergeRequests.get(id) ?? null
  let plan: WavePlan | null = null
  let cycle: string[] | null = null
  try {
    plan = planWaves(
      f.members.map((m) => {
        const b = beads.get(m.bead_id)
        return { id: m.bead_id, closed: b?.status === 'closed', needs: b ? needsOf(b) : [] }
      }),
      (id) => bead(id)?.status === 'closed'
    )
  } catch (err) {
    if (!(err instanceof DependencyCycleError)) throw err
    cycle = err.cycle
  }

  // A skip written down, or one the dispatcher is about to write down (its inbox item is open now).
  const skips = new Map<string, NonNullable<ConvoyBead['skipped']>>()
  for (const m of f.members) {
    if (beads.get(m.bead_id)?.status === 'closed') continue
    const stall = m.skipped_at ? null : f.facts.stalls.get(m.bead_id)
    // A rejected merge request is over for good (a later gt done would open a new one): nothing will land it.
    const mr = mergeRequestOf(m.bead_id)
    if (m.skipped_at) skips.set(m.bead_id, { at: m.skipped_at, reason: m.skip_reason ?? 'its retries ran out', inboxItem: m.skip_item })
    else if (stall) skips.set(m.bead_id, { at: stall.createdAt, reason: stall.title, inboxItem: stall.id })
    else if (mr?.state === 'rejected' && !f.holderOf(m.bead_id)) skips.set(m.bead_id, { at: m.dispatched_at ?? m.added_at, reason: `its merge request ${mr.id} was rejected${mr.failureMessage ? `: ${mr.failureMessage}` : ''}`, inboxItem: null })
  }

  // What a needed bead is doing, in a few words, for "waits for …".
  const describeNeed = (id: string): string => {
    const b = bead(id)
    if (!b) return `${id} (no such bead)`
    const member = memberOf.get(id)
    const where = b.rig ? ` in ${b.rig}` : ''
    if (!member) return `${id} (not in this convoy, ${b.status}${where}: add it or close it)`
    const skip = skips.get(id)
    if (skip) return `${id} (skipped${where}: ${skip.reason})`
    const pc = f.holderOf(id)
    if (pc) return `${id} (worked on by ${pc.id})`
    const mr = mergeRequestOf(id)
    if (mr && MERGING.has(mr.state)) return `${id} (merge request ${mr.id} ${mr.state.replace(/_/g, ' ')}${where})`
    return `${id} (${b.status}${where})`
  }

  const rows: ConvoyBead[] = f.members.map((m) => {
    const b = beads.get(m.bead_id) ?? null
    const needs = b ? needsOf(b) : []
    const waitsFor = plan?.waitsFor.get(m.bead_id) ?? []
    const holder = b && b.status !== 'closed' ? f.holderOf(b.id) : null
    const mr = b ? mergeRequestOf(b.id) : null
    const base = {
      id: m.bead_id,
      title: b?.title ?? '(bead missing)',
      rig: b?.rig ?? null,
      status: b?.status ?? 'open',
      wave: plan?.waveOf.get(m.bead_id) ?? 0,
      needs,
      waitsFor,
      polecatId: holder?.id ?? m.polecat_id,
      mergeRequest: mr ? { id: mr.id, state: mr.state } : null,
      addedAt: m.added_at,
      dispatchedAt: m.dispatched_at,
      skipped: null as ConvoyBead['skipped']
    }
    const row = (state: ConvoyBead['state'], detail: string): ConvoyBead => ({ ...base, state, detail })
    if (!b) return row('blocked', `there is no bead ${m.bead_id} any more`)
    if (b.status === 'closed') return row('landed', `closed${b.closeReason ? `: ${b.closeReason}` : ''}`)
    const skip = skips.get(b.id)
    if (skip) {
      return {
        ...row('skipped', `skipped: ${skip.reason}${skip.inboxItem ? ` (inbox ${skip.inboxItem})` : ''}; the rest go on. Once it is fixed and merged it lands; gt convoy add ${f.convoy.id} ${b.id} slings it again`),
        skipped: skip
      }
    }
    if (cycle) return row('blocked', `in the dependency cycle ${cycle.join(' → ')}: nothing in it can start`)
    if (mr && MERGING.has(mr.state)) return row('merging', `its merge request ${mr.id} is ${mr.state.replace(/_/g, ' ')} in ${mr.rig}'s queue`)
    if (holder) {
      const back = mr && (mr.state === 'failed' || mr.state === 'changes_requested') ? `; its merge request ${mr.id} came back (${mr.failureKind ?? mr.state}) and the polecat fixes it` : ''
      // Its state, not its activity: the activity changes all the time, and each change would send the whole
      // convoy to every view (the views have the polecat's activity from its own events).
      return row('working', `worked on by ${holder.id} (${holder.state})${back}`)
    }
    if (m.held_reason) return row('held', `held: ${m.held_reason}; gt convoy add ${f.convoy.id} ${b.id} offers it again`)
    if (m.dispatched_at) {
      return row('stopped', `slung to ${m.polecat_id ?? 'a polecat'} but no polecat holds it now and nothing of it is merging${mr ? ` (merge request ${mr.id} is ${mr.state.replace(/_/g, ' ')})` : ''}; gt convoy add ${f.convoy.id} ${b.id} slings it again`)
    }
    if (waitsFor.length) return row('waiting', `waits for ${waitsFor.map(describeNeed).join(', ')}`)
    if (!b.rig) return row('blocked', `it has no rig to run in: gt bead update ${b.id} --rig RIG`)
    if (b.status !== 'open') return row('blocked', `its status is ${b.status}: gt bead update ${b.id} --status open lets it start`)
    const failed = m.sling_error ? ` (the last sling failed: ${m.sling_error}; tried again when anything changes, or within a minute)` : ''
    if (f.convoy.mode === 'gated' && !m.approved_at) {
      const w = f.facts.wave?.beads.includes(b.id) ? f.facts.wave : null
      return row('approval', w ? `ready: waits for your approval of wave ${w.wave} (inbox ${w.item})` : 'ready: waits for its wave to be offered for approval')
    }
    return row('ready', `ready: everything it needs is closed${failed}`)
  })

  const landed = rows.filter((r) => r.state === 'landed').length
  return {
    ...f.convoy,
    beads: rows,
    waves: plan?.waves ?? [],
    progress: { landed, total: rows.length, skipped: rows.filter((r) => r.state === 'skipped').length },
    notLanding: f.convoy.state === 'landed' ? [] : rows.filter((r) => r.state !== 'landed').map((r) => ({ bead: r.id, why: `${r.state}: ${r.detail}` })),
    cycle,
    approval: f.facts.wave
  }
}
