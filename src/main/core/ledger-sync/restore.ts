// `gt town restore --from REMOTE…`: a new town built from ledger branches alone, with no control room running.
// In this order, because each step protects the next:
// 1. the folder must be empty (or new): a restore never writes into a town;
// 2. the town lock is taken, as a control room takes it, so neither can run beside the other;
// 3. every remote's branch is fetched (into <town>/ledger.git) and every record validated. A remote that cannot
//    be reached or has no ledger branch is reported and the others restored; a bad record anywhere refuses
//    the whole restore (naming remote, file, line and field) and the folder is left as it was;
// 4. the branches are merged (the same bead from two rigs' branches is the newer one) and the database is
//    built through the town's own migrations, in one transaction, under a temporary name renamed into place
//    when whole — a crash leaves no half-restored town.db;
// 5. then, best effort and reported: each rig is cloned (staging folder, renamed when whole, like rigs.add)
//    and each polecat's hook recreated: its branch from the remote where the agent pushed it, its worktree.
//    A rig that cannot be cloned stays a row with its source and no folder, which start-up reconciliation
//    finds. The next start reconciles the rest (open sessions end as app-restart) and the work resumes.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { openDatabase, inTransaction, type Db } from '../store/db'
import { now } from '../ledger/ledger'
import { acquireTownLock } from '../town/town-lock'
import { prepareTownFolder } from '../town/town-folder'
import { branchExists, git, gitMessage, isSafeBranchName, refExists } from '../git/git'
import { baseRef, ensureWorktree } from '../polecats/worktrees'
import { LedgerFormatError } from './jsonl'
import { ensureLedgerRepo, fetchBranch, remoteTip, RemoteError } from './git-plumbing'
import { readBranchSnapshot } from './ledger-branch'
import { mergeSnapshots, type LedgerSnapshot } from './snapshot'
import { LEDGER_REPO, TOWN_ID_KEY } from './exporter'
import { DEFAULT_LEDGER_BRANCH, ledgerSettingsSchema } from './ledger-settings'
import type { Manifest } from './town-records'
import type { BeadsExtra } from './beads-format'

export interface RestoreOptions {
  town: string
  remotes: string[]
  branch?: string
  /** Where to clone a rig from instead of its recorded source (a path on the lost machine, an old URL). */
  sources?: Record<string, string>
  progress?: (message: string) => void
}

export interface RemoteOutcome {
  remote: string
  status: 'restored' | 'no-branch' | 'unreachable' | 'bad-record'
  commit: string | null
  /** `rig NAME` or `town`, from the branch's manifest. */
  scope: string | null
  message: string | null
}

export interface RigOutcome {
  rig: string
  source: string
  cloned: boolean
  error: string | null
  worktrees: { polecat: string; branch: string; fromRemote: boolean; error: string | null }[]
}

export interface RestoreReport {
  town: string
  branch: string
  remotes: RemoteOutcome[]
  counts: {
    rigs: number
    beads: number
    dependencies: number
    labels: number
    events: number
    checkpoints: number
    polecats: number
    sessions: number
    permissionRules: number
    convoys: number
    molecules: number
    mergeRequests: number
    reviewComments: number
  }
  /** Dependencies on beads no restored branch had (kept on their bead, written back on export). */
  externalDependencies: number
  rigs: RigOutcome[]
}

/** Nothing was restored: the message says why, remote by remote, and what to do. */
export class RestoreError extends Error {
  constructor(
    message: string,
    readonly remotes: RemoteOutcome[] = []
  ) {
    super(message)
    this.name = 'RestoreError'
  }
}

const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/\s]+@[^:\s]+:/.test(s)

