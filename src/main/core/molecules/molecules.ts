// Poured molecules: a template poured on a bead makes each of its steps a child bead of it (a parent-child
// dependency on the bead, a `blocks` dependency on each step it needs, so `gt ready` follows the needs),
// all in one transaction with their ledger events, and stores what the pour decided (template, source
// file, variables, timeout, escalation, convoy settings) so a later edit of the template changes nothing
// already poured. The agent walks the steps: the current step is the first open one, in the template's
// order, whose needs are all closed; advancing closes it with the agent's summary.
import { CoreError, humanMethods } from '../../../shared/contract'
import type { MoleculeEscalation, MoleculeInstance, MoleculeOrigin, MoleculeStep, MoleculeStepTemplate, BeadStatus, ConvoyMode } from '../../../shared/domain'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'
import type { Beads } from '../beads/beads'
import { parseEscalationTable, type EscalationOverrides } from '../witness/escalation-rules'
import type { MoleculeLibrary } from './library'
import { resolveValues, substitute } from './variables'

interface MoleculeRow {
  id: string
  bead_id: string
  name: string
  origin: MoleculeOrigin
  rig: string | null
  source_file: string
  description: string
  vars: string
  timeout_s: number | null
  timeout_text: string | null
  escalation: string
  escalation_origins: string
  convoy_mode: ConvoyMode | null
  bundle_size: number | null
  hooks: string | null
  poured_at: string
  poured_by: string
  timeout_raised_at: string | null
}

interface StepRow {
  step_id: string
  position: number
  bead_id: string
  needs: string
  acceptance: string | null
  title: string
  description: string
  status: BeadStatus
  close_reason: string | null
  closed_at: string | null
}

export interface MoleculesDeps {
  db: Db
  ledger: Ledger
  beads: Beads
  library: MoleculeLibrary
}

/** The order to create steps in: each after the steps it needs, otherwise as the template lists them. */
function creationOrder(steps: MoleculeStepTemplate[]): MoleculeStepTemplate[] {
  const done = new Set<string>()
  const out: MoleculeStepTemplate[] = []
  while (out.length < steps.length) {
    const next = steps.find((s) => !done.has(s.id) && s.needs.every((n) => done.has(n)))
    if (!next) throw new Error('the steps have a cycle of needs') // the template check refuses these
    done.add(next.id)
    out.push(next)
  }
  return out
}

/** A rendered step checked as the contract checks a bead (one-line title, lengths, no control characters). */
function checkStepBead(template: string, s: MoleculeStepTemplate): void {
  const r = humanMethods['beads.create'].params.safeParse({ title: s.title, description: s.description })
  if (!r.success) {
    const issue = r.error.issues[0]!
    throw new CoreError('invalid_params', `step "${s.id}" of ${template}, with the variables filled in: ${issue.message} (check the values given with --var)`)
  }
  if (s.acceptance !== null) {
    const a = humanMethods['beads.create'].params.safeParse({ title: 'x', description: s.acceptance })
    if (!a.success) throw new CoreError('invalid_params', `the acceptance of step "${s.id}" of ${template}, with the variables filled in: ${a.error.issues[0]!.message}`)
  }
}

export class Molecules {
  constructor(private d: MoleculesDeps) {}

