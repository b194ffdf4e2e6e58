// The one typed contract between the control room's clients (renderer, gt command) and the core.
// Every request is `{ method, params }`; params are validated here, in the core, whichever transport
// carried them (Electron IPC, WebSocket, or the loopback HTTP endpoint that `gt` uses).
import { MAYOR_TERMINAL } from './domain'
import { z } from 'zod'
import {
  BEAD_STATUSES,
  BEAD_TYPES,
  DEP_TYPES,
  SEVERITIES,
  PERMISSION_ACTIONS,
  MERGE_STATES,
  type MergeQueueEntry,
  type MergeRun,
  type Bead,
  type InboxItem,
  type PermissionRule,
  type CheckRun,
  type RigConfig,
  type RecoveryReport,
  type LedgerEvent,
  type Mail,
  type MoleculeAdvance,
  type MoleculeDetail,
  type MoleculeEntry,
  type MoleculeInstance,
  type Polecat,
  type PrimeContext,
  type Rig,
  type RuntimePreset,
  type Session,
  type SessionLogLine,
  type BranchDiff,
  type FilePatch,
  type ReviewComment,
  CONVOY_MODES,
  type ConvoyStatus
} from './domain'
import type { ExportedFile, ImportReport } from './beads-jsonl'
import { FLOW, NOTIFY_METHODS, SAFE_NAME, TOPICS, type NotifyMethod, type Topic } from './constants'
import type { SchedulerChange, SchedulerStatus } from './scheduler'

export { FLOW, NOTIFY_METHODS, SAFE_NAME, TOPICS, type NotifyMethod, type Topic }

export const safeName = z
  .string()
  .regex(SAFE_NAME, 'use 1–39 lowercase letters, digits, "-" or "_", starting with a letter or digit')

