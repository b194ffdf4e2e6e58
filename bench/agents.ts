// How fast the control room reacts to its agents, with 20 fake agents (test/fake-agent) through the real
// path: `gt hook`, the core, the web host, the real renderer in Chromium. Figures, not assertions.
//
//   A. inbox     an agent's permission request (or gt escalate) → its item on the page, p95 (target < 500 ms);
//                the click on Approve in the page → the agent's tool running, p95 (target < 500 ms)
//   B. witness   a failure's first sign (an agent exits without gt done) → the Dogs' action or
//                its inbox item, with 20 polecats running, p95 (target < 2 s; no check commands involved)
//   C. idle      the core's CPU with 20 idle polecats, witness included, over BENCH_IDLE_S (target < 2% of
//                one core): an upper bound for the witness's own cost
//
// Run alone with `npx tsx bench/agents.ts`, or as part of `npm run bench`. Env: BENCH_AGENTS (20),
// BENCH_ASKS (permission requests per agent, 4), BENCH_IDLE_S (30), BENCH_KEEP=1 keeps the temp dir.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../src/main/core/core'
import { startWebHost, type WebHost } from '../src/main/host/web'
import type { CallContext } from '../src/main/core/connection'
import type { InboxItem, LedgerEvent, Polecat } from '../src/shared/domain'
import { GT_SCRIPT, ROOT, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir } from '../test/support/fixtures'
import { Chromium, NAME_SHIM, type CdpPage } from './lib/cdp'

export const AGENTS_TARGET = { itemOnPageMs: 500, approveToRunMs: 500, failureToActionMs: 2000, idleCpuPct: 2 }

const num = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const CFG = { agents: num('BENCH_AGENTS', 20), asks: num('BENCH_ASKS', 4), idleS: num('BENCH_IDLE_S', 30) }
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'
const human: CallContext = { caller: { kind: 'human' } }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—')
const log = (...a: unknown[]) => console.log(...a)

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 120_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** In the page: every inbox row is stamped when it appears; permission rows are approved one by one, each click stamped. */
function pageAutomation(): void {
  const w = window as unknown as { __agents: { appeared: Record<string, number>; clicked: Record<string, number> } }
  const rec: { appeared: Record<string, number>; clicked: Record<string, number> } = (w.__agents = { appeared: {}, clicked: {} })
  const queue: string[] = []
  let busy = false
  const now = () => performance.timeOrigin + performance.now()
  const pump = async () => {
    if (busy) return
    busy = true
    while (queue.length) {
      const id = queue.shift()!
      const row = document.querySelector<HTMLElement>(`[data-testid="inbox-row-${id}"]`)
      if (!row || row.dataset.status !== 'open') continue
      row.click()
      // the detail pane shows the selected item before its buttons are for it
      for (let i = 0; i < 200 && document.querySelector<HTMLElement>('[data-testid="inbox-detail"]')?.dataset.itemId !== id; i++) await new Promise((r) => requestAnimationFrame(r))
      const approve = document.querySelector<HTMLButtonElement>('[data-testid="inbox-action-approve"]')
      if (!approve) continue
      rec.clicked[id] = now()
      approve.click()
    }
    busy = false
  }
  new MutationObserver(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid^="inbox-row-"]')) {
      const id = el.dataset.testid!.slice('inbox-row-'.length)
      if (rec.appeared[id]) continue
      rec.appeared[id] = now()
      if (el.dataset.kind === 'permission' && el.dataset.status === 'open') queue.push(id)
    }
    void pump()
  }).observe(document.body, { childList: true, subtree: true })
}

interface Run {
  core: Core
  host: WebHost
  root: string
  repo: string
}

