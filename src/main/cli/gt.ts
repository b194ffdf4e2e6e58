// gt: the one command for humans and agents. Humans' commands reach the running control room of their
// town through <town>/endpoint.json; agents' commands carry the agent's own GT_TOKEN to GT_ENDPOINT.
// `gt serve` runs the control room itself, headless.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Bead, CheckRun, InboxItem, MergeQueueEntry, MergeRun, LedgerEvent, Mail, MoleculeAdvance, MoleculeDetail, MoleculeEntry, MoleculeInstance, MoleculeStep, PermissionRule, Polecat, PrimeContext, Rig, RigConfig, Session, SessionLogLine } from '../../shared/domain'
import type { BeadDetail, DoneResult, MayorStatus, SessionTranscript, TownCheck } from '../../shared/contract'
import type { SchedulerStatus } from '../../shared/scheduler'
import { resolveTown } from '../host/town-path'
import { readEndpoint } from '../core/endpoint/endpoint-file'
import { safeJson, safeLine, safeText } from '../../shared/safe-text'
import { primeText } from '../core/agents/prime-text'
import { DIFF_HELP, runDiff, runReview, type CliKit } from './diff-commands'
import { CONVOY_HELP, runConvoy } from './convoy-commands'
import { SCHEDULER_HELP, runScheduler } from './scheduler-commands'

class UsageError extends Error {}
/** Nothing answers for the town: some commands (gt town check) can do without a running control room. */
class NotRunningError extends Error {}

const HELP = `gt — Gas Town Control Room

Humans (talk to the running control room of the town: --town DIR, $GT_TOWN, or ~/gt):
  gt serve [--port N]                         run the control room headless on 127.0.0.1 and print its URL
  gt town drain                               save every agent's work (WIP commits, pushed), stop them, pause dispatch
  gt town resume                              resume dispatch after a mass death paused it (gt town status says why)
  gt town check                               full integrity check of the ledger (works without a running control room)
  gt town config [KEY VALUE | KEY --unset]    the ledger branch: ledger.remote (one URL for the whole town; default:
                                              each rig's origin), ledger.branch (gt/ledger), ledger.enabled,
                                              ledger.debounceSeconds (settings.json; a running control room follows)
  gt town restore --from REMOTE… [--town DIR] [--branch B] [--source RIG=URL]…
                                              build a new town from the ledger branches on the remotes alone
                                              (no control room needed; DIR must be empty or new)
  gt rig add NAME SOURCE                      add a repository (local path or git URL) as a rig
  gt rig list | gt rig remove NAME [--force]
  gt rig config RIG [KEY VALUE | KEY --unset]  the rig's check commands (build, test, coverage), witness
                                              limits, retries and escalation rules (gt rig config RIG lists them)
  gt rig park RIG [--reason R] | unpark RIG   nothing new starts in RIG (running agents go on); queued work goes
                                              to a twin rig (same source) or waits (gt scheduler status)
  gt rig permissions RIG                      which tools the rig's agents may use without asking
  gt rig permissions RIG set TOOL allow|ask|deny [--prefix 'npm test']   (a prefix: Bash commands only)
  gt rig permissions RIG remove RULE-ID
  gt bead create TITLE [-d TEXT] [-p 0-4] [--type T] [--rig R] [--label L]… [--blocked-by ID]… [--dep TYPE:ID]…
  gt bead list [--status S]… [--rig R] [--all] | gt bead show ID
  gt bead update ID [--title T] [-d TEXT] [--status S] [-p 0-4] [--assignee A] [--add-label L] [--remove-label L]
                 [--blocked-by ID]… [--add-dep TYPE:ID]… [--remove-dep TYPE:ID]…
  gt bead close ID [--reason TEXT]
  gt bead import FILE|DIR… [--dry-run]        Beads JSONL (a file, or a backup folder) into the ledger, all or nothing
  gt bead export [--rig R] [--out FILE|DIR/]  the ledger's beads as Beads JSONL (stdout: one bd export file;
                                              DIR/: the backup layout with the history)
  gt ready [--rig R]                          open, unblocked beads by priority
  gt sling BEAD RIG [--agent NAME | --agent-cmd 'COMMAND']   starts when the scheduler has room (it says why it waits)
${SCHEDULER_HELP}
  gt polecat list | gt polecat stop RIG/NAME
  gt mayor start [--agent NAME | --agent-cmd CMD] | stop | status
                                              the AI mayor: an agent you talk to in the Convoys view, whose
                                              GT_TOKEN allows only sling, beads, rigs/polecats/inbox lists, convoys, mail
  gt check RIG/NAME [--wait]                  run the rig's checks in the polecat's worktree now
  gt check list [--rig R] [--polecat RIG/NAME] | gt check show RUN
  gt mq list [--rig R] [--all]               the merge queue: waiting, testing, awaiting approval (--all: merged and sent back too)
  gt mq show ID                               one merge request: its state, failure, candidate runs, history
  gt mq add BRANCH… --rig R [--title T] [-p 0-4]  queue branches you made (each must be on the rig's origin)
  gt mq run RIG [--wait]                      process the rig's queue now (--wait: until it is idle)
  gt mq retry ID | gt mq reject ID [--reason R]
  gt session list [--bead ID] [--polecat RIG/NAME]
  gt session show ID [--raw]                  the transcript as text; --raw: the terminal's bytes exactly, to replay
  gt inbox [list] [--all]                     what needs you: permission requests, escalations, alarms (--all: closed too)
  gt inbox show ID                            one item whole: the exact command asked for, the agent's screen, the diff stat
  gt inbox approve ID [--always | --always-tool]   let that call run (--always: and, in this rig, commands
                                              starting the same way; --always-tool: every use of the tool)
  gt inbox deny ID [--reason R]               refuse it; the agent receives the reason
  gt inbox ack ID | gt inbox snooze ID --until TIME|30m|2h|1d | gt inbox reply ID TEXT
  gt mol list [--rig R]                       task templates (molecules): the app's, the town's (<town>/molecules),
                                              each rig's (<town>/rigs/RIG/molecules); a rig's wins, then the town's
  gt mol show NAME [--rig R]                  one template whole: variables, steps, needs, acceptance, timeout
  gt mol pour NAME BEAD [--var KEY=VALUE]…    make the template's steps child beads of BEAD (its agent walks them)
${DIFF_HELP}
${CONVOY_HELP}

Agents (from a polecat's terminal; GT_TOKEN identifies the agent):
  gt prime                                    your identity, hooked bead, checkpoint, mail, notes, past attempts
  gt checkpoint JSON|-                        save recovery data (JSON; - reads stdin)
  gt note TEXT                                record a decision or failure in the ledger
  gt mail send TO --subject S [--body B] | gt mail check
  gt escalate --severity P0|P1|P2 --title T [--body B]
  gt done [--summary S]                       push your branch, open a merge request, go idle
  gt mol current                              the current step of your bead's molecule: what to do, when it is done
  gt mol advance [--summary S]                close the current step, checkpoint, and get the next one

Every command takes --json for machine-readable output. Text that agents or people wrote is printed with
escape sequences removed and control characters shown as \\xNN (\\uNNNN for bidi controls).`

