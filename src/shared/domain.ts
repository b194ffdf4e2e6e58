// Domain types shared by the core, the gt command and the renderer.
// No Node and no DOM here: this file is imported on both sides of the contract.

export const BEAD_STATUSES = ['open', 'in_progress', 'hooked', 'blocked', 'deferred', 'closed'] as const
export type BeadStatus = (typeof BEAD_STATUSES)[number]

// The dependency types real Beads uses most; `tracks` links a merge request to the bead it delivers.
export const DEP_TYPES = ['blocks', 'parent-child', 'related', 'discovered-from', 'tracks'] as const
export type DepType = (typeof DEP_TYPES)[number]

// convoy (a batch of work tracked together), molecule (a task template) and agent (an agent's identity record)
// are Gas Town's own Beads types: they come with imported towns and are not work to sling (ready() leaves them out).
export const BEAD_TYPES = ['task', 'bug', 'feature', 'epic', 'chore', 'merge-request', 'escalation', 'convoy', 'molecule', 'agent'] as const
export type BeadType = (typeof BEAD_TYPES)[number]

export const SEVERITIES = ['P0', 'P1', 'P2'] as const
export type Severity = (typeof SEVERITIES)[number]

export interface BeadDep {
  /** How this bead relates to `target`: `blocks` means `target` blocks this bead. */
  type: DepType
  target: string
}

export interface Bead {
  id: string // prefix-hash, e.g. gt-k3x9a
  title: string
  description: string
  status: BeadStatus
  priority: number // 0 (highest) … 4
  type: BeadType
  assignee: string | null // polecat id (rig/name) while hooked or worked
  rig: string | null
  labels: string[]
  deps: BeadDep[]
  createdAt: string // ISO 8601
  updatedAt: string
  closedAt: string | null
  closeReason: string | null
}

export interface Rig {
  name: string
  source: string // local path or git URL it was added from
  path: string // the town's own clone: <town>/rigs/NAME/repo
  defaultBranch: string
  addedAt: string
}

/** Start-up recovery, step by step: "Recovering: 3 rigs, 7 polecats". */
export interface RecoveryReport {
  startedAt: string
  finishedAt: string | null
  rigs: { name: string; state: 'waiting' | 'working' | 'done' | 'failed' | 'skipped'; detail: string | null }[]
  polecats: { name: string; state: 'waiting' | 'working' | 'done' | 'failed' | 'skipped'; detail: string | null }[]
}

/** A rig's settings as `gt rig config RIG` and the Rigs view show them: value, whether the user set it, default, meaning. */
export interface RigConfig {
  rig: string
  settings: { key: string; value: unknown; isSet: boolean; default: unknown; help: string }[]
}

export const POLECAT_STATES = ['starting', 'working', 'idle', 'exited'] as const
export type PolecatState = (typeof POLECAT_STATES)[number]

export interface Polecat {
  id: string // rig/name
  rig: string
  name: string
  state: PolecatState
  beadId: string | null // hooked bead
  branch: string | null
  worktree: string
  sessionId: string | null // live or last session
  runtime: string | null
  takenOver: boolean // a human is typing into its PTY
  pid: number | null
  updatedAt: string
  /** What its agent is doing, since when, and (waiting for permission) what it asks. */
  activity: AgentActivity
  activitySince: string
  activityDetail: string | null
  /** Where the activity comes from: the runtime's hooks, or only the process (no hooks). */
  activitySource: 'hooks' | 'process'
  /** The witness's last sign of life and last progress (commit, checkpoint, note), written every few seconds. */
  lastActivityAt: string | null
  lastProgressAt: string | null
  health: PolecatHealth
}

/** One run of a rig's checks in a worktree (gt check, a checkpoint, gt done). */
export interface CheckRun {
  id: string
  rig: string
  polecatId: string | null
  beadId: string | null
  trigger: string
  head: string | null
  status: 'queued' | 'running' | 'passed' | 'failed' | 'superseded' | 'cancelled' | 'error'
  severity: Severity | null
  reasons: string[]
  checks: { check: string; command: string; status: string; exitCode: number | null; durationMs: number; outputTail: string }[]
  coverage: number | null
  startedAt: string
  finishedAt: string | null
}