// What people and agents write reaches terminals (gt prints it), an agent's argv and typed first prompt, and
// the ledger other agents read: characters that would act there instead of print are refused here.
const CONTROL = /[\x00-\x1f\x7f-\x9f]/
// Line breaks and tabs are text; \r is never seen here: text() turns CRLF and lone CR into \n first.
const CONTROL_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/
const CHAR_NAMES: Record<number, string> = { 0: 'NUL', 9: 'tab', 10: 'line break', 13: 'carriage return', 27: 'ESC', 127: 'DEL' }
const charName = (c: string): string => {
  const code = c.charCodeAt(0)
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}${CHAR_NAMES[code] ? ` (${CHAR_NAMES[code]})` : ''}`
}

/** One line of text: a title, a label, a name. No control character at all, not even a tab. */
function line(what: string, max: number, opts: { min?: number; trim?: boolean } = {}) {
  let s = z.string()
  if (opts.trim) s = s.trim()
  if (opts.min) s = s.min(opts.min, `${what} is empty: give one`)
  return s.max(max, `${what} is longer than ${max} characters: shorten it`).superRefine((v, ctx) => {
    const m = CONTROL.exec(v)
    if (m) ctx.addIssue({ code: 'custom', message: `${what} is one line of plain text, but character ${m.index + 1} is the control character ${charName(m[0])}: remove it` })
  })
}

/**
 * Text of several lines: a description, a note, a mail or escalation body. Line breaks and tabs are kept;
 * CRLF and lone CR become \n (text pasted from Windows or a terminal is common, and a lone CR on a
 * terminal moves back over what was printed); any other control character is refused.
 */
function text(what: string, max: number, opts: { min?: number; trim?: boolean } = {}) {
  let s = z.string().overwrite((v) => v.replace(/\r\n?/g, '\n'))
  if (opts.trim) s = s.trim()
  if (opts.min) s = s.min(opts.min, `${what} is empty: give one`)
  return s.max(max, `${what} is longer than ${max} characters: shorten it`).superRefine((v, ctx) => {
    const m = CONTROL_IN_TEXT.exec(v)
    if (m) ctx.addIssue({ code: 'custom', message: `${what} may hold line breaks and tabs but no other control character; character ${m.index + 1} is ${charName(m[0])}: remove it` })
  })
}

// A bead id becomes a component of a git branch name (polecat/NAME/ID) and is typed in shells: letters,
// digits, '.', '_', '-'; not starting with '-' (an option) or '.', and none of what git refuses in a ref.
const BEAD_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
const beadId = z
  .string()
  .min(1, 'a bead id is empty: give one, e.g. gt-k3x9a')
  .max(64, 'a bead id is at most 64 characters')
  .refine((v) => BEAD_ID.test(v) && !v.includes('..') && !v.endsWith('.') && !v.endsWith('.lock'), {
    error: (iss) => `${JSON.stringify(iss.input)} is not a bead id: use letters, digits, ".", "_" and "-", not starting with "-" or "." (e.g. gt-k3x9a)`
  })
const polecatId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,38}\/[a-z0-9][a-z0-9_-]{0,38}$/, 'expected RIG/NAME')
export { MAYOR_TERMINAL }
// A live terminal: a polecat's, or the mayor's (same stream, same attach/ack/resize; typed into without a takeover).
const terminalId = z.union([polecatId, z.literal(MAYOR_TERMINAL)], { error: 'expected RIG/NAME (a polecat) or "mayor"' })
const priority = z.number().int().min(0).max(4)
const dep = z.object({ type: z.enum(DEP_TYPES), target: beadId })
const label = line('a label', 64, { min: 1 })
const empty = z.object({}).strict()
const inboxId = z.string().min(1).max(64)
// A molecule template's name (its file names it in the town or rig folder); a variable's name in {{name}}.
const moleculeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a molecule name is letters, digits, "-", "_" and ".", starting with a letter or digit (gt mol list shows them)')
const moleculeVars = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'a variable name is letters, digits, "_" and "-", starting with a letter or "_"'), text('a variable value', 10_000))
  .refine((v) => Object.keys(v).length <= 100, 'at most 100 variables')

/** The AI mayor session: running or not, and the last one's end. Its terminal is terminal.* with polecat "mayor". */
export interface MayorStatus {
  running: boolean
  sessionId: string | null
  runtime: string | null
  startedAt: string | null
  /** The folder it runs in (<town>/mayor). */
  cwd: string
  /** How the last session ended (stopped, exited, crashed, app-quit), while none runs. */
  ended: { sessionId: string; reason: string; exitCode: number | null; at: string } | null
}

export interface TownInfo {
  town: string
  version: string
  runtimes: RuntimePreset[]
  defaultRuntime: string
}

/** `gt town check`: PRAGMA integrity_check of the ledger. */
export interface TownCheck {
  file: string
  ok: boolean
  problems: string[]
  ms: number
}

export interface BeadDetail {
  bead: Bead
  events: LedgerEvent[]
  sessions: Session[]
  mergeRequests: Bead[] // open merge-request beads that track this bead
}

export interface TerminalSnapshot {
  polecatId: string
  sessionId: string | null
  /** Output the view missed, oldest first; may start after the session began if the replay buffer wrapped. */
  data: string
  /** Sequence number of the last chunk included in `data`; live chunks continue from seq + 1. */
  seq: number
  truncated: boolean
  takenOver: boolean
  running: boolean
}

export interface SessionTranscript {
  session: Session
  lines: SessionLogLine[]
}

/** What `gt hook` prints (`stdout`) and exits with (2: the runtime's "block"). */
export interface HookAnswer {
  stdout?: string
  exitCode?: number
}

export interface DoneResult {
  branch: string
  commits: number
  mergeRequest: Bead
}

// ---- diff review: the diff of a polecat's branch or a merge request, and comments on its lines ----

/** A diff's target: a polecat's branch (with its worktree's uncommitted changes) or a merge-request bead. */
const diffTarget = {
  polecat: polecatId.optional(),
  mergeRequest: beadId.optional()
}
const oneTarget = <T extends { polecat?: string; mergeRequest?: string }>(v: T, ctx: z.RefinementCtx): void => {
  if ((v.polecat === undefined) === (v.mergeRequest === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give exactly one of polecat (RIG/NAME) and mergeRequest (a merge-request bead id)' })
  }
}
// A path as git names it, relative to the repository: it is matched against the diff's own list and handed to
// git only as a literal pathspec after "--". Any character git allows, but NUL (which git paths cannot hold).
const repoPath = z
  .string()
  .min(1, 'path is empty: give a file path as diff.get lists it')
  .max(4096, 'path is longer than 4096 characters')
  .refine((v) => !v.includes('\0'), 'path holds a NUL character, which no git path can')
const diffSection = z.enum(['committed', 'uncommitted']).default('committed')

const diffMethods = {
  /** The files a branch changed since it left the rig's target branch (merge-base), with line counts. */
  'diff.get': { params: z.object(diffTarget).strict().superRefine(oneTarget), result: {} as BranchDiff },
  /** One file's unified patch (renames detected), capped at DIFF_LIMITS.patchBytes. */
  'diff.file': {
    params: z
      .object({ ...diffTarget, path: repoPath, section: diffSection, context: z.number().int().min(0).max(100_000).default(3) })
      .strict()
      .superRefine(oneTarget),
    result: {} as FilePatch
  },
  /** A comment on one line; it goes to the polecat as mail (REVIEW), and a merge request waits for a new gt done. */
  'review.comment': {
    params: z
      .object({
        ...diffTarget,
        path: repoPath,
        line: z.number().int().min(1, 'line numbers start at 1').max(10_000_000),
        side: z.enum(['old', 'new']),
        section: diffSection,
        body: text('a review comment', 20_000, { trim: true, min: 1 })
      })
      .strict()
      .superRefine(oneTarget),
    result: {} as ReviewComment
  },
  /** The comments on the target's branch (whichever target they were made on), oldest first. */
  'review.list': { params: z.object({ ...diffTarget, path: repoPath.optional() }).strict().superRefine(oneTarget), result: [] as ReviewComment[] }
} as const

// ---- convoys: a batch of beads dispatched in dependency waves and tracked together to landing ----

const convoyId = z.string().regex(/^convoy-[a-z0-9]{1,40}$/, 'a convoy id looks like convoy-mf3k2a9c1e (gt convoy list shows them)')
const convoyBeads = z.array(beadId).min(1, 'name at least one bead').max(500, 'at most 500 beads at once')

const convoyMethods = {
  /** A convoy of beads (each runs in its own rig); the molecule is poured on each bead that has none. */
  'convoys.create': {
    params: z
      .object({
        title: line('a convoy title', 300, { trim: true, min: 1 }),
        beads: convoyBeads,
        molecule: moleculeName.optional(),
        /** The molecule's variables, for every bead's pour. */
        vars: moleculeVars.default({}),
        /** mountain: each wave is slung at once; gated: each wave waits in the inbox for approval. Default: the molecule's, else mountain. */
        mode: z.enum(CONVOY_MODES).optional(),
        agent: line('an agent runtime name', 64, { min: 1 }).optional(),
        agentCmd: text('an agent command', 4096, { min: 1 }).optional()
      })
      .strict()
      .refine((v) => !(v.agent && v.agentCmd), 'give either agent or agentCmd, not both')
      .refine((v) => v.molecule || Object.keys(v.vars).length === 0, 'vars are for a molecule: give molecule too'),
    result: {} as ConvoyStatus
  },
  /** Adds beads (a landed convoy opens again); a bead already in it is offered again (after a skip, a denied wave). */
  'convoys.add': { params: z.object({ id: convoyId, beads: convoyBeads }).strict(), result: {} as ConvoyStatus },
  /** Where each bead is, the waves, and why it has not landed. */
  'convoys.status': { params: z.object({ id: convoyId }).strict(), result: {} as ConvoyStatus },
  /** Lands it now if every bead is closed; with force, also when some are not (they are recorded as left out). */
  'convoys.land': { params: z.object({ id: convoyId, force: z.boolean().default(false) }).strict(), result: {} as ConvoyStatus },
  'convoys.list': { params: z.object({ includeLanded: z.boolean().default(false) }).strict(), result: [] as ConvoyStatus[] }
} as const

// ---- the scheduler: limits on agents alive at once, and the queue of starts waiting for room ----
const schedulerLimit = z
  .number()
  .int('a limit is a whole number of agents')
  .min(1, 'a limit of 0 would start nothing: pause the scheduler instead (gt scheduler pause)')
  .max(10_000, 'a limit is at most 10000 agents')
const schedulerMethods = {
  /** Agents alive per rig and town, the limits, and the queue in order with why each start waits. */
  'scheduler.status': { params: empty, result: {} as SchedulerStatus },
  /** Sets the town's limit, or a rig's (`rig`); `limit: null` goes back to the default. */
  'scheduler.limit': { params: z.object({ rig: safeName.optional(), limit: schedulerLimit.nullable() }).strict(), result: {} as SchedulerStatus },
  /** Holds the queue: running agents go on, nothing new starts until resume. */
  'scheduler.pause': { params: z.object({ reason: line('a reason', 300, { trim: true }).optional() }).strict(), result: {} as { paused: boolean; status: SchedulerStatus } },
  'scheduler.resume': { params: empty, result: {} as { resumed: boolean; status: SchedulerStatus } },
  /** Parks a rig: nothing new starts in it (running agents go on; queued work moves to a twin rig or waits). */
  'scheduler.park': { params: z.object({ rig: safeName, reason: line('a reason', 300, { trim: true }).optional() }).strict(), result: {} as { parked: boolean; status: SchedulerStatus } },
  'scheduler.unpark': { params: z.object({ rig: safeName }).strict(), result: {} as { unparked: boolean; status: SchedulerStatus } }
} as const

// ---- the AI mayor: an agent CLI in a PTY of its own (<town>/mayor) with a token scoped to mayor tools ----

const mayorMethods = {
  /** Starts the mayor session (default: the town's default runtime); refused while one runs. */
  'mayor.start': {
    params: z
      .object({
        runtime: line('an agent runtime name', 64, { min: 1 }).optional(),
        agentCmd: text('an agent command', 4096, { min: 1 }).optional()
      })
      .strict()
      .refine((v) => !(v.runtime && v.agentCmd), 'give either runtime or agentCmd, not both'),
    result: {} as MayorStatus
  },
  /** Ends the mayor session; its token dies with it. */
  'mayor.stop': { params: empty, result: {} as MayorStatus },
  'mayor.status': { params: empty, result: {} as MayorStatus }
} as const

/** Methods a human (renderer or `gt` with the town's endpoint token) may call. */
export const humanMethods = {
  'town.info': { params: empty, result: {} as TownInfo },
  'town.check': { params: empty, result: {} as TownCheck },
  /**
   * Every running agent's work saved (a WIP commit of what is uncommitted, pushed) and the agent stopped;
   * dispatch paused until resumed. The control room keeps running.
   */
  'town.drain': { params: empty, result: {} as { stopped: string[]; committed: string[]; unpushed: string[] } },
  /** Dispatch resumes after a mass death (or a drain) paused it. */
  'town.resume': { params: empty, result: {} as { resumed: boolean } },
  'town.status': { params: empty, result: {} as { dispatchPaused: string | null } },
  /** The last start-up recovery (null when nothing needed recovering). */
  'town.recovery': { params: empty, result: {} as RecoveryReport | null },
  'rigs.list': { params: empty, result: [] as Rig[] },
  'rigs.add': { params: z.object({ name: safeName, source: line('a rig source (path or git URL)', 4096, { min: 1 }) }).strict(), result: {} as Rig },
  'rigs.config': { params: z.object({ rig: safeName }).strict(), result: {} as RigConfig },
  'rigs.configure': {
    params: z.object({ rig: safeName, key: line('a setting name', 80, { min: 1 }), value: text('a setting value', 4000).nullable() }).strict(),
    result: {} as RigConfig
  },
  'rigs.remove': { params: z.object({ name: safeName, force: z.boolean().default(false) }).strict(), result: {} as { removed: string } },
  'beads.list': {
    params: z
      .object({
        status: z.array(z.enum(BEAD_STATUSES)).optional(),
        rig: safeName.optional(),
        type: z.enum(BEAD_TYPES).optional(),
        text: line('the search text', 200).optional(),
        includeClosed: z.boolean().default(false)
      })
      .strict(),
    result: [] as Bead[]
  },
  'beads.ready': { params: z.object({ rig: safeName.optional() }).strict(), result: [] as Bead[] },
  'beads.show': { params: z.object({ id: beadId }).strict(), result: {} as BeadDetail },
  'beads.create': {
    params: z
      .object({
        title: line('a bead title', 300, { trim: true, min: 1 }),
        description: text('a bead description', 100_000).default(''),
        priority: priority.default(2),
        type: z.enum(BEAD_TYPES).default('task'),
        rig: safeName.nullable().optional(),
        labels: z.array(label).max(50).default([]),
        deps: z.array(dep).max(100).default([])
      })
      .strict(),
    result: {} as Bead
  },
  'beads.update': {
    params: z
      .object({
        id: beadId,
        title: line('a bead title', 300, { trim: true, min: 1 }).optional(),
        description: text('a bead description', 100_000).optional(),
        status: z.enum(BEAD_STATUSES).optional(),
        priority: priority.optional(),
        type: z.enum(BEAD_TYPES).optional(),
        assignee: line('an assignee', 80).nullable().optional(),
        rig: safeName.nullable().optional(),
        addLabels: z.array(label).max(50).optional(),
        removeLabels: z.array(label).max(50).optional(),
        addDeps: z.array(dep).max(100).optional(),
        removeDeps: z.array(dep).max(100).optional()
      })
      .strict(),
    result: {} as Bead
  },
  'beads.close': { params: z.object({ id: beadId, reason: text('a close reason', 2000).default('done') }).strict(), result: {} as Bead },
  /**
   * Beads JSONL files (or Beads backup folders) read by the core, imported in one transaction: any bad record
   * refuses the whole import, naming its file, line and field. Absolute paths: the core's cwd is not gt's.
   */
  'beads.import': {
    params: z
      .object({
        paths: z
          .array(line('a file path', 4096, { min: 1 }).refine((v) => v.startsWith('/'), 'an absolute path (gt makes the paths it is given absolute)'))
          .min(1, 'name the Beads files (or a backup folder) to import')
          .max(1000),
        dryRun: z.boolean().default(false)
      })
      .strict(),
    result: {} as ImportReport
  },
  /** The ledger's beads as Beads JSONL: one `bd export` file, or the backup folder's files (with the history). */
  'beads.export': {
    params: z.object({ rig: safeName.optional(), layout: z.enum(['file', 'backup']).default('file') }).strict(),
    result: {} as { files: ExportedFile[] }
  },
  sling: {
    params: z
      .object({
        bead: beadId,
        rig: safeName,
        agent: line('an agent runtime name', 64, { min: 1 }).optional(),
        // A shell command may span lines; a NUL would cut it short in the agent's argv.
        agentCmd: text('an agent command', 4096, { min: 1 }).optional()
      })
      .strict(),
    result: {} as Polecat
  },
  'polecats.list': { params: empty, result: [] as Polecat[] },
  'polecats.stop': { params: z.object({ polecat: polecatId }).strict(), result: {} as Polecat },
  'terminal.attach': { params: z.object({ polecat: terminalId }).strict(), result: {} as TerminalSnapshot },
  'terminal.detach': { params: z.object({ polecat: terminalId }).strict(), result: {} as { ok: true } },
  'terminal.ack': { params: z.object({ polecat: terminalId, bytes: z.number().int().min(0).max(1e9) }).strict(), result: {} as { ok: true } },
  'terminal.input': { params: z.object({ polecat: terminalId, data: z.string().min(1).max(65536) }).strict(), result: {} as { ok: true } },
  'terminal.resize': {
    params: z.object({ polecat: terminalId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(500) }).strict(),
    result: {} as { ok: true }
  },
  'terminal.takeover': { params: z.object({ polecat: polecatId }).strict(), result: {} as Polecat },
  'terminal.handback': { params: z.object({ polecat: polecatId }).strict(), result: {} as Polecat },
  'inbox.list': {
    params: z.object({ includeClosed: z.boolean().default(false), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    result: [] as InboxItem[]
  },
  'inbox.get': { params: z.object({ id: inboxId }).strict(), result: {} as InboxItem },
  'inbox.approve': {
    params: z
      .object({
        id: inboxId,
        /** Also allow from now on, in this rig: the tool, or (Bash) commands starting like this one. */
        always: z.enum(['tool', 'prefix']).optional()
      })
      .strict(),
    result: {} as InboxItem
  },
  'inbox.deny': { params: z.object({ id: inboxId, reason: text('a reason', 4000, { trim: true }).optional() }).strict(), result: {} as InboxItem },
  'inbox.ack': { params: z.object({ id: inboxId }).strict(), result: {} as InboxItem },
  'inbox.snooze': {
    params: z.object({ id: inboxId, until: z.iso.datetime({ offset: true, error: 'until is a time like 2026-12-01T18:00:00Z' }) }).strict(),
    result: {} as InboxItem
  },
  'inbox.reply': { params: z.object({ id: inboxId, text: text('a reply', 20_000, { trim: true, min: 1 }) }).strict(), result: {} as Mail },
  /** Runs the rig's checks in the polecat's worktree now (in the background: the run is returned queued). */
  'checks.run': { params: z.object({ polecat: polecatId }).strict(), result: {} as CheckRun },
  'checks.list': { params: z.object({ rig: safeName.optional(), polecat: polecatId.optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(), result: [] as CheckRun[] },
  'checks.show': { params: z.object({ id: z.string().min(1).max(64) }).strict(), result: {} as CheckRun },
  // The refinery's merge queue (src/main/core/refinery).
  'mq.list': {
    params: z.object({ rig: safeName.optional(), states: z.array(z.enum(MERGE_STATES)).max(MERGE_STATES.length).optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: [] as MergeQueueEntry[]
  },
  'mq.show': { params: z.object({ id: beadId }).strict(), result: {} as { entry: MergeQueueEntry; runs: MergeRun[]; events: LedgerEvent[] } },
  'mq.runs': { params: z.object({ rig: safeName.optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(), result: [] as MergeRun[] },
  /** A candidate's check output so far (the live part arrives as mq.output events). */
  'mq.output': { params: z.object({ run: z.string().min(1).max(64) }).strict(), result: {} as { text: string } },
  /** Queues branches the user made (each must be on the rig's origin), in this order, as one batch's worth. */
  'mq.add': {
    params: z
      .object({
        rig: safeName,
        branches: z.array(line('a branch name', 200, { trim: true, min: 1 })).min(1, 'name at least one branch').max(64, 'at most 64 branches at once'),
        title: line('a title', 300, { trim: true, min: 1 }).optional(),
        priority: priority.default(2)
      })
      .strict(),
    result: [] as MergeQueueEntry[]
  },
  /** Processes the rig's queue now; with `wait`, answers when it is idle again. */
  'mq.run': { params: z.object({ rig: safeName, wait: z.boolean().default(false) }).strict(), result: [] as MergeQueueEntry[] },
  'mq.retry': { params: z.object({ id: beadId }).strict(), result: {} as MergeQueueEntry },
  'mq.reject': { params: z.object({ id: beadId, reason: text('a reason', 4000, { trim: true }).optional() }).strict(), result: {} as MergeQueueEntry },
  /** For an item the witness raised: the Dogs act now (nudge or restart), whatever their backoff. */
  'inbox.retry': { params: z.object({ id: inboxId }).strict(), result: {} as InboxItem },
  /** For an item about a polecat: a new session on its worktree and branch (the running one is stopped first). */
  'inbox.restart': { params: z.object({ id: inboxId }).strict(), result: {} as Polecat },
  'permissions.list': { params: z.object({ rig: safeName.optional() }).strict(), result: [] as PermissionRule[] },
  'permissions.set': {
    params: z
      .object({
        rig: safeName,
        tool: line('a tool name', 120, { trim: true, min: 1 }),
        commandPrefix: line('a command prefix', 500, { trim: true }).nullable().optional(),
        action: z.enum(PERMISSION_ACTIONS)
      })
      .strict(),
    result: {} as PermissionRule
  },
  'permissions.remove': { params: z.object({ id: z.string().min(1).max(64) }).strict(), result: {} as PermissionRule },
  'sessions.list': {
    params: z.object({ bead: beadId.optional(), polecat: polecatId.optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: [] as Session[]
  },
  'sessions.show': { params: z.object({ id: z.string().min(1).max(64) }).strict(), result: {} as SessionTranscript },
  'ledger.list': {
    params: z
      .object({
        subject: z.string().max(120).optional(),
        afterId: z.number().int().min(0).optional(),
        /** Only events of these kinds (e.g. scheduler.routed). */
        kinds: z.array(z.string().min(1).max(80)).min(1).max(20).optional(),
        limit: z.number().int().min(1).max(5000).default(500)
      })
      .strict(),
    result: [] as LedgerEvent[]
  },
  ...diffMethods,
  ...schedulerMethods,
  // ---- molecules (task templates) ----
  /** Every template file: the app's, the town's, and a rig's (one rig, or every rig), broken ones with their error. */
  'molecules.list': { params: z.object({ rig: safeName.optional() }).strict(), result: [] as MoleculeEntry[] },
  /** The template a name means (for a rig's beads: rig > town > shipped), whole. */
  'molecules.show': { params: z.object({ name: moleculeName, rig: safeName.optional() }).strict(), result: {} as MoleculeDetail },
  /** Pours a template on a bead: its steps become the bead's child beads, in one transaction. */
  'molecules.pour': { params: z.object({ name: moleculeName, bead: beadId, vars: moleculeVars.default({}) }).strict(), result: {} as MoleculeInstance },
  ...convoyMethods,
  ...mayorMethods
} as const

/** Methods an agent calls with its own GT_TOKEN; the core knows which polecat it is from the token alone. */
export const agentMethods = {
  'agent.prime': { params: empty, result: {} as PrimeContext },
  'agent.checkpoint': { params: z.object({ data: z.unknown() }).strict(), result: {} as { at: string } },
  'agent.note': { params: z.object({ text: text('a note', 20_000, { trim: true, min: 1 }) }).strict(), result: {} as LedgerEvent },
  'agent.mail.send': {
    params: z
      .object({ to: line('a mail recipient', 80, { min: 1 }), subject: line('a mail subject', 300, { min: 1 }), body: text('a mail body', 100_000).default('') })
      .strict(),
    result: {} as Mail
  },
  'agent.mail.check': { params: empty, result: [] as Mail[] },
  'agent.escalate': {
    params: z
      .object({ severity: z.enum(SEVERITIES), title: line('an escalation title', 300, { trim: true, min: 1 }), body: text('an escalation body', 100_000).default('') })
      .strict(),
    result: {} as InboxItem
  },
  /** A runtime hook of the agent (`gt hook EVENT`): its JSON input; the answer is what the hook prints. */
  'agent.hook': {
    params: z
      .object({
        runtime: z.enum(['claude']),
        event: z.string().regex(/^[A-Za-z]{1,40}$/, 'a hook event name such as PermissionRequest'),
        input: z.record(z.string(), z.unknown())
      })
      .strict(),
    result: {} as HookAnswer
  },
  'agent.done': { params: z.object({ summary: text('a summary', 20_000).default('') }).strict(), result: {} as DoneResult },
  /** The molecule on the agent's hooked bead, with its current step (description, acceptance). */
  'agent.mol.current': { params: empty, result: {} as MoleculeInstance },
  /** Closes the current step with the summary, checkpoints, and returns the step current now. */
  'agent.mol.advance': { params: z.object({ summary: text('a step summary', 20_000, { trim: true }).default('') }).strict(), result: {} as MoleculeAdvance },
  /** What the agent's git did (the commit hook in <town>/git-hooks reports each commit): progress on the bead. */
  'agent.event': {
    params: z.object({ kind: z.enum(['commit']), sha: z.string().regex(/^[0-9a-f]{7,64}$/, 'a commit sha') }).strict(),
    result: {} as { ok: true }
  }
} as const

export type HumanMethod = keyof typeof humanMethods
export type AgentMethod = keyof typeof agentMethods
export type Method = HumanMethod | AgentMethod
type Spec = (typeof humanMethods & typeof agentMethods)[Method]
type SpecOf<M extends Method> = M extends HumanMethod ? (typeof humanMethods)[M] : M extends AgentMethod ? (typeof agentMethods)[M] : never
export type ParamsIn<M extends Method> = z.input<SpecOf<M>['params']>
export type Params<M extends Method> = z.output<SpecOf<M>['params']>
export type Result<M extends Method> = SpecOf<M>['result']
export type AnySpec = Spec

export const ALL_METHODS: Record<string, { params: z.ZodType }> = { ...humanMethods, ...agentMethods }

/** Events the core pushes to a connected client. */
export type CoreEvent =
  | { type: 'changed'; topics: Topic[] }
  /** An inbox item was raised or changed: the item as it now is (views upsert it, no re-read). */
  | { type: 'inbox.item'; item: InboxItem }
  /** A polecat changed (state, activity, hook): the polecat as it now is. */
  | { type: 'polecat'; polecat: Polecat }
  /** Start-up recovery as it goes: each rig and polecat with its state. */
  | { type: 'recovery'; report: RecoveryReport }
  /** The control room is quitting: the agents' work is being saved (WIP commits, pushed), `done` of `total`. */
  | { type: 'quitting'; done: number; total: number; polecatId: string | null }
  | { type: 'progress'; requestId: string; message: string; percent: number | null }
  /** The scheduler's queue, slots, limits or pause changed: what changed, and the status as it now is. */
  | { type: 'scheduler'; changes: SchedulerChange[]; status: SchedulerStatus }
  /** A merge request changed (queued, tested, merged, sent back): the entry as it now is. */
  | { type: 'mq.entry'; entry: MergeQueueEntry }
  /** A candidate was built, tested, or finished: the run as it now is. */
  | { type: 'mq.run'; run: MergeRun }
  /** A candidate's check output as it comes (terminal text, CRLF line ends). */
  | { type: 'mq.output'; runId: string; data: string }
  /** A convoy changed (created, a bead moved, landed, reopened): the convoy as it now is. */
  | { type: 'convoy'; convoy: ConvoyStatus }
  /** The AI mayor session started or ended: its status as it now is. */
  | { type: 'mayor'; mayor: MayorStatus }
  /** `data`: the PTY's UTF-8 bytes, whole characters; a view acknowledges data.length (bytes). */
  | { type: 'terminal.output'; polecatId: string; sessionId: string; seq: number; data: Uint8Array }
  | { type: 'terminal.exit'; polecatId: string; sessionId: string; exitCode: number | null; reason: string }
  /** This view stopped acknowledging and no longer receives output: attach again for a fresh snapshot. */
  | { type: 'terminal.lagged'; polecatId: string; sessionId: string }

/**
 * An event as a view receives it: the same over IPC (structured clone) and the WebSocket, where terminal
 * output crosses as a binary frame (src/shared/terminal-frame.ts) and is handed to xterm as bytes.
 */
export type ViewEvent = CoreEvent

/** The error shape every transport returns. `code` is stable; `message` is for people. */
export interface ContractError {
  code: 'invalid_params' | 'unknown_method' | 'unauthorized' | 'not_found' | 'conflict' | 'failed'
  message: string
  issues?: { path: string; message: string }[]
}

export class CoreError extends Error {
  constructor(
    public code: ContractError['code'],
    message: string,
    public issues?: ContractError['issues']
  ) {
    super(message)
    this.name = 'CoreError'
  }
  toJSON(): ContractError {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) }
  }
}

/** The client side of the contract, identical over IPC and WebSocket. */
export interface ControlRoomClient {
  call<M extends HumanMethod>(method: M, params: ParamsIn<M>, opts?: { onProgress?: (message: string, percent: number | null) => void }): Promise<Result<M>>
  onEvent(listener: (event: ViewEvent) => void): () => void
  /** Fire and forget (NOTIFY_METHODS): no answer, no error; what is lost is healed by re-attaching. */
  notify<M extends NotifyMethod>(method: M, params: ParamsIn<M>): void
}
