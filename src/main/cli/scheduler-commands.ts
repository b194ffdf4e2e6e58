// gt scheduler: how many agents may be alive at once (town-wide and per rig), what waits for room and why,
// and holding or releasing the queue. Bead titles are written by people and agents: printed through safe-text.
import type { SchedulerStatus } from '../../shared/scheduler'
import { safeJson, safeLine, safeText } from '../../shared/safe-text'
import type { CliKit } from './diff-commands'

export const SCHEDULER_HELP = `  gt scheduler status [--json]                agents alive per rig and town, the limits, and the queue in order
                                              (priority, then the older bead) with why each start waits
  gt scheduler limit [RIG] N | [RIG] --unset  at most N agents alive at once in the town (or in RIG); --unset:
                                              back to the default (town: from the machine; rig: the town's limit)
  gt scheduler pause [--reason R] | resume    hold the queue (running agents go on, nothing new starts) / let it go`

const write = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n')
const out = (s: string): void => write(safeText(s))
const json = (v: unknown): void => write(safeJson(v, 2))
const L = safeLine

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

const used = (x: { running: number; starting: number; limit: number }): string => `${x.running + x.starting}/${x.limit}${x.starting ? ` (${x.starting} starting)` : ''}`

export function statusText(s: SchedulerStatus): string {
  const lines: string[] = []
  if (s.dispatchPaused) lines.push(`Dispatch is PAUSED: ${L(s.dispatchPaused)} (gt town resume)`)
  if (s.paused) lines.push(`The scheduler is PAUSED: ${L(s.paused)} (gt scheduler resume)`)
  lines.push(`Town: ${used(s.town)} agents alive (limit ${s.town.source === 'set' ? 'set' : `default for ${s.machine.cores} cores, ${s.machine.memoryGiB} GiB: ${s.machine.formula}`})`)
  if (s.rigs.length) {
    const condition = (r: SchedulerStatus['rigs'][number]) =>
      [r.parked ? `PARKED: ${L(r.parked.why)}` : '', r.failing ? `failing: ${L(r.failing)}` : '', r.stuck ? `stuck: ${L(r.stuck)}` : ''].filter(Boolean).join('; ') || 'open'
    lines.push(
      '',
      table([
        ['RIG', 'ALIVE', 'LIMIT', 'TWINS', 'CONDITION'],
        ...s.rigs.map((r) => [L(r.rig), String(r.running + r.starting) + (r.starting ? ` (${r.starting} starting)` : ''), `${r.limit}${r.source === 'set' ? '' : ' (default)'}`, r.twins.map(L).join(',') || '-', condition(r)])
      ])
    )
    if (s.rigs.some((r) => r.twins.length)) lines.push('(twins: rigs on the same source repository; queued work moves between them when one is full, parked, stuck or failing)')
  }
  if (s.slots.length) {
    lines.push(
      '',
      table([
        ['SLOT', 'BEAD', 'RIG', 'STATE', 'POLECAT', 'SINCE'],
        ...s.slots.map((x) => [x.id, L(x.beadId), L(x.rig) + (x.routedFrom ? ` (from ${L(x.routedFrom.rig)})` : ''), x.state, L(x.polecatId ?? '-'), x.since])
      ])
    )
  }
  lines.push('')
  if (!s.queue.length) lines.push('(nothing waits to start)')
  else {
    lines.push(`Queue (${s.queue.length}):`)
    lines.push(table([['#', 'BEAD', 'RIG', 'P', 'KIND', 'TITLE', 'WAITS FOR'], ...s.queue.map((q) => [String(q.position), L(q.beadId), L(q.rig), `P${q.priority}`, q.kind, L(q.title).slice(0, 40), L(q.wait.why)])]))
  }
  return lines.join('\n')
}

export async function runScheduler(sub: string | undefined, rest: string[], kit: CliKit): Promise<void> {
  if (sub === undefined || sub === 'status') {
    const a = kit.parse(rest, {})
    const s = await kit.call<SchedulerStatus>('scheduler.status', {})
    return a.values.json ? json(s) : out(statusText(s))
  }
  if (sub === 'limit') {
    const a = kit.parse(rest, { unset: { type: 'boolean' } })
    const args = a.positionals
    let rig: string | undefined
    let limit: number | null
    if (a.values.unset) {
      if (args.length > 1) throw kit.usage('gt scheduler limit [RIG] --unset')
      rig = args[0]
      limit = null
    } else {
      if (args.length < 1 || args.length > 2) throw kit.usage('gt scheduler limit [RIG] N (or [RIG] --unset)')
      rig = args.length === 2 ? args[0] : undefined
      const n = args[args.length - 1]
      if (!/^\d+$/.test(n)) throw kit.usage(`the limit "${n}" is not a whole number of agents`)
      limit = Number(n)
    }
    const s = await kit.call<SchedulerStatus>('scheduler.limit', { rig, limit })
    if (a.values.json) return json(s)
    const now = rig ? s.rigs.find((r) => r.rig === rig) : s.town
    return out(`${rig ? `Rig ${L(rig)}` : 'The town'}: at most ${now?.limit ?? '?'} agents alive at once${now?.source === 'default' ? ' (the default)' : ''}.`)
  }
  if (sub === 'pause') {
    const a = kit.parse(rest, { reason: { type: 'string' } })
    const r = await kit.call<{ paused: boolean; status: SchedulerStatus }>('scheduler.pause', { reason: a.values.reason })
    if (a.values.json) return json(r)
    return out(r.paused ? `The scheduler is paused: running agents go on, nothing new starts (${r.status.queue.length} waiting). gt scheduler resume lets the queue go.` : `The scheduler was already paused: ${L(r.status.paused ?? '')}`)
  }
  if (sub === 'resume') {
    const a = kit.parse(rest, {})
    const r = await kit.call<{ resumed: boolean; status: SchedulerStatus }>('scheduler.resume', {})
    if (a.values.json) return json(r)
    return out(r.resumed ? `The scheduler runs again (${r.status.queue.length} still waiting for room).` : 'The scheduler was not paused.')
  }
  throw kit.usage('gt scheduler status|limit|pause|resume')
}
