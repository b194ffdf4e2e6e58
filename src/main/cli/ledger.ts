// gt's ledger commands: `gt bead import`, `gt bead export` (through the running control room, or on the
// town's ledger directly when none runs), `gt town restore` (never with a control room: it builds a new
// town) and `gt town config` (the ledger settings in settings.json). gt.ts hands each its arguments and a
// context: how to call the control room, how to tell that none answers, where to write.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { safeJson, safeLine, safeText } from '../../shared/safe-text'
import type { ExportedFile, ImportReport } from '../core/ledger-sync/import-beads'
import { exportOffline, importOffline, readImportFiles } from '../core/ledger-sync/offline'
import { restoreTown, type RestoreReport } from '../core/ledger-sync/restore'
import { readLedgerSettingRows, writeLedgerSetting, type LedgerSettingRow } from '../core/ledger-sync/ledger-settings'

export interface LedgerCliContext {
  town: string
  /** A call to the running control room (POST /rpc); throws what `isNotRunning` recognises when none answers. */
  call: <T>(method: string, params: unknown) => Promise<T>
  isNotRunning: (err: unknown) => boolean
  /** A usage error (gt prints usage and exits 2). */
  usage: (message: string) => Error
  stdout: (text: string) => void
  stderr: (text: string) => void
}

// Option values are read by name below and checked where they are used (the core's schemas, restore's own).
type Parsed = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>, ctx: LedgerCliContext): Parsed {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' }, town: { type: 'string' } }, allowPositionals: true, strict: true }) as Parsed
  } catch (err) {
    throw ctx.usage((err as Error).message)
  }
}

const line = (s: string): string => (s.endsWith('\n') ? s : s + '\n')
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** `gt bead import FILE|DIR… [--dry-run]`: Beads JSONL into the town's ledger, all or nothing. */
export async function beadImportCommand(args: string[], ctx: LedgerCliContext): Promise<ImportReport> {
  const a = parse(args, { 'dry-run': { type: 'boolean' } }, ctx)
  if (!a.positionals.length) throw ctx.usage('gt bead import FILE|DIR… [--dry-run]: name the Beads files (or a backup folder) to import')
  const paths = a.positionals.map((p) => resolve(p))
  const dryRun = !!a.values['dry-run']
  let report: ImportReport
  try {
    report = await ctx.call<ImportReport>('beads.import', { paths, dryRun })
  } catch (err) {
    if (!ctx.isNotRunning(err)) throw err
    report = importOffline(ctx.town, readImportFiles(paths), dryRun)
  }
  ctx.stdout(a.values.json ? line(safeJson(report, 2)) : line(safeText(formatImportReport(report))))
  return report
}

export function formatImportReport(r: ImportReport): string {
  const b = r.beads
  const out = [
    `${r.dryRun ? 'Dry run, nothing written: would import' : 'Imported'} ${plural(b.created, 'new bead')}, ${plural(b.updated, 'bead')} updated, ${b.unchanged} unchanged` +
      `; ${plural(r.labels.added, 'label')}, ${plural(r.dependencies.added, 'dependency', 'dependencies')}, ${plural(r.events.added, 'event')} of history` +
      (r.events.duplicates ? ` (${r.events.duplicates} already in the ledger)` : '')
  ]
  if (r.dependencies.external) out.push(`${plural(r.dependencies.external, 'dependency', 'dependencies')} on beads not in this town, kept as external references (they hold nothing back)`)
  for (const c of b.conflicts.slice(0, 20)) out.push(`conflict: ${safeLine(c.id)} (${safeLine(c.file)}:${c.line}): ${safeLine(c.why)}`)
  if (b.conflicts.length > 20) out.push(`… and ${b.conflicts.length - 20} more conflicts`)
  if (r.skipped.length) {
    out.push(`${plural(r.skipped.length, 'record')} skipped: labels and dependencies of beads that are neither in the files nor in the ledger:`)
    for (const s of r.skipped.slice(0, 10)) out.push(`  ${safeLine(s.file)}:${s.line}: ${s.kind} of ${safeLine(s.issueId)}`)
    if (r.skipped.length > 10) out.push(`  … and ${r.skipped.length - 10} more`)
  }
  for (const i of r.ignored) out.push(`${safeLine(i.file)}: not imported: ${i.why}`)
  return out.join('\n')
}

/** `gt bead export [--rig R] [--out FILE|DIR/]`: one `bd export` file (stdout by default), or a backup folder. */
export async function beadExportCommand(args: string[], ctx: LedgerCliContext): Promise<ExportedFile[]> {
  const a = parse(args, { rig: { type: 'string' }, out: { type: 'string' } }, ctx)
  if (a.positionals.length) throw ctx.usage(`gt bead export takes no ${JSON.stringify(a.positionals[0])}: gt bead export [--rig R] [--out FILE|DIR/]`)
  const out = a.values.out as string | undefined
  const rig = a.values.rig as string | undefined
  const layout = out && (out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory())) ? 'backup' : 'file'
  let files: ExportedFile[]
  try {
    files = (await ctx.call<{ files: ExportedFile[] }>('beads.export', { rig, layout })).files
  } catch (err) {
    if (!ctx.isNotRunning(err)) throw err
    files = exportOffline(ctx.town, { rig, layout })
  }
  if (!out) {
    // JSONL for a pipe or a terminal: the same \u escapes --json uses for what a terminal would act on.
    for (const f of files) for (const l of f.text.split('\n').filter(Boolean)) ctx.stdout(line(safeJson(JSON.parse(l))))
    return files
  }
  const written: string[] = []
  if (layout === 'backup') {
    mkdirSync(out, { recursive: true })
    for (const f of files) {
      writeFileSync(join(out, f.name), f.text)
      written.push(join(out, f.name))
    }
  } else {
    writeFileSync(out, files[0].text)
    written.push(out)
  }
  const beads = files[0].text.split('\n').filter(Boolean).length
  if (a.values.json) ctx.stdout(line(safeJson({ files: written, beads }, 2)))
  else ctx.stdout(line(safeText(`Exported ${plural(beads, 'bead')}${rig ? ` (rig ${rig}, the beads of no rig, and what they depend on)` : ''} to ${written.join(', ')}`)))
  return files
}