/** What the witness last found about a polecat, at a glance. */
export interface PolecatHealth {
  /** Attempts the Dogs made on its current failure. */
  retries: number
  lastIncident: string | null
  lastCheck: { runId: string; status: string; severity: Severity | null; at: string; reasons: string[] } | null
}

export interface Session {
  id: string
  polecatId: string
  rig: string
  beadId: string | null
  runtime: string
  command: string
  startedAt: string
  endedAt: string | null
  exitCode: number | null
  endReason: string | null // exited, crashed, done, killed, app-restart
  logPath: string // JSONL session log in the hook's .gt/ folder
  outputBytes: number
  /** The runtime's own id for this conversation (Claude Code: the --session-id the app chose), for resume. */
  runtimeSessionId: string | null
}

/** One line of a session log (JSONL). */
export type SessionLogLine =
  | { t: string; kind: 'output'; seq: number; data: string }
  | { t: string; kind: 'input'; by: 'human'; data: string }
  | { t: string; kind: 'event'; event: string; data?: unknown }

/** What an inbox item is: an agent's permission request, an agent's escalation, or an alarm of the app's own. */
export const INBOX_KINDS = ['permission', 'escalation', 'alarm', 'merge', 'convoy'] as const
export type InboxKind = (typeof INBOX_KINDS)[number]

/**
 * open: waits for the human. approved / denied: a permission request was decided. resolved: it ended without
 * a decision here (answered in the agent's own terminal, the turn or session ended). acknowledged: seen and
 * dismissed. orphaned: its agent is gone (the app restarted), so it can no longer be answered, only read.
 */
export const INBOX_STATUSES = ['open', 'approved', 'denied', 'resolved', 'acknowledged', 'orphaned'] as const
export type InboxStatus = (typeof INBOX_STATUSES)[number]

export interface InboxItem {
  id: string
  kind: InboxKind
  severity: Severity
  status: InboxStatus
  title: string
  body: string
  rig: string | null
  polecatId: string | null
  beadId: string | null
  sessionId: string | null
  /** A permission request: the tool and its whole input (for Bash, `command` is the exact shell command). */
  tool: { name: string; input: unknown; useId: string | null } | null
  /** The last lines of the agent's screen when the item was raised, as plain text. */
  screen: string | null
  /** `git diff --stat` of the polecat's branch against its base when the item was raised. */
  diffStat: string | null
  createdAt: string
  updatedAt: string
  snoozedUntil: string | null
  /** Who decided or closed it, when, how, and why (the user's reason, or what happened). */
  closedAt: string | null
  closedBy: string | null
  resolution: string | null
  reason: string | null
  /** What the witness found (crashed, stuck, check_failed, …), for items it raised. */
  incident: string | null
  /** The failing output: a check's, or the agent's last lines. */
  excerpt: string | null
  /** Attempts the Dogs made before it came here. */
  attempts: number
  /** Times it was raised a level for waiting unacknowledged (at most twice). */
  raisedLevels: number
  /** The same failure seen this many times, across these polecats (one item, not twenty). */
  count: number
  affected: string[]
  /** A gated merge batch (kind 'merge'): the candidate that passed the checks and the requests it lands. Approve lands it. */
  merge: { landing: string; requests: string[]; target: string; candidate: string } | null
  /** A gated convoy wave (kind 'convoy'): the beads it slings when approved. Absent on items from before convoys. */
  convoy?: { convoy: string; wave: number; beads: string[] } | null
}

/** What happens to a tool's permission request in a rig without asking: allowed, denied, or asked (the default). */
export const PERMISSION_ACTIONS = ['allow', 'ask', 'deny'] as const
export type PermissionAction = (typeof PERMISSION_ACTIONS)[number]