/** A remote as git gets it: a URL as given, a path made absolute (from where gt runs). */
export function normalizeRemote(remote: string): string {
  const r = remote.trim()
  if (!r || r.startsWith('-')) throw new RestoreError(`"${remote}" is not a remote: give a git URL or the path of a repository`)
  return isUrl(r) ? r : resolve(r.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'))
}

function refuseUsedFolder(town: string): void {
  if (!existsSync(town)) return
  if (!statSync(town).isDirectory()) throw new RestoreError(`${town} is a file, not a folder: restore into a new folder (--town DIR)`)
  const entries = readdirSync(town).sort()
  if (!entries.length) return
  if (entries.includes('town.db') || entries.includes('rigs'))
    throw new RestoreError(`${town} already holds a town (${entries.filter((e) => ['town.db', 'rigs', 'settings.json'].includes(e)).join(', ')}). A restore builds a new town and never writes into one: restore into a new folder (--town DIR), or move this one aside first (mv ${town} ${town}.old).`)
  throw new RestoreError(`${town} is not empty (it holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}): restore into an empty or new folder (--town DIR)`)
}

function describeRemotes(outcomes: RemoteOutcome[]): string {
  return outcomes.map((o) => `  ${o.remote}: ${o.status === 'restored' ? `${o.scope} at ${o.commit?.slice(0, 10)}` : o.message}`).join('\n')
}

export async function restoreTown(o: RestoreOptions): Promise<RestoreReport> {
  const town = resolve(o.town)
  const branch = o.branch ?? DEFAULT_LEDGER_BRANCH
  const branchCheck = ledgerSettingsSchema.shape.branch.safeParse(branch)
  if (!branchCheck.success) throw new RestoreError(`${JSON.stringify(branch)} is not a branch name git accepts (the ledger branch is ${DEFAULT_LEDGER_BRANCH} unless the town set another)`)
  if (!o.remotes.length) throw new RestoreError('give the remotes to restore from: gt town restore --from REMOTE [--from REMOTE…]')
  const remotes = [...new Set(o.remotes.map(normalizeRemote))]
  const progress = o.progress ?? (() => {})

  refuseUsedFolder(town)
  const created = !existsSync(town)
  prepareTownFolder(town)
  const lock = acquireTownLock(town)
  let dbInPlace = false
  try {
    const others = readdirSync(town).filter((e) => !e.startsWith('town.lock')) // the lock and its journal
    if (others.length) throw new RestoreError(`${town} changed while the restore started (it now holds ${others.join(', ')}): is a control room starting there? Restore into a new folder.`)

    const repo = join(town, LEDGER_REPO)
    await ensureLedgerRepo(repo)
    const outcomes: RemoteOutcome[] = []
    const read: { remote: string; manifest: Manifest; snapshot: LedgerSnapshot; commit: string }[] = []
    for (const [i, remote] of remotes.entries()) {
      progress(`Reading ${branch} from ${remote}`)
      try {
        const tip = await remoteTip(repo, remote, branch)
        if (!tip) {
          outcomes.push({ remote, status: 'no-branch', commit: null, scope: null, message: `has no ${branch} branch: no town wrote its ledger there (check the remote, or the branch with --branch)` })
          continue
        }
        const commit = await fetchBranch(repo, remote, branch, `refs/gt-ledger/restore-${i}/remote`)
        const { manifest, snapshot } = await readBranchSnapshot(repo, { remote, branch }, commit)
        const scope = manifest!.scope === 'town' ? 'town' : `rig ${manifest!.rig}`
        outcomes.push({ remote, status: 'restored', commit, scope, message: null })
        read.push({ remote, manifest: manifest!, snapshot, commit })
      } catch (err) {
        if (err instanceof LedgerFormatError) outcomes.push({ remote, status: 'bad-record', commit: null, scope: null, message: err.message.replace(/\n/g, '\n    ') })
        else if (err instanceof RemoteError) outcomes.push({ remote, status: 'unreachable', commit: null, scope: null, message: err.message })
        else throw err
      }
    }
    if (outcomes.some((x) => x.status === 'bad-record')) {
      throw new RestoreError(
        `nothing was restored: a ledger branch holds a bad record, and a town restored without it would be missing what it holds.\n${describeRemotes(outcomes)}\nFix the record on that branch (a new commit), or restore without that remote.`,
        outcomes
      )
    }
    if (!read.length) throw new RestoreError(`nothing was restored: no remote gave a ledger branch.\n${describeRemotes(outcomes)}`, outcomes)

    // A rig's own branch knows the rig best: rig branches first, then town branches, each in the order given.
    read.sort((a, b) => (a.manifest.scope === 'rig' ? 0 : 1) - (b.manifest.scope === 'rig' ? 0 : 1))
    let merged = read[0].snapshot
    for (const r of read.slice(1)) merged = mergeSnapshots(merged, r.snapshot, 'both')
    // A rig restored from its own branch is cloned from where that branch was found: its origin, reachable.
    const cloneFrom = new Map<string, string>()
    // --source wins over both: the user knows where the code is now.
    for (const r of read) if (r.manifest.scope === 'rig' && r.manifest.rig && !cloneFrom.has(r.manifest.rig)) cloneFrom.set(r.manifest.rig, r.remote)
    for (const [rig, source] of Object.entries(o.sources ?? {})) {
      if (!merged.rigs.some((r) => r.name === rig)) throw new RestoreError(`--source names the rig ${rig}, which no ledger branch has (its rigs: ${merged.rigs.map((r) => r.name).join(', ') || 'none'})`, outcomes)
      cloneFrom.set(rig, normalizeRemote(source))
    }
    merged = { ...merged, rigs: merged.rigs.map((rig) => (cloneFrom.has(rig.name) ? { ...rig, source: cloneFrom.get(rig.name)! } : rig)) }

    const first = read[0].manifest
    if (first.bead_prefix !== 'gt') {
      const settings = join(town, 'settings.json')
      writeFileSync(settings, JSON.stringify({ beadPrefix: first.bead_prefix }, null, 2) + '\n', { mode: 0o600 })
      chmodSync(settings, 0o600)
    }
    progress('Writing the ledger')
    const staged = join(town, '.restoring-town.db')
    const db = openDatabase(staged)
    let counts: RestoreReport['counts']
    let externalDependencies: number
    try {
      ;({ counts, externalDependencies } = writeTown(db, town, merged, first.town_id, { branch, remotes: outcomes }))
      db.pragma('journal_mode = DELETE') // one file to rename; the next start turns WAL on again
    } finally {
      db.close()
    }
    renameSync(staged, join(town, 'town.db'))
    chmodSync(join(town, 'town.db'), 0o600)
    dbInPlace = true

    const rigs: RigOutcome[] = []
    for (const rig of merged.rigs) rigs.push(await cloneRig(town, rig, merged, progress))
    return { town, branch, remotes: outcomes, counts, externalDependencies, rigs }
  } catch (err) {
    if (!dbInPlace) {
      lock.release()
      for (const e of existsSync(town) ? readdirSync(town) : []) rmSync(join(town, e), { recursive: true, force: true })
      if (created) rmSync(town, { recursive: true, force: true })
    }
    throw err
  } finally {
    lock.release()
  }
}

function writeTown(db: Db, town: string, s: LedgerSnapshot, townIdValue: string, what: { branch: string; remotes: RemoteOutcome[] }) {
  return inTransaction(db, () => {
    const rigNames = new Set(s.rigs.map((r) => r.name))
    const insertRig = db.prepare('INSERT INTO rigs (name, source, path, default_branch, added_at, settings) VALUES (?, ?, ?, ?, ?, ?)')
    for (const r of s.rigs) insertRig.run(r.name, r.source, join(town, 'rigs', r.name, 'repo'), r.default_branch, r.added_at, JSON.stringify(r.settings))

    const ids = new Set(s.beads.map((b) => b.id))
    const insertBead = db.prepare(
      `INSERT INTO beads (id, title, description, status, priority, type, assignee, rig, created_at, updated_at, closed_at, close_reason, beads_extra)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    const insertLabel = db.prepare('INSERT OR IGNORE INTO bead_labels (bead_id, label) VALUES (?, ?)')
    const insertDep = db.prepare('INSERT OR IGNORE INTO bead_deps (bead_id, type, target) VALUES (?, ?, ?)')
    let dependencies = 0
    let labels = 0
    let externalDependencies = 0
    for (const b of s.beads) {
      const extra: BeadsExtra = { ...b.extra }
      // A dependency on a bead no restored branch had (its rig's remote was not given or not reachable) is kept.
      const missing = b.deps.filter((d) => !ids.has(d.target))
      if (missing.length) {
        extra.external_deps = [...(extra.external_deps ?? []), ...missing.map((d) => ({ depends_on_id: d.target, type: extra.deps?.[d.target]?.type ?? d.type }))]
        externalDependencies += missing.length
      }
      const json = JSON.stringify(extra)
      insertBead.run(b.id, b.title, b.description, b.status, b.priority, b.type, b.assignee, b.rig, b.createdAt, b.updatedAt, b.closedAt, b.closeReason, json === '{}' ? null : json)
    }
    for (const b of s.beads) {
      for (const l of b.labels) labels += insertLabel.run(b.id, l).changes
      for (const d of b.deps) if (ids.has(d.target)) dependencies += insertDep.run(b.id, d.type, d.target).changes
    }

    const insertEvent = db.prepare('INSERT INTO events (at, actor, kind, subject, data) VALUES (?, ?, ?, ?, ?)')
    for (const e of s.events) insertEvent.run(e.at, e.actor, e.kind, e.subject, JSON.stringify(e.data ?? null))
    const insertCheckpoint = db.prepare('INSERT INTO checkpoints (polecat_id, bead_id, session_id, at, data) VALUES (?, ?, ?, ?, ?)')
    for (const c of s.checkpoints) insertCheckpoint.run(c.polecat_id, c.bead_id, c.session_id, c.at, JSON.stringify(c.data ?? null))

    const polecats = s.polecats.filter((p) => rigNames.has(p.rig))
    const hookHolder = new Map<string, string>()
    // One hook per bead (a unique index): should two branches disagree, the polecat updated last keeps it.
    for (const p of [...polecats].sort((a, b) => b.updated_at.localeCompare(a.updated_at))) if (p.bead_id && !hookHolder.has(p.bead_id)) hookHolder.set(p.bead_id, p.id)
    const insertPolecat = db.prepare(
      `INSERT INTO polecats (id, rig, name, state, bead_id, branch, worktree, session_id, runtime, taken_over, pid, updated_at, activity, activity_since, activity_detail, activity_source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, 'exited', ?, NULL, 'process')`
    )
    for (const p of polecats) {
      const bead = p.bead_id && hookHolder.get(p.bead_id) === p.id ? p.bead_id : null
      if (p.bead_id && !bead) insertEvent.run(now(), 'core', 'polecat.unhooked', p.bead_id, JSON.stringify({ polecat: p.id, why: 'two restored branches hooked the bead to different polecats' }))
      insertPolecat.run(p.id, p.rig, p.name, p.state, bead, p.branch, join(town, 'rigs', p.rig, 'polecats', p.name), p.session_id, p.runtime, p.updated_at, p.updated_at)
    }
    const insertSession = db.prepare(
      `INSERT INTO sessions (id, polecat_id, rig, bead_id, runtime, command, started_at, ended_at, exit_code, end_reason, log_path, output_bytes, token_hash, runtime_session_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    for (const x of s.sessions) {
      const name = x.polecat_id.split('/')[1]
      // No token hashes to this: a restored session can never be used by an agent.
      const tokenHash = `restored-${randomBytes(24).toString('hex')}`
      insertSession.run(x.id, x.polecat_id, x.rig, x.bead_id, x.runtime, x.command, x.started_at, x.ended_at, x.exit_code, x.end_reason, join(town, 'rigs', x.rig, 'polecats', name, '.gt', 'sessions', `${x.id}.jsonl`), x.output_bytes, tokenHash, x.runtime_session_id)
    }
    const insertRule = db.prepare('INSERT OR IGNORE INTO permission_rules (id, rig, tool, command_prefix, action, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
    const rules = s.rules.filter((r) => rigNames.has(r.rig))
    for (const r of rules) insertRule.run(r.id, r.rig, r.tool, r.command_prefix, r.action, r.created_at, r.created_by)

    const work = writeWork(db, s, ids, rigNames)

    db.prepare('INSERT INTO town_state (key, value, at) VALUES (?, ?, ?)').run(TOWN_ID_KEY, townIdValue, now())
    const counts = { rigs: s.rigs.length, beads: s.beads.length, dependencies, labels, events: s.events.length, checkpoints: s.checkpoints.length, polecats: polecats.length, sessions: s.sessions.length, permissionRules: rules.length, ...work }
    insertEvent.run(
      now(),
      'human',
      'town.restored',
      null,
      JSON.stringify({ branch: what.branch, remotes: what.remotes.map((r) => ({ remote: r.remote, status: r.status, commit: r.commit, scope: r.scope })), counts })
    )
    return { counts, externalDependencies }
  })
}

/**
 * Convoys, poured molecules, the merge queue and the review comments, so that the next start goes on with
 * them: the dispatcher finds the open convoys' beads, an agent its molecule's current step (the steps' beads
 * carry their state), the refinery its waiting requests, the polecat the engineer's comments. What refers to
 * a bead or a rig no restored branch had is left out (a convoy keeps the members it has).
 */
function writeWork(db: Db, s: LedgerSnapshot, beadIds: Set<string>, rigNames: Set<string>) {
  const js = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v))
  const insertMolecule = db.prepare(
    `INSERT INTO molecules (id, bead_id, name, origin, rig, source_file, shape, description, vars, timeout_s, timeout_text, escalation, escalation_origins,
       convoy_mode, bundle_size, hooks, poured_at, poured_by, timeout_raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const insertStep = db.prepare('INSERT INTO molecule_steps (molecule_id, step_id, position, bead_id, needs, acceptance) VALUES (?, ?, ?, ?, ?, ?)')
  const stepBeads = new Set<string>()
  const moleculeBeads = new Set<string>()
  let molecules = 0
  for (const m of s.molecules) {
    // One molecule per bead, and a step in one molecule (unique columns): a second one is another branch's older copy.
    if (!beadIds.has(m.bead_id) || moleculeBeads.has(m.bead_id) || !m.steps.every((x) => beadIds.has(x.bead_id) && !stepBeads.has(x.bead_id))) continue
    insertMolecule.run(m.id, m.bead_id, m.name, m.origin, m.rig, m.source_file, m.shape, m.description, js(m.vars ?? {}), m.timeout_s, m.timeout_text, js(m.escalation ?? {}), js(m.escalation_origins ?? {}), m.convoy_mode, m.bundle_size, js(m.hooks), m.poured_at, m.poured_by, m.timeout_raised_at)
    for (const x of m.steps) insertStep.run(m.id, x.step_id, x.position, x.bead_id, JSON.stringify(x.needs), x.acceptance)
    moleculeBeads.add(m.bead_id)
    for (const x of m.steps) stepBeads.add(x.bead_id)
    molecules++
  }

  const insertConvoy = db.prepare(
    `INSERT INTO convoys (id, title, mode, molecule, molecule_vars, agent, agent_cmd, state, created_at, created_by, updated_at, landed_at, landed_by, left_out)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const insertMember = db.prepare(
    `INSERT INTO convoy_beads (convoy_id, bead_id, position, added_at, added_by, approved_at, approved_by, dispatched_at, polecat_id, sling_error, held_reason, skipped_at, skip_reason, skip_item)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  // A bead travels in one open convoy at a time: should two branches disagree, the convoy changed last keeps it.
  const inOpen = new Set<string>()
  let convoys = 0
  for (const c of [...s.convoys].sort((a, b) => b.updated_at.localeCompare(a.updated_at))) {
    const members = c.beads.filter((m) => beadIds.has(m.bead_id) && !(c.state === 'open' && inOpen.has(m.bead_id)))
    if (!members.length) continue
    insertConvoy.run(c.id, c.title, c.mode, c.molecule, js(c.molecule_vars), c.agent, c.agent_cmd, c.state, c.created_at, c.created_by, c.updated_at, c.landed_at, c.landed_by, c.left_out?.length ? JSON.stringify(c.left_out) : null)
    for (const m of members) {
      insertMember.run(c.id, m.bead_id, m.position, m.added_at, m.added_by, m.approved_at, m.approved_by, m.dispatched_at, m.polecat_id, m.sling_error, m.held_reason, m.skipped_at, m.skip_reason, m.skip_item)
      if (c.state === 'open') inOpen.add(m.bead_id)
    }
    convoys++
  }

  const insertRequest = db.prepare(
    `INSERT INTO merge_queue (id, rig, branch, bead_id, polecat_id, priority, state, queued_sha, tested_sha, approved_sha, merged_sha, failure, enqueued_at, started_at, finished_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  let mergeRequests = 0
  for (const q of s.mergeRequests) {
    if (!rigNames.has(q.rig)) continue
    // A candidate being tested, or a gated batch in the inbox, was the lost town's (its runs and inbox are not
    // on the branch): the request waits again, and the refinery tests it and asks again. A human's approval
    // of a head (approved_sha) stands: that head lands without asking twice.
    const state = q.state === 'testing' || q.state === 'awaiting_approval' ? 'pending' : q.state
    insertRequest.run(q.id, q.rig, q.branch, q.bead_id, q.polecat_id, q.priority, state, q.queued_sha, q.tested_sha, q.approved_sha, q.merged_sha, js(q.failure), q.enqueued_at, q.started_at, q.finished_at, q.updated_at)
    mergeRequests++
  }

  const insertMail = db.prepare('INSERT OR IGNORE INTO mail (id, sender, recipient, subject, body, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const insertComment = db.prepare(
    `INSERT INTO review_comments (id, target_kind, target_id, rig, branch, polecat_id, path, line, side, section, body, head_sha, created_at, created_by, mail_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  let reviewComments = 0
  for (const c of s.reviewComments) {
    if (!rigNames.has(c.rig)) continue
    // The REVIEW mail too: one the agent had not read yet reaches the polecat when it resumes.
    if (c.mail) insertMail.run(c.mail.id, c.mail.sender, c.mail.recipient, c.mail.subject, c.mail.body, c.mail.created_at, c.mail.delivered_at)
    insertComment.run(c.id, c.target_kind, c.target_id, c.rig, c.branch, c.polecat_id, c.path, c.line, c.side, c.section, c.body, c.head_sha, c.created_at, c.created_by, c.mail?.id ?? null)
    reviewComments++
  }
  return { convoys, molecules, mergeRequests, reviewComments }
}

async function cloneRig(town: string, rig: LedgerSnapshot['rigs'][number], s: LedgerSnapshot, progress: (m: string) => void): Promise<RigOutcome> {
  const out: RigOutcome = { rig: rig.name, source: rig.source, cloned: false, error: null, worktrees: [] }
  const rigsRoot = join(town, 'rigs')
  const staging = join(rigsRoot, `.adding-${rig.name}-${randomBytes(4).toString('hex')}`)
  try {
    if (rig.source.startsWith('-')) throw new Error(`"${rig.source}" starts with "-"`)
    // transport::address runs a remote helper of the source's choosing (ext:: runs a command): never from a branch.
    if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(rig.source)) throw new Error(`"${rig.source}" names a git remote helper, which a restore does not run`)
    progress(`Cloning ${rig.name} from ${rig.source}`)
    mkdirSync(staging, { recursive: true })
    await git(staging, undefined, { stallMs: 120_000 }).raw(['clone', '--no-hardlinks', '--end-of-options', rig.source, join(staging, 'repo')])
    mkdirSync(join(staging, 'polecats'))
    renameSync(staging, join(rigsRoot, rig.name))
    out.cloned = true
  } catch (err) {
    rmSync(staging, { recursive: true, force: true })
    out.error = `could not clone ${rig.source}: ${gitMessage(err)}. The control room clones it at its next start; or remove the rig and add it again from where its code is.`
    return out
  }
  const repo = join(rigsRoot, rig.name, 'repo')
  for (const p of s.polecats.filter((x) => x.rig === rig.name && x.bead_id && x.branch)) {
    const branch = p.branch!
    const w = { polecat: p.id, branch, fromRemote: false, error: null as string | null }
    try {
      if (!(await isSafeBranchName(repo, branch))) throw new Error(`${JSON.stringify(branch)} is not a safe branch name`)
      w.fromRemote = await refExists(repo, `refs/remotes/origin/${branch}`)
      if (w.fromRemote && !(await branchExists(repo, branch))) await git(repo).raw(['branch', '--no-track', '--end-of-options', branch, `refs/remotes/origin/${branch}`])
      await ensureWorktree(repo, await baseRef(repo, rig.default_branch), join(rigsRoot, rig.name, 'polecats', p.name), branch)
    } catch (err) {
      w.error = `could not recreate the worktree of ${p.id} on ${branch}: ${gitMessage(err)}`
    }
    out.worktrees.push(w)
  }
  return out
}