async function setUp(): Promise<Run> {
  requireBuild()
  gitIdentityEnv()
  const root = tempDir('bench-agents')
  const repo = makeRepo()
  const core = await createCore({ town: join(root, 'town'), gtScript: GT_SCRIPT })
  // These figures are about many agents alive at once, not about the scheduler's default for this machine.
  await core.dispatch('scheduler.limit', { limit: 1000 }, human)
  const host = await startWebHost({ core, rendererDir: join(ROOT, 'out', 'renderer') })
  return { core, host, root, repo }
}

async function slingAll(core: Core, rig: string, cues: string, script: (i: number) => unknown[]): Promise<Polecat[]> {
  const out: Polecat[] = []
  for (let i = 0; i < CFG.agents; i++) {
    const bead = (await core.dispatch('beads.create', { title: `bench ${rig} ${i}`, rig }, human)) as { id: string }
    out.push((await core.dispatch('sling', { bead: bead.id, rig, agentCmd: fakeAgentCmd(join(cues, String(i)), script(i)) }, human)) as Polecat)
  }
  return out
}

const readMs = (file: string): number => {
  const t = readFileSync(file, 'utf8').trim()
  return /^\d+$/.test(t) ? Number(t) : Date.parse(t)
}

export interface AgentsFigures {
  itemOnPage: number[]
  escalationOnPage: number[]
  approveToRun: number[]
  failureToAction: number[]
  idleCpuPct: number
}

/** A: permission requests and escalations from 20 working agents, seen and approved in the real page. */
async function inboxLatency(run: Run, browser: Chromium): Promise<Pick<AgentsFigures, 'itemOnPage' | 'escalationOnPage' | 'approveToRun'>> {
  const { core } = run
  await core.dispatch('rigs.add', { name: 'asks', source: run.repo }, human)
  const page: CdpPage = await browser.newPage({ width: 1400, height: 900 }, [NAME_SHIM])
  await page.goto(run.host.url)
  await page.waitForSelector('[data-testid="nav-inbox"]', { timeoutMs: 20_000 })
  await page.click('[data-testid="nav-inbox"]')
  await page.evaluate(pageAutomation)
  const cues = join(run.root, 'cues-asks')
  const script = (i: number) => {
    const steps: unknown[] = [{ signal: 'up' }]
    for (let k = 1; k <= CFG.asks; k++) {
      steps.push({ say: `agent ${i}: working on step ${k} `.repeat(40) })
      steps.push({ permission: { tool: 'Bash', input: { command: `true bench-${i}-${k}` } } })
    }
    steps.push({ signal: 'escalating' }, { run: `gt escalate --severity P1 --title "bench escalation ${i}"` }, { signal: 'done' }, { hang: true })
    return steps
  }
  const started = Date.now()
  const pcs = await slingAll(core, 'asks', cues, script)
  await until(() => pcs.every((_, i) => existsSync(join(cues, String(i), 'done'))), 'every agent to finish asking', 300_000)
  await sleep(500)
  const rec = await page.evaluate(() => (window as unknown as { __agents: { appeared: Record<string, number>; clicked: Record<string, number> } }).__agents)
  const items = core.inbox.list({ includeClosed: true, limit: 5000 }).filter((i: InboxItem) => Date.parse(i.createdAt) >= started - 1000)
  const itemOnPage: number[] = []
  const approveToRun: number[] = []
  const escalationOnPage: number[] = []
  for (const item of items) {
    const pcIndex = pcs.findIndex((p) => p.id === item.polecatId)
    if (pcIndex < 0 || !rec.appeared[item.id]) continue
    const dir = join(cues, String(pcIndex))
    if (item.kind === 'permission') {
      const k = Number(/bench-\d+-(\d+)/.exec(String((item.tool?.input as { command?: string })?.command))?.[1])
      itemOnPage.push(rec.appeared[item.id] - readMs(join(dir, `permission-${k}.asked`)))
      if (rec.clicked[item.id] && existsSync(join(dir, `permission-${k}.ran`))) approveToRun.push(readMs(join(dir, `permission-${k}.ran`)) - rec.clicked[item.id])
    } else if (item.kind === 'escalation') escalationOnPage.push(rec.appeared[item.id] - readMs(join(dir, 'escalating')))
  }
  await page.close()
  for (const p of pcs) await core.dispatch('polecats.stop', { polecat: p.id }, human).catch(() => {})
  return { itemOnPage, escalationOnPage, approveToRun }
}