export interface PermissionRule {
  id: string
  rig: string
  tool: string
  /** For Bash: the command must start with this (after leading spaces). null: any use of the tool. */
  commandPrefix: string | null
  action: PermissionAction
  createdAt: string
  createdBy: string
}

/** What a polecat's agent is doing, from its runtime's signals (hooks) or, without hooks, its process. */
export const AGENT_ACTIVITIES = ['starting', 'working', 'waiting_permission', 'at_prompt', 'blocked_screen', 'done', 'exited'] as const
export type AgentActivity = (typeof AGENT_ACTIVITIES)[number]

export interface Mail {
  id: string
  from: string
  to: string
  subject: string
  body: string
  createdAt: string
  deliveredAt: string | null
}

export interface LedgerEvent {
  id: number
  at: string
  actor: string // 'human', 'core', or a polecat id
  kind: string // e.g. bead.created, polecat.slung, agent.note
  subject: string | null // bead id, polecat id, rig name…
  data: unknown
}

export interface RuntimePreset {
  name: string
  label: string
  /** argv; `{prompt}` is replaced by the first prompt when promptMode is `arg`. */
  command: string[]
  /** `arg`: the prompt is part of argv; `type`: typed into the PTY and submitted once the agent starts. */
  promptMode: 'arg' | 'type'
  /**
   * A runtime the control room knows how to prepare and hear (its config, hooks, session id): then
   * `command` is the executable and any extra arguments, and the first prompt is passed by the adapter.
   */
  adapter?: 'claude'
}

export interface Checkpoint {
  at: string
  data: unknown
}

/** What `gt prime` gives an agent. */
export interface PrimeContext {
  polecat: Polecat
  rig: Rig
  bead: Bead | null
  checkpoint: Checkpoint | null
  mail: Mail[]
  openBeads: Bead[]
  notes: LedgerEvent[] // ledger notes and events on the hooked bead
  attempts: Session[] // past sessions on the hooked bead
  /** What the human decided about this polecat's requests and escalations on the bead, newest last. */
  decisions: { at: string; what: string; decision: string; by: string | null; reason: string | null }[]
  /** The branch's last commits not on the base, newest first: what is done already. */
  recentCommits: { sha: string; at: string; subject: string }[]
  directives: string[]
  /** The molecule poured on the hooked bead, with its steps' progress (optional: primes from before molecules). */
  molecule?: MoleculeInstance | null
}

/** The Gas Town names and their plain meaning, shown beside each other in the UI and docs. */
export const GLOSSARY: Record<string, string> = {
  Town: 'the workspace: ledger + all projects',
  Rig: 'a project: one git repository the town manages',
  Polecat: 'a worker agent in its own worktree and branch',
  Hook: "a polecat's durable workspace: worktree, session log, checkpoint",
  Bead: 'a work item in the ledger',
  Ledger: 'the record of work items, decisions, attempts and failures',
  Sling: 'hand a bead to a polecat and start its agent',
  Deacon: 'what needs a human: permission requests, escalations and alarms, in one inbox',
  Seance: 'asking the history: past sessions and why they ended',
  Refinery: 'the merge queue',
  Molecule: 'a task template (TOML): steps, timeout, convoy mode, escalation thresholds',
  Convoy: 'a batch of work dispatched in dependency waves and tracked together to landing'
}

// ---- molecules (task templates) ----

/** Where a molecule template comes from; a rig's wins over the town's, the town's over the app's own. */
export const MOLECULE_ORIGINS = ['rig', 'town', 'shipped'] as const
export type MoleculeOrigin = (typeof MOLECULE_ORIGINS)[number]

/** Convoy settings a molecule carries for the convoy work: stored with each pour, not acted on yet. */
export const CONVOY_MODES = ['mountain', 'gated'] as const
export type ConvoyMode = (typeof CONVOY_MODES)[number]