  /** Pours template `name` on a bead: its steps become the bead's child beads, in one transaction. */
  pour(p: { name: string; bead: string; vars: Record<string, string> }, actor: string): MoleculeInstance {
    const bead = this.d.beads.get(p.bead)
    if (bead.status === 'closed') throw new CoreError('conflict', `bead ${bead.id} is closed: pour the molecule on open work`)
    if (bead.type === 'merge-request' || bead.type === 'escalation') throw new CoreError('conflict', `bead ${bead.id} is a ${bead.type}: pour the molecule on the work itself`)
    const existing = this.rowForBead(bead.id)
    if (existing) {
      throw new CoreError(
        'conflict',
        existing.bead_id === bead.id
          ? `bead ${bead.id} already has the molecule ${existing.name} poured on it (${existing.id}): one molecule per bead`
          : `bead ${bead.id} is a step of the molecule ${existing.name} on ${existing.bead_id}: pour on a bead that is not a step`
      )
    }
    const found = this.d.library.resolve(p.name, bead.rig)
    const t = found.template
    const values = resolveValues(t, p.vars, { bead: bead.id, bead_title: bead.title, rig: bead.rig ?? '' })
    const steps = t.steps.map((s) => ({
      ...s,
      title: substitute(s.title, values),
      description: substitute(s.description, values),
      acceptance: s.acceptance === null ? null : substitute(s.acceptance, values)
    }))
    for (const s of steps) checkStepBead(t.name, s)
    const position = new Map(steps.map((s, i) => [s.id, i]))
    const id = newId('mol')
    const at = now()

    inTransaction(this.d.db, () => {
      this.d.db
        .prepare(
          `INSERT INTO molecules (id, bead_id, name, origin, rig, source_file, shape, description, vars, timeout_s, timeout_text,
             escalation, escalation_origins, convoy_mode, bundle_size, hooks, poured_at, poured_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          id,
          bead.id,
          t.name,
          found.origin,
          found.rig,
          found.file,
          t.shape,
          substitute(t.description, values),
          JSON.stringify(values),
          t.timeout?.seconds ?? null,
          t.timeout?.text ?? null,
          JSON.stringify(t.escalation),
          JSON.stringify(t.escalationOrigins),
          t.convoy?.mode ?? null,
          t.convoy?.bundleSize ?? null,
          t.hooks ? JSON.stringify(t.hooks) : null,
          at,
          actor
        )
      const beadOf = new Map<string, string>()
      const addStep = this.d.db.prepare('INSERT INTO molecule_steps (molecule_id, step_id, position, bead_id, needs, acceptance) VALUES (?, ?, ?, ?, ?, ?)')
      for (const s of creationOrder(steps)) {
        const child = this.d.beads.create(
          {
            title: s.title,
            description: s.description,
            priority: bead.priority,
            type: 'task',
            rig: bead.rig,
            labels: ['molecule-step'],
            deps: [{ type: 'parent-child', target: bead.id }, ...s.needs.map((n) => ({ type: 'blocks' as const, target: beadOf.get(n)! }))]
          },
          actor
        )
        beadOf.set(s.id, child.id)
        addStep.run(id, s.id, position.get(s.id)!, child.id, JSON.stringify(s.needs), s.acceptance)
      }
      this.d.ledger.append(actor, 'molecule.poured', bead.id, {
        molecule: id,
        name: t.name,
        origin: found.origin,
        file: found.file,
        vars: values,
        timeout: t.timeout?.text ?? null,
        convoy: t.convoy,
        escalation: t.escalation,
        steps: steps.map((s) => ({ id: s.id, bead: beadOf.get(s.id) }))
      })
    })
    return this.get(id)
  }

  get(id: string): MoleculeInstance {
    const row = this.d.db.prepare('SELECT * FROM molecules WHERE id = ?').get(id) as MoleculeRow | undefined
    if (!row) throw new CoreError('not_found', `no molecule ${id}`)
    return this.toInstance(row)
  }

  /** The molecule poured on this bead, or the one it is a step of; null when neither. */
  forBead(beadId: string): MoleculeInstance | null {
    const row = this.rowForBead(beadId)
    return row ? this.toInstance(row) : null
  }

  /**
   * Closes the current step of the molecule on `beadId` with the summary; the caller's transaction holds it
   * together with the checkpoint. Returns the step closed and the one current now.
   */
  advance(beadId: string, summary: string, actor: string): { closed: MoleculeStep; next: MoleculeStep | null; molecule: MoleculeInstance } {
    return inTransaction(this.d.db, () => {
      const before = this.require(beadId)
      const step = before.steps.find((s) => s.id === before.current)
      if (!step) throw new CoreError('conflict', `every step of the molecule ${before.name} on ${before.beadId} is done: finish with gt done`)
      this.d.beads.close(step.beadId, summary || `step ${step.id} done`, actor)
      const after = this.get(before.id)
      const next = after.steps.find((s) => s.id === after.current) ?? null
      this.d.ledger.append(actor, 'molecule.advanced', before.beadId, { molecule: before.id, step: step.id, stepBead: step.beadId, summary, next: next?.id ?? null })
      return { closed: after.steps.find((s) => s.id === step.id)!, next, molecule: after }
    })
  }

  /** The molecule on a bead, for its agent; refused with what to do when there is none. */
  require(beadId: string): MoleculeInstance {
    const m = this.forBead(beadId)
    if (!m) throw new CoreError('conflict', `no molecule is poured on ${beadId}: work from the bead's description (gt prime); a human pours one with gt mol pour NAME ${beadId}`)
    return m
  }

  /**
   * The escalation rules of the molecule a bead belongs to, as a layer over the rig's; null when it has
   * none. They were checked by the witness's rules module at pour time and are read back through it.
   */
  escalationOf(beadId: string): EscalationOverrides | null {
    const row = this.rowForBead(beadId)
    if (!row) return null
    const table = JSON.parse(row.escalation) as MoleculeEscalation
    if (Object.keys(table).length === 0) return null
    const origins = JSON.parse(row.escalation_origins) as Partial<Record<keyof MoleculeEscalation, string>>
    const layer = parseEscalationTable(table, { file: row.source_file })
    if (layer.p0 && origins.p0_threshold) layer.p0 = { ...layer.p0, origin: `molecule ${row.name}, ${origins.p0_threshold}` }
    if (layer.p1 && origins.p1_threshold) layer.p1 = { ...layer.p1, origin: `molecule ${row.name}, ${origins.p1_threshold}` }
    if (layer.p2 && origins.p2_threshold) layer.p2 = { ...layer.p2, origin: `molecule ${row.name}, ${origins.p2_threshold}` }
    if (layer.deaconNotify !== undefined && origins.deacon_notify) layer.deaconNotifyOrigin = `molecule ${row.name}, ${origins.deacon_notify}`
    return layer
  }

  /** Molecules past their timeout whose bead is not closed and whose overrun was not raised yet. */
  overdue(at: number): { molecule: MoleculeInstance; overSeconds: number }[] {
    const rows = this.d.db
      .prepare(
        `SELECT m.* FROM molecules m JOIN beads b ON b.id = m.bead_id
         WHERE m.timeout_s IS NOT NULL AND m.timeout_raised_at IS NULL AND b.status != 'closed'`
      )
      .all() as MoleculeRow[]
    return rows
      .filter((r) => at - Date.parse(r.poured_at) > r.timeout_s! * 1000)
      .map((r) => ({ molecule: this.toInstance(r), overSeconds: Math.round((at - Date.parse(r.poured_at)) / 1000 - r.timeout_s!) }))
  }

  /** The overrun was raised: once per molecule. */
  markTimeoutRaised(id: string, at: string): void {
    this.d.db.prepare('UPDATE molecules SET timeout_raised_at = ? WHERE id = ?').run(at, id)
  }

  private rowForBead(beadId: string): MoleculeRow | null {
    const row = this.d.db
      .prepare('SELECT * FROM molecules WHERE bead_id = ? OR id = (SELECT molecule_id FROM molecule_steps WHERE bead_id = ?)')
      .get(beadId, beadId) as MoleculeRow | undefined
    return row ?? null
  }

  private toInstance(row: MoleculeRow): MoleculeInstance {
    const rows = this.d.db
      .prepare(
        `SELECT s.step_id, s.position, s.bead_id, s.needs, s.acceptance, b.title, b.description, b.status, b.close_reason, b.closed_at
         FROM molecule_steps s JOIN beads b ON b.id = s.bead_id WHERE s.molecule_id = ? ORDER BY s.position`
      )
      .all(row.id) as StepRow[]
    const closed = new Set(rows.filter((r) => r.status === 'closed').map((r) => r.step_id))
    let current: string | null = null
    const steps: MoleculeStep[] = rows.map((r) => {
      const needs = JSON.parse(r.needs) as string[]
      const ready = needs.every((n) => closed.has(n))
      let state: MoleculeStep['state'] = closed.has(r.step_id) ? 'done' : ready ? 'ready' : 'waiting'
      if (state === 'ready' && current === null) {
        current = r.step_id
        state = 'current'
      }
      return {
        id: r.step_id,
        beadId: r.bead_id,
        title: r.title,
        description: r.description,
        acceptance: r.acceptance,
        needs,
        state,
        summary: r.status === 'closed' ? r.close_reason : null,
        closedAt: r.closed_at
      }
    })
    const timeout = row.timeout_s === null ? null : { text: row.timeout_text ?? `${row.timeout_s}s`, seconds: row.timeout_s }
    return {
      id: row.id,
      name: row.name,
      beadId: row.bead_id,
      origin: row.origin,
      rig: row.rig,
      sourceFile: row.source_file,
      description: row.description,
      vars: JSON.parse(row.vars),
      timeout,
      deadline: timeout ? new Date(Date.parse(row.poured_at) + timeout.seconds * 1000).toISOString() : null,
      convoy: row.convoy_mode !== null || row.bundle_size !== null ? { mode: row.convoy_mode, bundleSize: row.bundle_size } : null,
      hooks: row.hooks ? JSON.parse(row.hooks) : null,
      escalation: JSON.parse(row.escalation),
      pouredAt: row.poured_at,
      pouredBy: row.poured_by,
      steps,
      current,
      done: closed.size
    }
  }
}