/** `gt town restore --from REMOTE… [--branch B] [--source RIG=URL…]`: a new town in --town DIR from ledger branches alone. */
export async function townRestoreCommand(args: string[], ctx: LedgerCliContext): Promise<RestoreReport> {
  const a = parse(args, { from: { type: 'string', multiple: true }, branch: { type: 'string' }, source: { type: 'string', multiple: true } }, ctx)
  const remotes = [...((a.values.from as string[] | undefined) ?? []), ...a.positionals]
  if (!remotes.length) throw ctx.usage('gt town restore --from REMOTE [--from REMOTE…] [--town DIR]: name the remotes that hold the ledger branch (each rig\'s origin, or the town\'s ledger remote)')
  const sources: Record<string, string> = {}
  for (const spec of (a.values.source as string[] | undefined) ?? []) {
    const i = spec.indexOf('=')
    if (i <= 0 || i === spec.length - 1) throw ctx.usage(`--source takes RIG=URL (where to clone that rig from now), not ${JSON.stringify(spec)}`)
    sources[spec.slice(0, i)] = spec.slice(i + 1)
  }
  const report = await restoreTown({ town: ctx.town, remotes, branch: a.values.branch as string | undefined, sources, progress: (m) => ctx.stderr(line(safeLine(m))) })
  ctx.stdout(a.values.json ? line(safeJson(report, 2)) : line(safeText(formatRestoreReport(report))))
  return report
}

export function formatRestoreReport(r: RestoreReport): string {
  const c = r.counts
  const out = [
    `Restored the town ${r.town} from ${plural(r.remotes.filter((x) => x.status === 'restored').length, 'ledger branch', 'ledger branches')} (${r.branch}):`,
    `  ${plural(c.rigs, 'rig')}, ${plural(c.beads, 'bead')}, ${plural(c.dependencies, 'dependency', 'dependencies')}, ${plural(c.labels, 'label')}, ${plural(c.events, 'event')} of history,`,
    `  ${plural(c.checkpoints, 'checkpoint')}, ${plural(c.polecats, 'polecat')}, ${plural(c.sessions, 'session')}, ${plural(c.permissionRules, 'permission rule')},`,
    `  ${plural(c.convoys, 'convoy')}, ${plural(c.molecules, 'poured molecule')}, ${plural(c.mergeRequests, 'merge request')}, ${plural(c.reviewComments, 'review comment')}`
  ]
  for (const x of r.remotes) out.push(`  ${safeLine(x.remote)}: ${x.status === 'restored' ? `${x.scope} at ${x.commit?.slice(0, 10)}` : `NOT restored: ${safeLine(x.message ?? x.status)}`}`)
  if (r.externalDependencies) out.push(`  ${plural(r.externalDependencies, 'dependency', 'dependencies')} point at beads no branch had (kept as external references)`)
  for (const rig of r.rigs) {
    out.push(`  rig ${safeLine(rig.rig)}: ${rig.cloned ? `cloned from ${safeLine(rig.source)}` : safeLine(rig.error ?? 'not cloned')}`)
    for (const w of rig.worktrees) out.push(`    ${safeLine(w.polecat)} on ${safeLine(w.branch)}: ${w.error ? safeLine(w.error) : w.fromRemote ? 'its pushed branch' : 'a new branch from the base (its work was never pushed)'}`)
  }
  out.push(`Start the control room on it (gt serve --town ${r.town}, or the desktop app): it resumes the unfinished work.`)
  return out.join('\n')
}


/**
 * `gt town config [KEY VALUE | KEY --unset]`: the town's ledger settings in settings.json. Works with or
 * without a control room: a running one reads the file again before its next ledger commit.
 */
export function townConfigCommand(args: string[], ctx: LedgerCliContext): LedgerSettingRow[] {
  const a = parse(args, { unset: { type: 'boolean' } }, ctx)
  const [key, ...value] = a.positionals
  let rows: LedgerSettingRow[]
  try {
    if (key === undefined) rows = readLedgerSettingRows(ctx.town)
    else {
      if (!a.values.unset && !value.length) throw ctx.usage(`give a value for ${key} (or --unset to go back to its default)`)
      if (a.values.unset && value.length) throw ctx.usage(`--unset takes no value: gt town config ${key} --unset`)
      rows = writeLedgerSetting(ctx.town, key, a.values.unset ? null : value.join(' '))
    }
  } catch (err) {
    if (err instanceof Error && /is not a town setting/.test(err.message)) throw ctx.usage(err.message)
    throw err
  }
  const shown = key === undefined ? rows : rows.filter((r) => r.key === key)
  if (a.values.json) ctx.stdout(line(safeJson(shown, 2)))
  else {
    const table = [['KEY', 'VALUE', '', 'MEANING'], ...shown.map((r) => [r.key, r.value === null ? '(none)' : safeLine(String(r.value)), r.isSet ? 'set' : 'default', r.help])]
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
    ctx.stdout(line(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')))
    if (key !== undefined) ctx.stdout(line(`Saved in ${join(ctx.town, 'settings.json')}; a running control room uses it from its next ledger commit.`))
  }
  return shown
}
