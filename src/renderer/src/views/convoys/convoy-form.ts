// The pure parts of the board's forms: which beads can go into a convoy, the molecules to choose from, the
// variables a molecule asks for, the multi-select's moves, and the convoys.create call a filled form makes.
// No React and no transport here, so every rule is tested on its own (test/renderer/convoy-form.test.ts).
import type { Bead, BeadType, ConvoyMode, ConvoyStatus, MoleculeEntry, MoleculeTemplate, MoleculeVar } from '../../../../shared/domain'
import type { ParamsIn } from '../../../../shared/contract'

// Gas Town's bookkeeping types are not work a polecat does: the core refuses them in a convoy (convoys.ts).
const NOT_WORK = new Set<BeadType>(['merge-request', 'escalation', 'convoy', 'molecule', 'agent'])
/** The variables the core fills for each bead itself (molecules/variables.ts BUILTIN_VARS): never asked for. */
export const BUILTIN_VAR_NAMES: readonly string[] = ['bead', 'bead_title', 'rig']
/** A molecule's steps are child beads labelled so (molecules.ts): they are walked by their parent's polecat. */
const STEP_LABEL = 'molecule-step'
/** States in which a convoy's bead may be offered again with convoys.add (the core re-slings them). */
const OFFER_AGAIN = new Set<ConvoyStatus['beads'][number]['state']>(['skipped', 'held', 'stopped', 'blocked'])

export interface BeadQuery {
  /** Matched against id, title and labels, case-insensitive. */
  text: string
  /** '' for every rig. */
  rig: string
}

/**
 * The beads the picker offers: open work with a rig, not a molecule's step, and in no open convoy — or, when
 * adding to `into`, one of its own beads that stalled (skipped, held, stopped, blocked) and can be offered
 * again. Sorted by rig, then priority, then oldest first (the order the scheduler would take them).
 */
export function candidateBeads(beads: readonly Bead[], convoys: readonly ConvoyStatus[], into: ConvoyStatus | null = null): Bead[] {
  const inOpenConvoy = new Set<string>()
  for (const c of convoys) if (c.state === 'open' && c.id !== into?.id) for (const b of c.beads) inOpenConvoy.add(b.id)
  const own = new Map((into?.beads ?? []).map((b) => [b.id, b.state]))
  return beads
    .filter((b) => {
      if (b.status === 'closed' || !b.rig || NOT_WORK.has(b.type) || b.labels.includes(STEP_LABEL)) return false
      if (inOpenConvoy.has(b.id)) return false
      const state = own.get(b.id)
      return state === undefined || OFFER_AGAIN.has(state)
    })
    .sort((a, b) => (a.rig ?? '').localeCompare(b.rig ?? '') || a.priority - b.priority || a.createdAt.localeCompare(b.createdAt))
}

export function filterCandidates(beads: readonly Bead[], q: BeadQuery): Bead[] {
  const words = q.text.trim().toLowerCase().split(/\s+/).filter(Boolean)
  return beads.filter((b) => {
    if (q.rig && b.rig !== q.rig) return false
    const hay = `${b.id} ${b.title} ${b.labels.join(' ')}`.toLowerCase()
    return words.every((w) => hay.includes(w))
  })
}