// ---- transport ----

interface Target {
  url: string
  token: string
  /** What to say when nothing answers at `url`. */
  notAnswering?: string
}

const notRunning = (town: string): string => `No control room is running for town ${town}. Start it with \`npm start\` (desktop) or \`gt serve --town ${town}\`.`

// No pid check: a pid says nothing once its process is gone (it may be reused, or a zombie). Whether a
// control room runs is whether it answers at the address it wrote.
function humanTarget(town: string): Target {
  // The AI mayor runs humans' commands on its own token, which the core limits to the mayor tools.
  if (process.env.GT_ROLE === 'mayor') return agentTarget()
  const info = readEndpoint(town)
  if (!info) throw new NotRunningError(notRunning(town))
  return { url: info.url, token: info.token, notAnswering: `${notRunning(town)} (${town}/endpoint.json is left from one that stopped.)` }
}

function agentTarget(): Target {
  const url = process.env.GT_ENDPOINT
  const token = process.env.GT_TOKEN
  if (!url || !token) throw new Error('This is an agent command: run it from a polecat terminal, where GT_ENDPOINT and GT_TOKEN are set.')
  return { url, token }
}

async function call<T>(target: Target, method: string, params: unknown, onProgress?: (m: string, pct: number | null) => void): Promise<T> {
  let res: Response
  try {
    res = await fetch(`${target.url}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, params })
    })
  } catch {
    if (target.notAnswering) throw new NotRunningError(target.notAnswering)
    throw new Error(`The control room at ${target.url} is not answering (was it stopped?).`)
  }
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (value) buffered += decoder.decode(value, { stream: true })
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      if (!line) continue
      const msg = JSON.parse(line) as { progress?: { message: string; percent: number | null }; result?: T; error?: { code: string; message: string } }
      if (msg.progress) onProgress?.(msg.progress.message, msg.progress.percent)
      else if (msg.error) throw new Error(msg.error.message)
      else if ('result' in msg) return msg.result as T
    }
    if (done) break
  }
  throw new Error('The control room closed the connection without an answer.')
}

// ---- output ----

// Everything printed as text goes through safeText, whatever it holds; one-line fields also go through
// safeLine where they are put together, so a title with a line break cannot forge the next row of a table.
const write = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n')
const out = (s: string): void => write(safeText(s))
const json = (v: unknown): void => write(safeJson(v, 2))
const L = safeLine

function table(rows: string[][]): string {
  if (rows.length === 0) return ''
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')
}

const beadLine = (b: Bead): string[] => [L(b.id), `P${b.priority}`, b.status, b.type, L(b.rig ?? '-'), L(b.assignee ?? '-'), L(b.title)]
const beadTable = (beads: Bead[]): string =>
  beads.length ? table([['ID', 'PRI', 'STATUS', 'TYPE', 'RIG', 'ASSIGNEE', 'TITLE'], ...beads.map(beadLine)]) : '(no beads)'

function printBead(d: BeadDetail): void {
  const b = d.bead
  out(`${L(b.id)}  ${L(b.title)}\n  status ${b.status} · P${b.priority} · ${b.type} · rig ${L(b.rig ?? '-')} · assignee ${L(b.assignee ?? '-')}`)
  if (b.labels.length) out(`  labels: ${b.labels.map(L).join(', ')}`)
  for (const dep of b.deps) out(`  ${dep.type} → ${L(dep.target)}`)
  if (b.closedAt) out(`  closed ${b.closedAt}: ${L(b.closeReason ?? '')}`)
  if (d.mergeRequests.length) out(`  ready for merge: ${d.mergeRequests.map((m) => `${L(m.id)} (${L(m.title)})`).join(', ')}`)
  if (b.description) out(`\n${b.description}`)
  if (d.sessions.length) out(`\nSessions:\n${sessionTable(d.sessions)}`)
  if (d.events.length) out(`\nLedger:\n${d.events.map(eventLine).join('\n')}`)
}

/** --until: an ISO time, or a duration from now (30m, 2h, 1d). */
function snoozeUntil(v: string): string {
  const m = /^(\d+)([mhd])$/.exec(v.trim())
  if (m) return new Date(Date.now() + Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']).toISOString()
  const t = new Date(v)
  if (Number.isNaN(t.getTime())) throw new UsageError(`--until takes an ISO time (2026-12-01T18:00:00Z) or a duration (30m, 2h, 1d), not "${v}"`)
  return t.toISOString()
}

const itemWhat = (i: InboxItem): string => (i.kind === 'permission' && i.tool ? `${i.tool.name}: ${toolSummary(i.tool)}` : i.title)
const toolSummary = (t: NonNullable<InboxItem['tool']>): string => {
  const cmd = (t.input as { command?: unknown } | null)?.command
  return typeof cmd === 'string' ? cmd : JSON.stringify(t.input)
}
const inboxTable = (list: InboxItem[]): string =>
  table([
    ['ID', 'SEV', 'KIND', 'STATUS', 'RIG', 'POLECAT', 'WHAT'],
    ...list.map((i) => [
      L(i.id),
      i.severity,
      i.kind,
      i.status + (i.snoozedUntil && i.status === 'open' && i.snoozedUntil > new Date().toISOString() ? ` (snoozed to ${i.snoozedUntil.slice(11, 16)})` : ''),
      L(i.rig ?? '-'),
      L(i.polecatId ?? '-'),
      L(itemWhat(i).slice(0, 120))
    ])
  ])

function printInboxItem(i: InboxItem): void {
  out(`${L(i.id)}  ${i.severity} ${i.kind} · ${i.status}${i.resolution ? ` (${L(i.resolution)})` : ''}`)
  out(`  ${L(i.title)}`)
  out(`  rig ${L(i.rig ?? '-')} · polecat ${L(i.polecatId ?? '-')} · bead ${L(i.beadId ?? '-')} · ${i.createdAt}`)
  if (i.tool) out(`\nTool ${L(i.tool.name)}:\n${(typeof (i.tool.input as { command?: unknown })?.command === 'string' ? String((i.tool.input as { command: string }).command) : JSON.stringify(i.tool.input, null, 2))}`)
  if (i.body) out(`\n${(i.body)}`)
  if (i.reason) out(`\nReason: ${(i.reason)}`)
  if (i.diffStat) out(`\nBranch diff:\n${(i.diffStat)}`)
  if (i.screen) out(`\nThe agent's screen:\n${(i.screen)}`)
}

function printCheckRun(r: CheckRun, asJson: boolean): void {
  if (asJson) return json(r)
  out(`${r.id}  ${L(r.polecatId ?? r.rig)} · ${r.trigger} · ${r.status}${r.severity ? ` ${r.severity}` : ''}${r.coverage !== null ? ` · coverage ${r.coverage}%` : ''}`)
  for (const reason of r.reasons) out(`  ${L(reason)}`)
  for (const c of r.checks) {
    out(`\n[${c.check}] $ ${L(c.command)}  → ${c.status}${c.exitCode !== null ? ` (exit ${c.exitCode})` : ''} in ${(c.durationMs / 1000).toFixed(1)} s`)
    if (c.status !== 'ok' && c.outputTail) out(c.outputTail.slice(-3000))
  }
}

const eventLine = (e: LedgerEvent): string => `  ${e.at}  ${L(e.actor).padEnd(14)} ${L(e.kind)}${e.data && typeof e.data === 'object' ? '  ' + safeJson(e.data) : ''}`
/** How long a request has been in the queue, or took: from queued to merged (or sent back). */
const took = (e: MergeQueueEntry): string => {
  const ms = (e.finishedAt ? Date.parse(e.finishedAt) : Date.now()) - Date.parse(e.enqueuedAt)
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`
}
const mqTable = (list: MergeQueueEntry[]): string =>
  table([['ID', 'RIG', 'BRANCH', 'PRI', 'STATE', 'TIME', 'WHY'], ...list.map((e) => [L(e.id), L(e.rig), L(e.branch), `P${e.priority}`, e.state.replace('_', ' '), took(e), L(e.failure?.message.slice(0, 80) ?? '')])])
const sessionTable = (s: Session[]): string =>
  s.length
    ? table([['SESSION', 'POLECAT', 'BEAD', 'STARTED', 'ENDED', 'REASON'], ...s.map((x) => [L(x.id), L(x.polecatId), L(x.beadId ?? '-'), x.startedAt, x.endedAt ?? 'running', L(x.endReason ?? '-')])])
    : '(no sessions)'

/**
 * A session's transcript. By default as text: the agent's output with its escape sequences removed and
 * control characters shown (a transcript replayed raw can redraw, retitle or clear the reader's own
 * terminal), with the human's input and the session's events between. `--raw` writes the recorded output
 * exactly as the agent's terminal received it and nothing else, to replay it in a terminal (or a file).
 */
function printTranscript(t: SessionTranscript, raw: boolean): void {
  const lines = t.lines as SessionLogLine[]
  if (raw) {
    for (const l of lines) if (l.kind === 'output') process.stdout.write(l.data)
    return
  }
  const s = t.session
  out(`session ${L(s.id)} · ${L(s.polecatId)} · bead ${L(s.beadId ?? '-')} · ${L(s.runtime)} · ${s.startedAt} → ${s.endedAt ?? 'running'} (${L(s.endReason ?? '-')})`)
  // Output is logged in chunks that may split an escape sequence: each run of output is cleaned as a whole.
  let output = ''
  const flush = () => {
    if (output) process.stdout.write(safeText(output))
    output = ''
  }
  for (const l of lines) {
    if (l.kind === 'output') {
      output += l.data
      continue
    }
    flush()
    if (l.kind === 'input') process.stdout.write(`\n[${l.t} human typed ${safeJson(l.data)}]\n`)
    else process.stdout.write(`\n[${L(l.t)} ${L(l.event)}${l.data ? ' ' + safeJson(l.data) : ''}]\n`)
  }
  flush()
  out('')
}

// ---- molecules ----

const fromWhere = (e: MoleculeEntry): string => (e.origin === 'rig' ? `rig ${L(e.rig ?? '')}` : e.origin) + (e.overriddenBy ? ` (overridden by ${L(e.overriddenBy)})` : '')

function moleculeTable(list: MoleculeEntry[]): string {
  if (list.length === 0) return '(no molecule templates)'
  const rows = list.map((e) => [
    L(e.name),
    fromWhere(e),
    e.error ? '-' : String(e.steps),
    e.error ? `BROKEN: ${L(e.error)}` : `${L(e.description.split('\n')[0]!.slice(0, 80))}${e.warnings.length ? ` (${e.warnings.length} warning${e.warnings.length === 1 ? '' : 's'}: gt mol show ${L(e.name)})` : ''}`
  ])
  return table([['NAME', 'FROM', 'STEPS', 'DESCRIPTION'], ...rows])
}

function printMoleculeTemplate(d: MoleculeDetail): void {
  const t = d.template
  out(`${L(t.name)}  from ${fromWhere(d)}: ${L(d.file)}${t.version !== null ? ` (version ${t.version})` : ''}`)
  if (t.description) out(`\n${t.description}`)
  const settings = [
    t.timeout ? `timeout ${L(t.timeout.text)}` : null,
    t.convoy ? `convoy ${t.convoy.mode ?? '(no mode)'}${t.convoy.bundleSize !== null ? `, bundle_size ${t.convoy.bundleSize}` : ''}` : null,
    t.hooks ? `hooks workspace ${L(t.hooks.workspace ?? '-')}, ledger ${L(t.hooks.ledger ?? '-')}` : null
  ].filter(Boolean)
  if (settings.length) out(`\n${settings.join(' · ')}`)
  const esc = Object.entries(t.escalation)
  if (esc.length) out(`Escalation (overrides the rig's for its beads): ${esc.map(([k, v]) => `${k} = ${L(String(v))}`).join(', ')}`)
  if (t.vars.length) {
    out('\nVariables:')
    for (const v of t.vars) out(`  ${L(v.name)}${v.required ? ' (required)' : v.default !== null ? ` (default ${safeJson(v.default)})` : ' (optional)'}${v.description ? ` — ${L(v.description)}` : ''}`)
  }
  out(`\nSteps${t.steps.length ? '' : ': none (pouring it sets the timeout, convoy and escalation of the bead)'}:`)
  t.steps.forEach((s, i) => {
    out(`  ${i + 1}. ${L(s.id)} — ${L(s.title)}${s.needs.length ? `  (needs ${s.needs.map(L).join(', ')})` : ''}`)
    if (s.acceptance) out(`     done when: ${L(s.acceptance)}`)
  })
  if (d.warnings.length) out(`\nWarnings:\n${d.warnings.map((w) => `  ${L(w)}`).join('\n')}`)
}

const stepHeading = (m: MoleculeInstance, s: MoleculeStep): string => `step ${m.steps.findIndex((x) => x.id === s.id) + 1} of ${m.steps.length}: ${L(s.id)} — ${L(s.title)}`

function printStep(m: MoleculeInstance, s: MoleculeStep): void {
  out(`Molecule ${L(m.name)} on ${L(m.beadId)} — ${stepHeading(m, s)}`)
  if (s.description) out(`\n${s.description}`)
  if (s.acceptance) out(`\nDone when: ${s.acceptance}`)
  if (s.needs.length) out(`\nAfter: ${s.needs.map(L).join(', ')} (done)`)
  out('\nWhen that holds: gt mol advance --summary "what you did"')
}

function printCurrent(m: MoleculeInstance): void {
  const s = m.steps.find((x) => x.id === m.current)
  if (s) return printStep(m, s)
  out(m.steps.length ? `Molecule ${L(m.name)} on ${L(m.beadId)}: all ${m.steps.length} steps are done. Finish with gt done --summary "…".` : `Molecule ${L(m.name)} on ${L(m.beadId)} has no steps: work from the bead's description.`)
}

function parseVars(specs: string[] | undefined): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const spec of specs ?? []) {
    const i = spec.indexOf('=')
    if (i <= 0) throw new UsageError(`--var takes KEY=VALUE (e.g. --var feature="login form"), not ${JSON.stringify(spec)}`)
    const key = spec.slice(0, i)
    if (Object.hasOwn(vars, key)) throw new UsageError(`--var ${key} is given twice`)
    vars[key] = spec.slice(i + 1)
  }
  return vars
}

// ---- commands ----

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- option values are checked by the core's schemas
type Parsed = { values: Record<string, any>; positionals: string[] }

function parse(args: string[], options: ParseArgsConfig['options']): Parsed {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' }, town: { type: 'string' } }, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`)
  return value
}

function parseDep(spec: string): { type: string; target: string } {
  const i = spec.indexOf(':')
  if (i <= 0) throw new UsageError(`--dep takes TYPE:ID (e.g. blocks:gt-abc12), not ${JSON.stringify(spec)}`)
  return { type: spec.slice(0, i), target: spec.slice(i + 1) }
}

// parseInt reads "1.5" as 1 and " 3x" as 3: a typo must not become a priority or a port.
function parsePriority(v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const m = /^[Pp]?([0-4])$/.exec(v)
  if (!m) throw new UsageError(`-p takes a priority from 0 (most urgent) to 4, or P0 to P4, not ${JSON.stringify(v)}`)
  return Number(m[1])
}

function parsePort(v: string | undefined): number {
  if (v === undefined) return 0
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`--port takes a TCP port from 0 (any free one) to 65535, not ${JSON.stringify(v)}`)
  return Number(v)
}

