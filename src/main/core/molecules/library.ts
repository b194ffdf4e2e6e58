// The template library: every *.toml in three folders, and which of them a name means.
//
//   <town>/rigs/<rig>/molecules/   a rig's own templates      wins over
//   <town>/molecules/              the town's                 wins over
//   resources/molecules/           the app's own (shipped)
//
// Files are read at each call (a handful of small files; an edit counts at once, no cache to go stale). A
// file that does not load is listed with its error, never hidden, and never hides the others; a name whose
// winning file is broken cannot be poured (the broken one was meant to win, so the next one is not used in
// its place).
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { CoreError } from '../../../shared/contract'
import type { MoleculeDetail, MoleculeEntry, MoleculeOrigin, MoleculeTemplate } from '../../../shared/domain'
import { parseTemplate, TemplateError } from './template'

/** resources/molecules of this build, found from the running file (built: out/main; tests: src/…). */
export function shippedMoleculesDir(): string {
  let dir = __dirname
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'molecules')
    if (existsSync(join(candidate, 'feature.toml'))) return candidate
    dir = dirname(dir)
  }
  throw new Error(`resources/molecules/feature.toml is not found above ${__dirname}: the app is incomplete`)
}

interface Loaded {
  entry: MoleculeEntry
  template: MoleculeTemplate | null
}

const stem = (file: string): string => basename(file).replace(/(\.formula)?\.toml$/i, '')
const RANK: Record<MoleculeOrigin, number> = { rig: 0, town: 1, shipped: 2 }
const originName = (e: { origin: MoleculeOrigin; rig: string | null }): string => (e.origin === 'rig' ? `rig ${e.rig}` : e.origin)

export class MoleculeLibrary {
  constructor(
    private town: string,
    private shippedDir: string = shippedMoleculesDir()
  ) {}

  townDir(): string {
    return join(this.town, 'molecules')
  }

  rigDir(rig: string): string {
    return join(this.town, 'rigs', rig, 'molecules')
  }

  /**
   * Every template file that applies: the shipped ones, the town's, and a rig's — of `rig` only, or of every
   * rig in `allRigs` when no rig is given — each with where it comes from and what overrides it.
   */
  list(rig: string | null, allRigs: string[] = []): MoleculeEntry[] {
    const loaded = [
      ...this.folder(this.shippedDir, 'shipped', null),
      ...this.folder(this.townDir(), 'town', null),
      ...(rig ? [rig] : allRigs).flatMap((r) => this.folder(this.rigDir(r), 'rig', r))
    ]
    for (const l of loaded) l.entry.overriddenBy = this.winnerOver(l, loaded, rig)
    return loaded.map((l) => l.entry).sort((a, b) => a.name.localeCompare(b.name) || RANK[a.origin] - RANK[b.origin] || (a.rig ?? '').localeCompare(b.rig ?? ''))
  }

  /** The template a name means for a bead of `rig` (null: a bead of no rig), with where it comes from. */
  resolve(name: string, rig: string | null): MoleculeDetail {
    const candidates = [...(rig ? this.folder(this.rigDir(rig), 'rig', rig) : []), ...this.folder(this.townDir(), 'town', null), ...this.folder(this.shippedDir, 'shipped', null)]
    const winner = candidates.find((l) => l.entry.name === name)
    if (!winner) {
      const names = [...new Set(candidates.filter((l) => l.template).map((l) => l.entry.name))].sort()
      throw new CoreError('not_found', `no molecule template "${name}"${rig ? ` for rig ${rig}` : ''}: the templates are ${names.join(', ') || '(none)'} (gt mol list)`)
    }
    if (!winner.template) {
      throw new CoreError('failed', `the molecule template "${name}" of ${originName(winner.entry)} does not load, so it cannot be poured: ${winner.entry.error}`)
    }
    return { ...winner.entry, template: winner.template }
  }

  /** Which file of the same name wins over this one, in the scope the list is for; null when this one is used. */
  private winnerOver(l: Loaded, all: Loaded[], rig: string | null): string | null {
    const rivals = all.filter((o) => o !== l && o.entry.name === l.entry.name && RANK[o.entry.origin] < RANK[l.entry.origin])
    // Listing every rig: a rig's template wins only for its own beads, so it overrides nothing town-wide.
    const winning = rivals.filter((o) => o.entry.origin !== 'rig' || rig !== null).sort((a, b) => RANK[a.entry.origin] - RANK[b.entry.origin])[0]
    return winning ? originName(winning.entry) : null
  }

  private folder(dir: string, origin: MoleculeOrigin, rig: string | null): Loaded[] {
    let files: string[]
    try {
      files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.toml')).sort()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return [] // no folder: no templates here
      // A folder that cannot be read is shown, not taken for an empty one.
      return [{ entry: { name: basename(dir), origin, rig, file: dir, error: `${dir}: the folder cannot be read: ${(err as Error).message}`, description: '', steps: 0, vars: [], warnings: [], overriddenBy: null }, template: null }]
    }
    const out: Loaded[] = []
    for (const f of files) {
      const file = join(dir, f)
      const base: MoleculeEntry = { name: stem(f), origin, rig, file, error: null, description: '', steps: 0, vars: [], warnings: [], overriddenBy: null }
      let template: MoleculeTemplate | null = null
      try {
        template = parseTemplate(readFileSync(file, 'utf8'), file)
      } catch (err) {
        if (!(err instanceof TemplateError)) {
          out.push({ entry: { ...base, error: `${file}: cannot be read: ${(err as Error).message}` }, template: null })
          continue
        }
        out.push({ entry: { ...base, error: err.message }, template: null })
        continue
      }
      const twin = out.find((o) => o.template && o.entry.name === template!.name)
      if (twin) {
        out.push({ entry: { ...base, name: template.name, error: `${file}: the name "${template.name}" is taken in this folder by ${basename(twin.entry.file)}: give one of them another name` }, template: null })
        continue
      }
      out.push({
        entry: { ...base, name: template.name, description: template.description, steps: template.steps.length, vars: template.vars.map((v) => v.name), warnings: template.warnings },
        template
      })
    }
    return out
  }
}