/** B: 20 agents busy; some exit without gt done, a couple crash: the time until the Dogs act, or the inbox has it. */
async function failureLatency(run: Run): Promise<number[]> {
  const { core } = run
  await core.dispatch('rigs.add', { name: 'fails', source: run.repo }, human)
  for (const [key, value] of Object.entries({ retry_backoff_s: '0', max_retries: '1' })) await core.dispatch('rigs.configure', { rig: 'fails', key, value }, human)
  const cues = join(run.root, 'cues-fails')
  // Every agent prints while it works; half fail (after a pause each, so the failures do not all land at once).
  // They exit without gt done rather than crash: three crashes within 30 s would be a mass death, which pauses
  // the Dogs (test/witness covers that), and this measures how fast they react.
  const script = (i: number) =>
    i % 2 === 0 ? [{ say: 'working '.repeat(50) }, { waitFor: 'fail' }, { run: `sleep ${(i / 20).toFixed(2)}` }, { signal: 'failing' }, { exit: 0 }] : [{ tick: 200 }]
  const pcs = await slingAll(core, 'fails', cues, script)
  await sleep(1000)
  const { writeFileSync } = await import('node:fs')
  for (let i = 0; i < CFG.agents; i += 2) writeFileSync(join(cues, String(i), 'fail'), '')
  const failing = pcs.filter((_, i) => i % 2 === 0)
  const reacted = (p: Polecat): LedgerEvent | undefined =>
    core.ledger.list({ subject: p.beadId!, limit: 200 }).find((e) => e.kind === 'dogs.restarted' || e.kind === 'dogs.nudged' || e.kind.startsWith('inbox.'))
  await until(() => failing.every((p) => reacted(p)), 'the Dogs or the inbox to react to every failure', 60_000)
  const out = failing.map((p) => Date.parse(reacted(p)!.at) - readMs(join(cues, String(pcs.indexOf(p)), 'failing')))
  for (const p of pcs) await core.dispatch('polecats.stop', { polecat: p.id }, human).catch(() => {})
  return out
}

/** C: 20 polecats idle (hanging, no output): the CPU of this process — the core, witness included. */
async function idleCpu(run: Run): Promise<number> {
  const { core } = run
  await core.dispatch('rigs.add', { name: 'idle', source: run.repo }, human)
  const cues = join(run.root, 'cues-idle')
  const pcs = await slingAll(core, 'idle', cues, () => [{ say: 'waiting' }, { hang: true }])
  await sleep(3000)
  // What the slings set off is not idling: the ledger branch they changed is written now, not in the window.
  await core.ledgerSync.flush()
  const u0 = process.cpuUsage()
  const t0 = performance.now()
  await sleep(CFG.idleS * 1000)
  const u1 = process.cpuUsage(u0)
  const pct = ((u1.user + u1.system) / 1000 / (performance.now() - t0)) * 100
  for (const p of pcs) await core.dispatch('polecats.stop', { polecat: p.id }, human).catch(() => {})
  return pct
}