/** An `[escalation]` table as written: overrides the rig's rules for the molecule's beads. */
export interface MoleculeEscalation {
  p0_threshold?: string
  p1_threshold?: string
  p2_threshold?: string
  deacon_notify?: boolean
}

export interface MoleculeVar {
  name: string
  description: string
  required: boolean
  default: string | null
}

export interface MoleculeStepTemplate {
  id: string
  title: string
  description: string
  needs: string[]
  acceptance: string | null
}

/** A template, validated: the seed's `[molecule]` shape or a Gas Town formula, in one form. */
export interface MoleculeTemplate {
  name: string
  description: string
  /** `molecule`: a `[molecule]` table (the seed's shape); `formula`: a Gas Town formula (`formula = …`). */
  shape: 'molecule' | 'formula'
  version: number | null
  timeout: { text: string; seconds: number } | null
  convoy: { mode: ConvoyMode | null; bundleSize: number | null } | null
  hooks: { workspace: string | null; ledger: string | null } | null
  escalation: MoleculeEscalation
  /** Where each escalation field was set ("feature.toml:14"), for the witness's reasons. */
  escalationOrigins: Partial<Record<keyof MoleculeEscalation, string>>
  vars: MoleculeVar[]
  steps: MoleculeStepTemplate[]
  /** Things ignored or odd that do not stop it being used (unknown keys), each "FILE:LINE: field: …". */
  warnings: string[]
}

/** One template file as `gt mol list` shows it: usable, or broken with its error. */
export interface MoleculeEntry {
  /** The template's name; for a file that does not load, its file name without .toml. */
  name: string
  origin: MoleculeOrigin
  rig: string | null
  file: string
  /** null when it loads; else "FILE:LINE: field: what is wrong". */
  error: string | null
  description: string
  steps: number
  vars: string[]
  warnings: string[]
  /** A template of the same name that wins over this one ("town", "rig web"); null when this one is used. */
  overriddenBy: string | null
}

export interface MoleculeDetail extends MoleculeEntry {
  template: MoleculeTemplate
}

export type MoleculeStepState = 'done' | 'current' | 'ready' | 'waiting'

export interface MoleculeStep {
  id: string
  beadId: string
  title: string
  description: string
  acceptance: string | null
  needs: string[]
  /** done: its bead is closed; current: the step to work on now; ready: its needs are done; waiting: not yet. */
  state: MoleculeStepState
  /** The summary it was closed with (gt mol advance --summary). */
  summary: string | null
  closedAt: string | null
}

/** A molecule poured on a bead: its steps are child beads of it, walked with gt mol current / advance. */
export interface MoleculeInstance {
  id: string
  name: string
  beadId: string
  origin: MoleculeOrigin
  rig: string | null
  sourceFile: string
  description: string
  vars: Record<string, string>
  timeout: { text: string; seconds: number } | null
  /** poured_at + timeout: past it while the bead is open, the witness escalates. */
  deadline: string | null
  convoy: { mode: ConvoyMode | null; bundleSize: number | null } | null
  hooks: { workspace: string | null; ledger: string | null } | null
  escalation: MoleculeEscalation
  pouredAt: string
  pouredBy: string
  steps: MoleculeStep[]
  /** The id of the current step; null when every step is done. */
  current: string | null
  done: number
}

/** What gt mol advance did: the step it closed and the one that is current now. */
export interface MoleculeAdvance {
  closed: MoleculeStep
  next: MoleculeStep | null
  molecule: MoleculeInstance
  checkpointAt: string
}

/** Where a merge request is in its rig's queue. */
export const MERGE_STATES = ['pending', 'testing', 'awaiting_approval', 'merged', 'failed', 'changes_requested', 'rejected'] as const
export type MergeState = (typeof MERGE_STATES)[number]

/** Why a merge request came back instead of landing. */
export interface MergeFailure {
  kind: 'checks' | 'conflict' | 'missing' | 'review' | 'rejected' | 'error'
  message: string
  /** A conflict: the files both sides changed. */
  files?: string[]
  /** A red candidate: the failing output (its tail). */
  output?: string
  /** The candidate run that showed it. */
  runId?: string
  by?: string
}

