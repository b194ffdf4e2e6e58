// gt convoy: a batch of beads dispatched in dependency waves and tracked to landing. Titles and reasons are
// written by people and agents: everything printed goes through safe-text.
import type { ConvoyStatus } from '../../shared/domain'
import { safeJson, safeLine, safeText } from '../../shared/safe-text'
import type { CliKit } from './diff-commands'

export const CONVOY_HELP = `  gt convoy create TITLE BEAD… [--molecule NAME [--var KEY=VALUE]…] [--mode mountain|gated] [--agent NAME | --agent-cmd CMD]
                                              a batch of beads (each runs in its own rig), slung in waves: a bead
                                              starts when everything it needs is closed (merged). mountain: each
                                              wave at once; gated: each wave waits in the inbox for your approval;
                                              the molecule is poured on each bead that has none
  gt convoy add ID BEAD…                      more beads (a landed convoy opens again; a bead already in it that
                                              was skipped, held or stopped is slung again)
  gt convoy status ID                         its waves, each bead's state, and why it has not landed
  gt convoy land ID [--force]                 land it now (--force: also with beads not closed, recorded as left out)
  gt convoy list [--all]                      open convoys with their progress (--all: landed ones too)`

const write = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n')
const out = (s: string): void => write(safeText(s))
const json = (v: unknown): void => write(safeJson(v, 2))
const L = safeLine

function progress(c: ConvoyStatus): string {
  const p = c.progress
  return `${p.landed}/${p.total} landed${p.skipped ? `, ${p.skipped} skipped` : ''}`
}

function summaryLine(c: ConvoyStatus): string {
  return `${L(c.id)}  ${c.state.padEnd(6)}  ${c.mode.padEnd(8)}  ${progress(c).padEnd(22)}  ${L(c.title)}`
}

function printStatus(c: ConvoyStatus): void {
  const lines = [
    `${L(c.id)}  ${L(c.title)}`,
    `  ${c.state}${c.landedAt ? ` at ${c.landedAt}` : ''} · ${c.mode} · ${progress(c)}${c.molecule ? ` · molecule ${L(c.molecule)}` : ''}${c.agentCmd ? ' · agent: a custom command' : c.agent ? ` · agent ${L(c.agent)}` : ''}`
  ]
  if (c.leftOut.length) lines.push(`  landed by force, leaving out ${c.leftOut.map(L).join(', ')}`)
  if (c.cycle) lines.push(`  dependency cycle: ${c.cycle.map(L).join(' → ')} — nothing in it can start`)
  if (c.approval) lines.push(`  wave ${c.approval.wave} waits for your approval: gt inbox approve ${L(c.approval.item)}`)
  const byId = new Map(c.beads.map((b) => [b.id, b]))
  c.waves.forEach((wave, i) => {
    lines.push(`  wave ${i + 1}:`)
    for (const id of wave) {
      const b = byId.get(id)!
      lines.push(`    ${L(b.id).padEnd(14)} ${b.state.padEnd(8)} ${L(b.rig ?? '-').padEnd(12)} ${L(b.title)}`)
      if (b.state !== 'landed') lines.push(`      ${L(b.detail)}`)
    }
  })
  if (!c.waves.length) for (const b of c.beads) lines.push(`    ${L(b.id).padEnd(14)} ${b.state.padEnd(8)} ${L(b.rig ?? '-').padEnd(12)} ${L(b.title)}\n      ${L(b.detail)}`)
  if (c.state === 'open') lines.push(c.notLanding.length ? `  not landing yet: ${c.notLanding.length} bead${c.notLanding.length === 1 ? '' : 's'} not closed` : '  every bead is closed: it lands now')
  out(lines.join('\n'))
}

/** --var KEY=VALUE, repeated; the core checks the names and values. */
function parseVars(specs: string[] | undefined, kit: CliKit): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const spec of specs ?? []) {
    const i = spec.indexOf('=')
    if (i <= 0) throw kit.usage(`--var takes KEY=VALUE, not ${JSON.stringify(spec)}`)
    vars[spec.slice(0, i)] = spec.slice(i + 1)
  }
  return vars
}

export async function runConvoy(sub: string | undefined, rest: string[], kit: CliKit): Promise<void> {
  const a = kit.parse(rest, { molecule: { type: 'string' }, var: { type: 'string', multiple: true }, mode: { type: 'string' }, agent: { type: 'string' }, 'agent-cmd': { type: 'string' }, force: { type: 'boolean' }, all: { type: 'boolean' } })
  const show = (c: ConvoyStatus) => (a.values.json ? json(c) : printStatus(c))
  const id = () => {
    if (!a.positionals[0]) throw kit.usage('missing ID (gt convoy list shows them)')
    return a.positionals[0]
  }
  if (sub === 'create') {
    const [title, ...beads] = a.positionals
    if (!title) throw kit.usage('missing TITLE')
    if (!beads.length) throw kit.usage('missing BEAD…: name the beads of the convoy')
    if (a.values.agent && a.values['agent-cmd']) throw kit.usage('give --agent or --agent-cmd, not both')
    return show(await kit.call<ConvoyStatus>('convoys.create', { title, beads, molecule: a.values.molecule, vars: parseVars(a.values.var as string[] | undefined, kit), mode: a.values.mode, agent: a.values.agent, agentCmd: a.values['agent-cmd'] }))
  }
  if (sub === 'add') {
    const beads = a.positionals.slice(1)
    if (!beads.length) throw kit.usage('missing BEAD…')
    return show(await kit.call<ConvoyStatus>('convoys.add', { id: id(), beads }))
  }
  if (sub === 'status' || sub === 'show') return show(await kit.call<ConvoyStatus>('convoys.status', { id: id() }))
  if (sub === 'land') return show(await kit.call<ConvoyStatus>('convoys.land', { id: id(), force: !!a.values.force }))
  if (sub === undefined || sub === 'list') {
    const list = await kit.call<ConvoyStatus[]>('convoys.list', { includeLanded: !!a.values.all })
    if (a.values.json) return json(list)
    return out(list.length ? list.map(summaryLine).join('\n') : a.values.all ? '(no convoys)' : '(no open convoys: gt convoy list --all shows landed ones)')
  }
  throw kit.usage('gt convoy create|add|status|land|list')
}