export async function benchAgents(): Promise<{ figures: AgentsFigures; rows: string[][] }> {
  const run = await setUp()
  const browser = await Chromium.launch(CHROMIUM, ['--no-sandbox', '--disable-gpu', '--disable-sync'])
  try {
    log(`\n[agents A] ${CFG.agents} agents, ${CFG.asks} permission requests and 1 escalation each, approved in the page…`)
    const a = await inboxLatency(run, browser)
    log(`  request → item on the page: p50 ${f1(percentile(a.itemOnPage, 50))} ms, p95 ${f1(percentile(a.itemOnPage, 95))} ms (n=${a.itemOnPage.length})`)
    log(`  escalation → item on the page: p50 ${f1(percentile(a.escalationOnPage, 50))} ms, p95 ${f1(percentile(a.escalationOnPage, 95))} ms (n=${a.escalationOnPage.length})`)
    log(`  Approve click → tool running: p50 ${f1(percentile(a.approveToRun, 50))} ms, p95 ${f1(percentile(a.approveToRun, 95))} ms (n=${a.approveToRun.length})`)
    await browser.close()
    log(`\n[agents B] ${CFG.agents} agents running, half of them failing…`)
    const failureToAction = await failureLatency(run)
    log(`  failure → Dogs' action or inbox item: p50 ${f1(percentile(failureToAction, 50))} ms, p95 ${f1(percentile(failureToAction, 95))} ms (n=${failureToAction.length})`)
    log(`\n[agents C] ${CFG.agents} idle agents for ${CFG.idleS} s…`)
    const idleCpuPct = await idleCpu(run)
    log(`  core (and witness) CPU: ${idleCpuPct.toFixed(2)}% of one core`)
    const figures: AgentsFigures = { ...a, failureToAction, idleCpuPct }
    const v = (ok: boolean) => (ok ? 'PASS' : 'MISS')
    const p95 = (xs: number[]) => percentile(xs, 95)
    const rows = [
      [`4a. permission request → inbox item on the page, p95 (n=${a.itemOnPage.length}, ${CFG.agents} agents)`, `${f1(p95(a.itemOnPage))} ms`, '—', '—', `< ${AGENTS_TARGET.itemOnPageMs} ms`, v(p95(a.itemOnPage) < AGENTS_TARGET.itemOnPageMs)],
      [`4b. gt escalate → inbox item on the page, p95 (n=${a.escalationOnPage.length})`, `${f1(p95(a.escalationOnPage))} ms`, '—', '—', `< ${AGENTS_TARGET.itemOnPageMs} ms`, v(p95(a.escalationOnPage) < AGENTS_TARGET.itemOnPageMs)],
      [`4c. Approve click → the agent's tool running, p95 (n=${a.approveToRun.length})`, `${f1(p95(a.approveToRun))} ms`, '—', '—', `< ${AGENTS_TARGET.approveToRunMs} ms`, v(p95(a.approveToRun) < AGENTS_TARGET.approveToRunMs)],
      [`5a. failure → Dogs' action or inbox item, p95 (n=${failureToAction.length}, ${CFG.agents} running)`, `${f1(p95(failureToAction))} ms`, '—', '—', `< ${AGENTS_TARGET.failureToActionMs} ms`, v(p95(failureToAction) < AGENTS_TARGET.failureToActionMs)],
      [`5b. core + witness CPU, ${CFG.agents} idle polecats (${CFG.idleS} s)`, `${idleCpuPct.toFixed(2)}% of a core`, '—', '—', `< ${AGENTS_TARGET.idleCpuPct}%`, v(idleCpuPct < AGENTS_TARGET.idleCpuPct)]
    ]
    return { figures, rows }
  } finally {
    await browser.close().catch(() => {})
    await run.host.close()
    await run.core.close()
    if (!process.env.BENCH_KEEP) {
      removeDir(run.root)
      removeDir(run.repo)
    }
  }
}

// Run alone: npx tsx bench/agents.ts
if (require.main === module) {
  benchAgents().then(
    ({ rows }) => {
      log('\n| figure | value | baseline | ratio | target | result |\n|---|---|---|---|---|---|')
      for (const r of rows) log(`| ${r.join(' | ')} |`)
      // bench/run.ts runs this in a process of its own and adds these rows to its summary.
      log(`AGENT_ROWS ${JSON.stringify(rows)}`)
      process.exit(0)
    },
    (err) => {
      console.error(`agents bench failed: ${(err as Error).stack ?? err}`)
      process.exit(1)
    }
  )
}