/** A merge request in the refinery's queue (its id is the merge-request bead's). */
export interface MergeQueueEntry {
  id: string
  rig: string
  branch: string
  title: string
  /** The bead the work was for (null for a branch the user queued with gt mq add). */
  beadId: string | null
  polecatId: string | null
  priority: number
  state: MergeState
  /** The branch head when it was queued, when it was last tested in a candidate, and the target commit it landed in. */
  queuedSha: string | null
  testedSha: string | null
  mergedSha: string | null
  failure: MergeFailure | null
  enqueuedAt: string
  startedAt: string | null
  finishedAt: string | null
  updatedAt: string
}

/** One candidate the refinery built and tested: some requests applied on the target. */
export interface MergeRun {
  id: string
  rig: string
  targetBranch: string
  targetSha: string
  requests: string[]
  candidateSha: string | null
  status: 'building' | 'testing' | 'green' | 'red' | 'cancelled' | 'error'
  detail: string | null
  /** Each check command with what it printed (head and tail, the middle dropped past 16 KiB). */
  checks: { check: string; command: string; status: string; exitCode: number | null; durationMs: number; output: string }[]
  startedAt: string
  finishedAt: string | null
}

// ---- Diff review (the diff of a polecat's branch or a merge request, and the engineer's line comments) ----

/** What a diff is of: a polecat's branch (its worktree too) or a merge-request bead's branch. */
export interface DiffTarget {
  kind: 'polecat' | 'merge-request'
  /** The polecat id (RIG/NAME) or the merge-request bead id. */
  id: string
  rig: string
  branch: string
  /** The polecat whose branch it is (for a merge request: the polecat on that branch, if any). */
  polecatId: string | null
}

/**
 * One file of a diff. `status` is the kind of change; a binary file that was modified is `binary` (added,
 * deleted and renamed binaries keep those and have `binary: true`). Binaries count 0 added and 0 deleted
 * lines (git's numstat says "-").
 */
export interface DiffFileEntry {
  path: string
  /** The path before a rename; null otherwise. */
  oldPath: string | null
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'binary'
  additions: number
  deletions: number
  binary: boolean
}

export interface DiffTotals {
  files: number
  additions: number
  deletions: number
}

/** A list of changed files: the branch's commits, or (a polecat) what its worktree holds uncommitted. */
export interface DiffSection {
  files: DiffFileEntry[]
  totals: DiffTotals
  /** More files changed than the list holds (DIFF_LIMITS.files): totals count the files listed. */
  truncated: boolean
}

/** `diff.get`: base = where the branch left the rig's target (merge-base), head = the branch's tip. */
export interface BranchDiff extends DiffSection {
  target: DiffTarget
  base: { ref: string; sha: string }
  head: { ref: string; sha: string }
  /** A polecat's worktree changes not committed yet (tracked and untracked), against its HEAD; null for a merge request. */
  uncommitted: DiffSection | null
}

export type DiffSectionName = 'committed' | 'uncommitted'

/** `diff.file`: one file's unified patch (git diff -M), capped at DIFF_LIMITS.patchBytes. */
export interface FilePatch {
  path: string
  oldPath: string | null
  section: DiffSectionName
  binary: boolean
  /** The patch text from its `diff --git` line; cut at a line end when longer than the cap. */
  patch: string
  truncated: boolean
  /** The commits it compares (for uncommitted: HEAD and the worktree, sha null). */
  base: string
  head: string | null
}

/** A comment the engineer made on one line of a diff; it went to the polecat as mail (subject REVIEW). */
export interface ReviewComment {
  id: string
  target: { kind: DiffTarget['kind']; id: string }
  rig: string
  branch: string
  polecatId: string | null
  path: string
  line: number
  side: 'old' | 'new'
  section: DiffSectionName
  body: string
  /** The branch's head when the comment was made: a comment on an older head is outdated. */
  headSha: string
  createdAt: string
  createdBy: string
  /** The REVIEW mail (null when no polecat works on the branch) and when the agent got it. */
  mailId: string | null
  mailDeliveredAt: string | null
}