/** What the ledger commands (cli/ledger.ts) need of gt: the control room if one answers, and where to write. */
function ledgerContext(town: string): import('./ledger').LedgerCliContext {
  return {
    town,
    call: async (method, params) => call(humanTarget(town), method, params),
    isNotRunning: (err) => err instanceof NotRunningError,
    usage: (m) => new UsageError(m),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text)
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, sub, ...rest] = argv
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') return out(HELP)
  const town = resolveTown(argv, process.env)
  const human = () => humanTarget(town)

  switch (cmd) {
    case 'serve': {
      const a = parse(argv.slice(1), { port: { type: 'string' } })
      const { serve } = await import('./serve')
      return serve({ town, port: parsePort(a.values.port as string | undefined), outMain: __dirname })
    }
    case 'town': {
      if (sub === 'restore' || sub === 'config') {
        const { townRestoreCommand, townConfigCommand } = await import('./ledger')
        if (sub === 'config') return void townConfigCommand(rest, ledgerContext(town))
        return void (await townRestoreCommand(rest, ledgerContext(town)))
      }
      if (sub === 'check') {
        const a = parse(rest, {})
        let r: TownCheck
        try {
          r = await call<TownCheck>(human(), 'town.check', {})
        } catch (err) {
          if (!(err instanceof NotRunningError)) throw err
          // No control room: read the ledger directly, read-only (it changes nothing and takes no lock).
          const { checkDatabaseFile } = await import('../core/store/db-check')
          r = checkDatabaseFile(join(town, 'town.db'))
        }
        if (a.values.json) return json(r)
        out(r.ok ? `${r.file}: ok (integrity_check, ${r.ms} ms)` : `${r.file}: DAMAGED (integrity_check, ${r.ms} ms)\n${r.problems.map((p) => `  ${safeLine(p)}`).join('\n')}`)
        if (!r.ok) process.exitCode = 1
        return
      }
      if (sub === 'drain') {
        const a = parse(rest, {})
        const r = await call<{ stopped: string[]; committed: string[]; unpushed: string[] }>(human(), 'town.drain', {})
        if (a.values.json) return json(r)
        return out(
          `Drained: ${r.stopped.length} agent${r.stopped.length === 1 ? '' : 's'} stopped, ${r.committed.length} with work in progress committed` +
            (r.unpushed.length ? `; NOT pushed (see the inbox): ${r.unpushed.map(L).join(', ')}` : '; everything pushed') +
            '.\nDispatch is paused: gt town resume when you want agents again.'
        )
      }
      if (sub === 'resume' || sub === 'status') {
        const a = parse(rest, {})
        if (sub === 'resume') {
          const r = await call<{ resumed: boolean }>(human(), 'town.resume', {})
          return a.values.json ? json(r) : out(r.resumed ? 'Dispatch resumed: agents may be slung and restarted again.' : 'Dispatch was not paused.')
        }
        const st = await call<{ dispatchPaused: string | null }>(human(), 'town.status', {})
        return a.values.json ? json(st) : out(st.dispatchPaused ? `Dispatch is PAUSED: ${L(st.dispatchPaused)}\nResume with: gt town resume` : 'Dispatch runs.')
      }
      throw new UsageError('gt town check|status|drain|resume|config|restore')
    }
    case 'rig': {
      if (sub === 'add') {
        const a = parse(rest, {})
        const [name, source] = a.positionals
        // On a terminal the progress line updates in place; into a file or a pipe, each step is one plain line.
        const live = !a.values.json && process.stderr.isTTY
        let last = ''
        const rig = await call<Rig>(human(), 'rigs.add', { name: need(name, 'NAME'), source: need(source, 'SOURCE') }, (m, pct) => {
          if (a.values.json) return
          // The message carries git's own progress text, which a remote server writes.
          const line = live ? `${L(m)}${pct === null ? '' : ` ${pct}%`}` : L(m)
          if (line !== last) process.stderr.write(live ? `\r\x1b[K${line}` : `${line}\n`)
          last = line
        })
        if (live) process.stderr.write('\r\x1b[K')
        return a.values.json ? json(rig) : out(`Added rig ${L(rig.name)} (${L(rig.defaultBranch)}) from ${L(rig.source)}\n  clone: ${L(rig.path)}`)
      }
      if (sub === 'list') {
        const a = parse(rest, {})
        const rigs = await call<Rig[]>(human(), 'rigs.list', {})
        return a.values.json ? json(rigs) : out(rigs.length ? table([['RIG', 'BRANCH', 'SOURCE'], ...rigs.map((r) => [L(r.name), L(r.defaultBranch), L(r.source)])]) : '(no rigs: gt rig add NAME SOURCE)')
      }
      if (sub === 'remove') {
        const a = parse(rest, { force: { type: 'boolean' } })
        const r = await call<{ removed: string }>(human(), 'rigs.remove', { name: need(a.positionals[0], 'NAME'), force: !!a.values.force })
        return a.values.json ? json(r) : out(`Removed rig ${r.removed}`)
      }
      if (sub === 'config') {
        const a = parse(rest, { unset: { type: 'boolean' } })
        const [rig, key, ...value] = a.positionals
        need(rig, 'RIG')
        let c: RigConfig
        if (key === undefined) c = await call<RigConfig>(human(), 'rigs.config', { rig })
        else {
          if (!a.values.unset && value.length === 0) throw new UsageError(`give a value for ${key} (or --unset to go back to its default)`)
          c = await call<RigConfig>(human(), 'rigs.configure', { rig, key, value: a.values.unset ? null : value.join(' ') })
        }
        if (a.values.json) return json(c)
        const shown = key === undefined ? c.settings : c.settings.filter((s) => s.key === key)
        return out(table([['KEY', 'VALUE', '', 'MEANING'], ...shown.map((s) => [s.key, s.value === '' ? '(none)' : L(String(s.value)), s.isSet ? 'set' : 'default', s.help])]))
      }
      if (sub === 'park' || sub === 'unpark') {
        const a = parse(rest, sub === 'park' ? { reason: { type: 'string' } } : {})
        const rig = need(a.positionals[0], 'RIG')
        if (sub === 'park') {
          const r = await call<{ parked: boolean; status: SchedulerStatus }>(human(), 'scheduler.park', { rig, reason: a.values.reason as string | undefined })
          if (a.values.json) return json(r)
          const waiting = r.status.queue.filter((q) => q.rig === rig).length
          return out(r.parked ? `Rig ${L(rig)} is parked: running agents go on, nothing new starts in it${waiting ? ` (${waiting} waiting for it)` : ''}. gt rig unpark ${L(rig)} lets it take work again.` : `Rig ${L(rig)} was already parked: ${L(r.status.rigs.find((x) => x.rig === rig)?.parked?.why ?? '')}`)
        }
        const r = await call<{ unparked: boolean; status: SchedulerStatus }>(human(), 'scheduler.unpark', { rig })
        if (a.values.json) return json(r)
        return out(r.unparked ? `Rig ${L(rig)} takes work again.` : `Rig ${L(rig)} was not parked.`)
      }
      if (sub === 'permissions') {
        const a = parse(rest, { prefix: { type: 'string' } })
        const [rig, verb, ...args] = a.positionals
        need(rig, 'RIG')
        if (verb === 'set') {
          const [tool, action] = args
          const r = await call<PermissionRule>(human(), 'permissions.set', { rig, tool: need(tool, 'TOOL (e.g. Bash, Edit, Write)'), action: need(action, 'allow|ask|deny'), commandPrefix: a.values.prefix ?? null })
          return a.values.json ? json(r) : out(`${rig}: ${L(r.tool)}${r.commandPrefix ? ` ${L(r.commandPrefix)}…` : ''} → ${r.action} (${r.id})`)
        }
        if (verb === 'remove') {
          const r = await call<PermissionRule>(human(), 'permissions.remove', { id: need(args[0], 'RULE-ID') })
          return a.values.json ? json(r) : out(`Removed ${r.id}: ${L(r.tool)}${r.commandPrefix ? ` ${L(r.commandPrefix)}…` : ''} → ${r.action}`)
        }
        if (verb !== undefined) throw new UsageError('gt rig permissions RIG [set TOOL allow|ask|deny [--prefix P] | remove RULE-ID]')
        const rules = await call<PermissionRule[]>(human(), 'permissions.list', { rig })
        if (a.values.json) return json(rules)
        return out(
          rules.length
            ? table([['RULE', 'TOOL', 'COMMAND PREFIX', 'ACTION', 'BY'], ...rules.map((r) => [r.id, L(r.tool), L(r.commandPrefix ?? '(any)'), r.action, L(r.createdBy)])])
            : `(no rules in ${rig}: every tool call that needs permission comes to the inbox)`
        )
      }
      throw new UsageError('gt rig add|list|remove|config|park|unpark|permissions')
    }
    case 'bead': {
      if (sub === 'import' || sub === 'export') {
        const { beadImportCommand, beadExportCommand } = await import('./ledger')
        return void (await (sub === 'import' ? beadImportCommand : beadExportCommand)(rest, ledgerContext(town)))
      }
      if (sub === 'create') {
        const a = parse(rest, {
          title: { type: 'string' },
          description: { type: 'string', short: 'd' },
          priority: { type: 'string', short: 'p' },
          type: { type: 'string' },
          rig: { type: 'string' },
          label: { type: 'string', multiple: true },
          'blocked-by': { type: 'string', multiple: true },
          dep: { type: 'string', multiple: true }
        })
        const v = a.values as Record<string, string | string[] | undefined>
        const deps = [...((v['blocked-by'] as string[]) ?? []).map((t) => ({ type: 'blocks', target: t })), ...((v.dep as string[]) ?? []).map(parseDep)]
        const bead = await call<Bead>(human(), 'beads.create', {
          title: need((v.title as string) ?? a.positionals.join(' '), 'TITLE'),
          description: v.description,
          priority: parsePriority(v.priority as string),
          type: v.type,
          rig: v.rig,
          labels: v.label,
          deps
        })
        return a.values.json ? json(bead) : out(`Created ${bead.id}: ${L(bead.title)}`)
      }
      if (sub === 'list') {
        const a = parse(rest, { status: { type: 'string', multiple: true }, rig: { type: 'string' }, all: { type: 'boolean' }, type: { type: 'string' } })
        const beads = await call<Bead[]>(human(), 'beads.list', { status: a.values.status, rig: a.values.rig, type: a.values.type, includeClosed: !!a.values.all })
        return a.values.json ? json(beads) : out(beadTable(beads))
      }
      if (sub === 'show') {
        const a = parse(rest, {})
        const d = await call<BeadDetail>(human(), 'beads.show', { id: need(a.positionals[0], 'ID') })
        return a.values.json ? json(d) : printBead(d)
      }
      if (sub === 'update') {
        const a = parse(rest, {
          title: { type: 'string' },
          description: { type: 'string', short: 'd' },
          status: { type: 'string' },
          priority: { type: 'string', short: 'p' },
          type: { type: 'string' },
          assignee: { type: 'string' },
          'add-label': { type: 'string', multiple: true },
          'remove-label': { type: 'string', multiple: true },
          'blocked-by': { type: 'string', multiple: true },
          'add-dep': { type: 'string', multiple: true },
          'remove-dep': { type: 'string', multiple: true }
        })
        const v = a.values as Record<string, string | string[] | undefined>
        const addDeps = [...((v['blocked-by'] as string[]) ?? []).map((t) => ({ type: 'blocks', target: t })), ...((v['add-dep'] as string[]) ?? []).map(parseDep)]
        const removeDeps = ((v['remove-dep'] as string[]) ?? []).map(parseDep)
        const bead = await call<Bead>(human(), 'beads.update', {
          id: need(a.positionals[0], 'ID'),
          title: v.title,
          description: v.description,
          status: v.status,
          priority: parsePriority(v.priority as string),
          type: v.type,
          assignee: v.assignee,
          addLabels: v['add-label'],
          removeLabels: v['remove-label'],
          addDeps: addDeps.length ? addDeps : undefined,
          removeDeps: removeDeps.length ? removeDeps : undefined
        })
        return a.values.json ? json(bead) : out(`Updated ${bead.id}: ${bead.status} P${bead.priority} ${L(bead.title)}`)
      }
      if (sub === 'close') {
        const a = parse(rest, { reason: { type: 'string' } })
        const bead = await call<Bead>(human(), 'beads.close', { id: need(a.positionals[0], 'ID'), reason: a.values.reason })
        return a.values.json ? json(bead) : out(`Closed ${bead.id}: ${L(bead.closeReason ?? '')}`)
      }
      throw new UsageError('gt bead create|list|show|update|close|import|export')
    }
    case 'ready': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), { rig: { type: 'string' } })
      const beads = await call<Bead[]>(human(), 'beads.ready', { rig: a.values.rig })
      return a.values.json ? json(beads) : out(beadTable(beads))
    }
    case 'sling': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), { agent: { type: 'string' }, 'agent-cmd': { type: 'string' } })
      const [bead, rig] = a.positionals
      // With no room yet the call waits in the scheduler's queue, and says why on stderr.
      const pc = await call<Polecat>(human(), 'sling', { bead: need(bead, 'BEAD'), rig: need(rig, 'RIG'), agent: a.values.agent, agentCmd: a.values['agent-cmd'] }, (m) => {
        if (!a.values.json) process.stderr.write(`${L(m)}\n`)
      })
      return a.values.json ? json(pc) : out(`Slung ${L(bead)} to ${pc.id} on ${L(pc.branch ?? '-')} (${L(pc.runtime ?? '-')}, session ${pc.sessionId})\n  worktree: ${L(pc.worktree)}`)
    }
    case 'check': {
      const a = parse(rest, { wait: { type: 'boolean' }, rig: { type: 'string' }, polecat: { type: 'string' } })
      if (sub === 'list') {
        const runs = await call<CheckRun[]>(human(), 'checks.list', { rig: a.values.rig, polecat: a.values.polecat })
        return a.values.json ? json(runs) : out(runs.length ? table([['RUN', 'POLECAT', 'TRIGGER', 'STATUS', 'SEV', 'WHY'], ...runs.map((r) => [r.id, L(r.polecatId ?? '-'), r.trigger, r.status, r.severity ?? '-', L(r.reasons.join('; ').slice(0, 100))])]) : '(no check runs)')
      }
      if (sub === 'show') return printCheckRun(await call<CheckRun>(human(), 'checks.show', { id: need(a.positionals[0], 'RUN') }), !!a.values.json)
      let run = await call<CheckRun>(human(), 'checks.run', { polecat: need(sub, 'RIG/NAME') })
      if (!a.values.wait) return a.values.json ? json(run) : out(`Checks queued for ${L(sub!)} (${run.id}): gt check show ${run.id}`)
      while (['queued', 'running'].includes(run.status)) {
        await new Promise((r) => setTimeout(r, 300))
        run = await call<CheckRun>(human(), 'checks.show', { id: run.id })
      }
      printCheckRun(run, !!a.values.json)
      if (run.status !== 'passed') process.exitCode = 1
      return
    }
    case 'mq': {
      const a = parse(rest, { rig: { type: 'string' }, all: { type: 'boolean' }, title: { type: 'string' }, p: { type: 'string', short: 'p' }, wait: { type: 'boolean' }, reason: { type: 'string' } })
      const one = (verb: string) => (e: MergeQueueEntry) => (a.values.json ? json(e) : out(`${verb} ${e.id} (${L(e.branch)}): ${e.state.replace('_', ' ')}`))
      if (sub === 'add') {
        need(a.positionals[0], 'BRANCH')
        const added = await call<MergeQueueEntry[]>(human(), 'mq.add', { rig: need(a.values.rig as string | undefined, '--rig RIG'), branches: a.positionals, title: a.values.title, priority: parsePriority(a.values.p as string | undefined) })
        return a.values.json ? json(added) : added.forEach(one('Queued'))
      }
      if (sub === 'run') {
        const list = await call<MergeQueueEntry[]>(human(), 'mq.run', { rig: need(a.positionals[0], 'RIG'), wait: !!a.values.wait })
        return a.values.json ? json(list) : out(list.length ? mqTable(list) : '(the queue is empty)')
      }
      if (sub === 'retry') return one('Queued again')(await call<MergeQueueEntry>(human(), 'mq.retry', { id: need(a.positionals[0], 'ID') }))
      if (sub === 'reject') return one('Rejected')(await call<MergeQueueEntry>(human(), 'mq.reject', { id: need(a.positionals[0], 'ID'), reason: a.values.reason }))
      if (sub === 'show') {
        const d = await call<{ entry: MergeQueueEntry; runs: MergeRun[]; events: LedgerEvent[] }>(human(), 'mq.show', { id: need(a.positionals[0], 'ID') })
        if (a.values.json) return json(d)
        const e = d.entry
        out(`${L(e.id)}  ${L(e.rig)}  ${L(e.branch)}  P${e.priority}  ${e.state.replace('_', ' ')}\n${L(e.title)}`)
        out(`queued ${e.enqueuedAt}${e.queuedSha ? ` at ${e.queuedSha.slice(0, 10)}` : ''}${e.startedAt ? `, first tested ${e.startedAt}` : ''}${e.finishedAt ? `, finished ${e.finishedAt}` : ''}${e.mergedSha ? `, merged as ${e.mergedSha.slice(0, 10)}` : ''}`)
        if (e.failure) {
          out(`\n${e.failure.kind}: ${L(e.failure.message)}`)
          if (e.failure.files?.length) out(`  files: ${e.failure.files.map(L).join(', ')}`)
          if (e.failure.output) out(e.failure.output.slice(-3000))
        }
        if (d.runs.length) out(`\nCandidates:\n${table([['RUN', 'STATUS', 'REQUESTS', 'TARGET', 'STARTED'], ...d.runs.map((r) => [r.id, r.status, String(r.requests.length), `${L(r.targetBranch)}@${r.targetSha.slice(0, 10)}`, r.startedAt])])}`)
        if (d.events.length) out(`\nHistory:\n${d.events.map(eventLine).join('\n')}`)
        return
      }
      if (sub !== undefined && sub !== 'list') throw new UsageError('gt mq list|show|add|run|retry|reject')
      const list = await call<MergeQueueEntry[]>(human(), 'mq.list', { rig: a.values.rig, states: a.values.all ? undefined : ['pending', 'testing', 'awaiting_approval', 'failed', 'changes_requested'] })
      return a.values.json ? json(list) : out(list.length ? mqTable(list) : '(no merge requests waiting)')
    }
    case 'polecat': {
      const a = parse(rest, {})
      if (sub === 'stop') {
        const pc = await call<Polecat>(human(), 'polecats.stop', { polecat: need(a.positionals[0], 'RIG/NAME') })
        return a.values.json ? json(pc) : out(`Stopping ${pc.id}`)
      }
      const list = await call<Polecat[]>(human(), 'polecats.list', {})
      return a.values.json
        ? json(list)
        : out(list.length ? table([['POLECAT', 'STATE', 'BEAD', 'BRANCH', 'RUNTIME'], ...list.map((p) => [L(p.id), p.state + (p.takenOver ? ' (taken over)' : ''), L(p.beadId ?? '-'), L(p.branch ?? '-'), L(p.runtime ?? '-')])]) : '(no polecats)')
    }
    case 'mayor': {
      const a = parse(rest, { agent: { type: 'string' }, 'agent-cmd': { type: 'string' } })
      const say = (m: MayorStatus): string =>
        m.running ? `The mayor runs (${L(m.runtime ?? '?')}, session ${m.sessionId}, since ${m.startedAt}) in ${L(m.cwd)}: talk to it in the Convoys view.` : `The mayor is not running${m.ended ? ` (session ${m.ended.sessionId} ended: ${m.ended.reason})` : ''}.`
      let m: MayorStatus
      if (sub === 'start') m = await call<MayorStatus>(human(), 'mayor.start', { runtime: a.values.agent, agentCmd: a.values['agent-cmd'] })
      else if (sub === 'stop') m = await call<MayorStatus>(human(), 'mayor.stop', {})
      else if (sub === 'status' || sub === undefined) m = await call<MayorStatus>(human(), 'mayor.status', {})
      else throw new UsageError('gt mayor start [--agent NAME | --agent-cmd CMD] | stop | status')
      return a.values.json ? json(m) : out(say(m))
    }
    case 'session': {
      const a = parse(rest, { bead: { type: 'string' }, polecat: { type: 'string' }, raw: { type: 'boolean' } })
      if (sub === 'show') {
        const t = await call<SessionTranscript>(human(), 'sessions.show', { id: need(a.positionals[0], 'ID') })
        return a.values.json ? json(t) : printTranscript(t, !!a.values.raw)
      }
      if (sub === 'list' || sub === undefined) {
        const s = await call<Session[]>(human(), 'sessions.list', { bead: a.values.bead, polecat: a.values.polecat })
        return a.values.json ? json(s) : out(sessionTable(s))
      }
      throw new UsageError('gt session list|show')
    }
    case 'scheduler': {
      const kit: CliKit = { call: (method, params) => call(human(), method, params), parse, usage: (m) => new UsageError(m) }
      return runScheduler(sub, rest, kit)
    }
    case 'diff':
    case 'review': {
      const kit: CliKit = { call: (method, params) => call(human(), method, params), parse, usage: (m) => new UsageError(m) }
      return cmd === 'diff' ? runDiff(argv.slice(1), kit) : runReview(sub, rest, kit)
    }
    case 'convoy': {
      // `gt convoy --all` lists: an option is not a subcommand.
      if (sub?.startsWith('-')) return main(['convoy', 'list', sub, ...rest])
      return runConvoy(sub, rest, { call: (method, params) => call(human(), method, params), parse, usage: (m) => new UsageError(m) })
    }
    case 'inbox': {
      // `gt inbox --all` lists: an option is not a subcommand.
      if (sub?.startsWith('-')) return main(['inbox', 'list', sub, ...rest])
      const a = parse(rest, { all: { type: 'boolean' }, always: { type: 'boolean' }, 'always-tool': { type: 'boolean' }, reason: { type: 'string' }, until: { type: 'string' } })
      const id = () => need(a.positionals[0], 'ID')
      const done = (verb: string) => (item: InboxItem) => (a.values.json ? json(item) : out(`${verb} ${item.id}: ${L(item.title)}`))
      if (sub === 'approve') {
        if (a.values.always && a.values['always-tool']) throw new UsageError('give --always or --always-tool, not both')
        const always = a.values['always-tool'] ? 'tool' : a.values.always ? 'prefix' : undefined
        return done(always ? `Approved (and always allowed from now on)` : 'Approved')(await call<InboxItem>(human(), 'inbox.approve', { id: id(), always }))
      }
      if (sub === 'deny') return done('Denied')(await call<InboxItem>(human(), 'inbox.deny', { id: id(), reason: a.values.reason }))
      if (sub === 'ack') return done('Acknowledged')(await call<InboxItem>(human(), 'inbox.ack', { id: id() }))
      if (sub === 'snooze') {
        const until = snoozeUntil(need(a.values.until as string | undefined, '--until TIME (an ISO time, or 30m, 2h, 1d)'))
        return done(`Snoozed until ${until}`)(await call<InboxItem>(human(), 'inbox.snooze', { id: id(), until }))
      }
      if (sub === 'reply') {
        const m = await call<Mail>(human(), 'inbox.reply', { id: id(), text: need(a.positionals.slice(1).join(' '), 'TEXT') })
        return a.values.json ? json(m) : out(`Reply sent to ${L(m.to)}: it reaches the agent when it is at its prompt.`)
      }
      if (sub === 'show') {
        const item = await call<InboxItem>(human(), 'inbox.get', { id: id() })
        return a.values.json ? json(item) : printInboxItem(item)
      }
      if (sub !== undefined && sub !== 'list') throw new UsageError('gt inbox [list]|show|approve|deny|ack|snooze|reply')
      const list = await call<InboxItem[]>(human(), 'inbox.list', { includeClosed: !!a.values.all })
      return a.values.json ? json(list) : out(list.length ? inboxTable(list) : '(inbox empty: nothing needs you)')
    }

    case 'mol': {
      const a = parse(rest, { rig: { type: 'string' }, var: { type: 'string', multiple: true }, summary: { type: 'string' } })
      if (sub === 'list') {
        const list = await call<MoleculeEntry[]>(human(), 'molecules.list', { rig: a.values.rig })
        return a.values.json ? json(list) : out(moleculeTable(list))
      }
      if (sub === 'show') {
        const d = await call<MoleculeDetail>(human(), 'molecules.show', { name: need(a.positionals[0], 'NAME'), rig: a.values.rig })
        return a.values.json ? json(d) : printMoleculeTemplate(d)
      }
      if (sub === 'pour') {
        const [name, bead] = a.positionals
        const m = await call<MoleculeInstance>(human(), 'molecules.pour', { name: need(name, 'NAME'), bead: need(bead, 'BEAD'), vars: parseVars(a.values.var as string[] | undefined) })
        if (a.values.json) return json(m)
        return out(
          `Poured ${L(m.name)} on ${L(m.beadId)}: ${m.steps.length} step${m.steps.length === 1 ? '' : 's'}${m.timeout ? `, timeout ${L(m.timeout.text)} (until ${m.deadline})` : ''}\n` +
            m.steps.map((s, i) => `  ${i + 1}. ${L(s.beadId)}  ${L(s.id)} — ${L(s.title)}${s.needs.length ? `  (after ${s.needs.map(L).join(', ')})` : ''}`).join('\n')
        )
      }
      // The agent's commands: the molecule of its own hooked bead.
      if (sub === 'current') {
        const m = await call<MoleculeInstance>(agentTarget(), 'agent.mol.current', {})
        return a.values.json ? json(m) : printCurrent(m)
      }
      if (sub === 'advance') {
        const r = await call<MoleculeAdvance>(agentTarget(), 'agent.mol.advance', { summary: a.values.summary })
        if (a.values.json) return json(r)
        out(`Closed ${stepHeading(r.molecule, r.closed)} (checkpoint at ${r.checkpointAt}).`)
        if (r.next) {
          out('')
          return printStep(r.molecule, r.next)
        }
        return out(`All ${r.molecule.steps.length} steps of ${L(r.molecule.name)} are done. Finish with gt done --summary "…".`)
      }
      throw new UsageError('gt mol list|show|pour (humans) or gt mol current|advance (agents)')
    }

    // ---- agent commands ----
    case 'event': {
      // Run by the commit hook in <town>/git-hooks: `gt event commit SHA`.
      const a = parse([sub, ...rest].filter((x) => x !== undefined), {})
      const [kind, sha] = a.positionals
      await call(agentTarget(), 'agent.event', { kind: need(kind, 'KIND (commit)'), sha: need(sha, 'SHA') })
      return
    }
    case 'hook': {
      // Run by the agent's runtime (Claude Code's hooks), never by hand; without GT_TOKEN it does nothing.
      const { runGtHook } = await import('./hook')
      process.exitCode = await runGtHook(argv.slice(1), { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr })
      return
    }
    case 'prime': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), { hook: { type: 'boolean' } })
      const p = await call<PrimeContext>(agentTarget(), 'agent.prime', {})
      return a.values.json ? json(p) : write(primeText(p))
    }
    case 'checkpoint': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), {})
      const raw = need(a.positionals[0], 'JSON (or - for stdin)')
      const text = raw === '-' ? readFileSync(0, 'utf8') : raw
      let data: unknown
      try {
        data = JSON.parse(text)
      } catch {
        throw new UsageError('gt checkpoint takes JSON, e.g. gt checkpoint \'{"step":"tests","notes":"…"}\'')
      }
      const r = await call<{ at: string }>(agentTarget(), 'agent.checkpoint', { data })
      return a.values.json ? json(r) : out(`Checkpoint saved at ${r.at}`)
    }
    case 'note': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), {})
      const e = await call<LedgerEvent>(agentTarget(), 'agent.note', { text: need(a.positionals.join(' '), 'TEXT') })
      return a.values.json ? json(e) : out(`Noted in the ledger (#${e.id})`)
    }
    case 'mail': {
      if (sub === 'send') {
        const a = parse(rest, { subject: { type: 'string', short: 's' }, body: { type: 'string', short: 'b' } })
        const m = await call(agentTarget(), 'agent.mail.send', { to: need(a.positionals[0], 'TO'), subject: need(a.values.subject as string, '--subject'), body: a.values.body })
        return a.values.json ? json(m) : out(`Mail sent to ${L(a.positionals[0])}`)
      }
      if (sub === 'check') {
        const a = parse(rest, {})
        const mail = await call<{ from: string; subject: string; body: string; createdAt: string }[]>(agentTarget(), 'agent.mail.check', {})
        return a.values.json ? json(mail) : out(mail.length ? mail.map((m) => `From ${L(m.from)} (${m.createdAt}): ${L(m.subject)}\n${m.body}`).join('\n\n') : '(no new mail)')
      }
      throw new UsageError('gt mail send|check')
    }
    case 'escalate': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), { severity: { type: 'string' }, title: { type: 'string' }, body: { type: 'string' } })
      const e = await call<InboxItem>(agentTarget(), 'agent.escalate', {
        severity: need(a.values.severity as string, '--severity P0|P1|P2'),
        title: need((a.values.title as string) ?? a.positionals.join(' '), '--title'),
        body: a.values.body
      })
      return a.values.json ? json(e) : out(`Escalated ${e.severity}: ${L(e.title)} (${e.id})`)
    }
    case 'done': {
      const a = parse([sub, ...rest].filter((x) => x !== undefined), { summary: { type: 'string' } })
      const r = await call<DoneResult>(agentTarget(), 'agent.done', { summary: a.values.summary })
      return a.values.json ? json(r) : out(`Done: pushed ${r.branch} (${r.commits} commit${r.commits === 1 ? '' : 's'}); merge request ${r.mergeRequest.id} is ready for the merge queue.`)
    }
  }
  throw new UsageError(`unknown command ${JSON.stringify(cmd)}`)
}

// A reader that stops early (`gt bead list | head -1`) closes the pipe: that is its choice, not our failure.
const isEpipe = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === 'EPIPE'
process.stdout.on('error', (err) => {
  if (isEpipe(err)) process.exit(0)
  throw err
})
// With stderr closed as well there is nobody left to tell; the exit code still says how it went.
process.stderr.on('error', (err) => {
  if (!isEpipe(err)) throw err
})

main(process.argv.slice(2)).catch((err: Error) => {
  if (isEpipe(err)) process.exit(0)
  // An error's message can quote what an agent or a remote wrote (a title, git's stderr).
  process.stderr.write(`gt: ${safeText(err.message)}\n`)
  if (err instanceof UsageError) process.stderr.write('Run `gt help` for usage.\n')
  process.exit(err instanceof UsageError ? 2 : 1)
})