/** One usable template per name (a broken file cannot be poured), the town-wide one first; sorted by name. */
export function moleculeChoices(entries: readonly MoleculeEntry[]): MoleculeEntry[] {
  const byName = new Map<string, MoleculeEntry>()
  for (const e of entries) {
    if (e.error) continue
    const have = byName.get(e.name)
    // The one that wins town-wide (not overridden, not a single rig's) is what most beads will get.
    const rank = (x: MoleculeEntry) => (x.overriddenBy ? 2 : 0) + (x.rig ? 1 : 0)
    if (!have || rank(e) < rank(have)) byName.set(e.name, e)
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** The variables the form asks for: the template's own, without those the core fills per bead. */
export function askedVars(template: Pick<MoleculeTemplate, 'vars'> | null): MoleculeVar[] {
  return (template?.vars ?? []).filter((v) => !BUILTIN_VAR_NAMES.includes(v.name))
}

/** Required variables with neither a value typed nor a default: the core would refuse the pour. */
export function missingVars(template: Pick<MoleculeTemplate, 'vars'> | null, values: Readonly<Record<string, string>>): string[] {
  return askedVars(template)
    .filter((v) => v.required && v.default === null && !(values[v.name] ?? '').trim())
    .map((v) => v.name)
}

export interface NewConvoyForm {
  title: string
  molecule: string
  template: Pick<MoleculeTemplate, 'name' | 'vars'> | null
  vars: Record<string, string>
  /** '' follows the molecule's (else mountain). */
  mode: '' | ConvoyMode
  runtime: string
  agentCmd: string
  beads: string[]
}

/**
 * The convoys.create call the form makes, or what is missing in words. Only variables typed are sent (the
 * core applies the defaults); a custom command wins over the runtime, as in Sling.
 */
export function createParams(f: NewConvoyForm): { params: ParamsIn<'convoys.create'> } | { problem: string } {
  const title = f.title.trim()
  // In the form's order, top to bottom, so the first thing said is the first thing to fill.
  if (!title) return { problem: 'Give the convoy a title.' }
  if (f.molecule && f.template?.name !== f.molecule) return { problem: `Molecule ${f.molecule} is still loading.` }
  const missing = missingVars(f.molecule ? f.template : null, f.vars)
  if (missing.length) return { problem: `${f.molecule} needs ${missing.map((n) => `"${n}"`).join(', ')}.` }
  const vars: Record<string, string> = {}
  if (f.molecule) for (const v of askedVars(f.template)) if ((f.vars[v.name] ?? '').trim()) vars[v.name] = f.vars[v.name]!
  const cmd = f.agentCmd.trim()
  if (f.runtime === 'custom' && !cmd) return { problem: 'Type the command the custom runtime runs.' }
  if (f.beads.length === 0) return { problem: 'Pick at least one bead.' }
  return {
    params: {
      title,
      beads: [...f.beads],
      ...(f.molecule ? { molecule: f.molecule, vars } : {}),
      ...(f.mode ? { mode: f.mode } : {}),
      ...(cmd ? { agentCmd: cmd } : f.runtime ? { agent: f.runtime } : {})
    }
  }
}

// ---- the multi-select: a cursor over the shown beads, a selected set, an anchor for ranges ----

export interface PickState {
  cursor: string | null
  anchor: string | null
  selected: string[]
}

export const emptyPick: PickState = { cursor: null, anchor: null, selected: [] }

/** Space or a click: the bead goes in or out; it becomes the cursor and the anchor of a later range. */
export function toggle(s: PickState, id: string): PickState {
  const selected = s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id]
  return { cursor: id, anchor: id, selected }
}

/** Shift+click or Shift+arrow: every shown bead from the anchor to `id` is selected (added to what is). */
export function selectRange(s: PickState, shown: readonly string[], id: string): PickState {
  const from = s.anchor && shown.includes(s.anchor) ? shown.indexOf(s.anchor) : shown.indexOf(id)
  const to = shown.indexOf(id)
  if (to < 0) return s
  const [lo, hi] = from <= to ? [from, to] : [to, from]
  const range = shown.slice(lo, hi + 1)
  return { cursor: id, anchor: s.anchor ?? id, selected: [...s.selected, ...range.filter((x) => !s.selected.includes(x))] }
}

/** Arrow keys: the cursor moves through the shown beads (clamped); with `extend`, the range follows it. */
export function moveCursor(s: PickState, shown: readonly string[], delta: number, extend = false): PickState {
  if (shown.length === 0) return s
  const i = s.cursor ? shown.indexOf(s.cursor) : -1
  const next = shown[i < 0 ? (delta > 0 ? 0 : shown.length - 1) : Math.max(0, Math.min(shown.length - 1, i + delta))]!
  if (extend) return selectRange({ ...s, anchor: s.anchor ?? s.cursor ?? next }, shown, next)
  return { ...s, cursor: next }
}

/** Select every shown bead (what the filter leaves), or, when all of them are selected already, none of them. */
export function toggleAllShown(s: PickState, shown: readonly string[]): PickState {
  const all = shown.length > 0 && shown.every((id) => s.selected.includes(id))
  return { ...s, selected: all ? s.selected.filter((id) => !shown.includes(id)) : [...s.selected, ...shown.filter((id) => !s.selected.includes(id))] }
}

/** Selected beads that left the candidates (slung elsewhere, closed, put in another convoy) drop out. */
export function keepCandidates(s: PickState, candidates: readonly string[]): PickState {
  const kept = s.selected.filter((id) => candidates.includes(id))
  return kept.length === s.selected.length ? s : { ...s, selected: kept }
}