/** Bounds of what diff.get and diff.file return. */
export const DIFF_LIMITS = {
  /** Files listed per section. */
  files: 5000,
  /** Bytes of one file's patch. */
  patchBytes: 2 * 1024 * 1024,
  /** A file larger than this (either side) gets no patch at all, only its stats. */
  fileBytes: 64 * 1024 * 1024
} as const

// ---- convoys (a batch of beads dispatched in dependency waves, tracked to landing) ----

export const CONVOY_STATES = ['open', 'landed'] as const
export type ConvoyState = (typeof CONVOY_STATES)[number]

/**
 * Where a bead of a convoy is. landed: closed (merged by the refinery, or closed by hand). waiting: something it
 * needs is not closed. ready: everything it needs is closed and it is about to be slung. approval: ready, in a
 * gated wave waiting in the inbox. working: a polecat holds it. merging: its merge request is in the queue.
 * skipped: its retries ran out (a failure reached the inbox); the rest go on. held: its wave was denied.
 * stopped: slung once, now neither held by a polecat nor merging (gt convoy add slings it again). blocked:
 * it cannot be slung (a sling failed, or its status is blocked/deferred).
 */
export const CONVOY_BEAD_STATES = ['landed', 'waiting', 'ready', 'approval', 'working', 'merging', 'skipped', 'held', 'stopped', 'blocked'] as const
export type ConvoyBeadState = (typeof CONVOY_BEAD_STATES)[number]

export interface ConvoyBead {
  id: string
  title: string
  rig: string | null
  status: BeadStatus
  /** Its dependency level in the convoy, from 1: wave 1 needs nothing in the convoy. */
  wave: number
  state: ConvoyBeadState
  /** The beads it needs (blocks dependencies), in the convoy or not. */
  needs: string[]
  /** What of that is not closed yet. */
  waitsFor: string[]
  /** In words: what it waits for or what happens to it now. */
  detail: string
  polecatId: string | null
  mergeRequest: { id: string; state: MergeState } | null
  addedAt: string
  dispatchedAt: string | null
  skipped: { at: string; reason: string; inboxItem: string | null } | null
}

export interface Convoy {
  id: string
  title: string
  mode: ConvoyMode
  molecule: string | null
  /** The molecule's variables, the same for every bead (besides the built-in bead, bead_title and rig). */
  moleculeVars: Record<string, string>
  /** The runtime its beads are slung to (null: the town's default), or a custom command. */
  agent: string | null
  agentCmd: string | null
  state: ConvoyState
  createdAt: string
  createdBy: string
  updatedAt: string
  landedAt: string | null
  landedBy: string | null
  /** Beads not closed when the convoy was landed by force (gt convoy land --force). */
  leftOut: string[]
}

/** A convoy with where each of its beads is: what gt convoy status, the board and the `convoy` event carry. */
export interface ConvoyStatus extends Convoy {
  beads: ConvoyBead[]
  /** Bead ids by dependency level: waves[0] is wave 1. */
  waves: string[][]
  progress: { landed: number; total: number; skipped: number }
  /** Why it has not landed: one line per bead not closed (empty once landed). */
  notLanding: { bead: string; why: string }[]
  /** A dependency cycle among its beads ([a, b, a]): nothing in it can ever be ready. */
  cycle: string[] | null
  /** A gated wave waiting in the inbox. */
  approval: { item: string; wave: number; beads: string[] } | null
}

/** The AI mayor's terminal: no slash, so never a polecat's RIG/NAME. (Here, not in the contract: the page must not load zod, whose eval probe the page's CSP reports.) */
export const MAYOR_TERMINAL = 'mayor'
