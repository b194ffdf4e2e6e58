// Domain types shared by the core, the gt command and the renderer.
// No Node and no DOM here: this file is imported on both sides of the contract.

export const BEAD_STATUSES = ['open', 'in_progress', 'hooked', 'blocked', 'deferred', 'closed'] as const
export type BeadStatus = (typeof BEAD_STATUSES)[number]

// The dependency types real Beads uses most; `tracks` links a merge request to the bead it delivers.
export const DEP_TYPES = ['blocks', 'parent-child', 'related', 'discovered-from', 'tracks'] as const
export type DepType = (typeof DEP_TYPES)[number]

export const BEAD_TYPES = ['task', 'bug', 'feature', 'epic', 'chore', 'merge-request', 'escalation'] as const
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
}

/** One line of a session log (JSONL). */
export type SessionLogLine =
  | { t: string; kind: 'output'; seq: number; data: string }
  | { t: string; kind: 'input'; by: 'human'; data: string }
  | { t: string; kind: 'event'; event: string; data?: unknown }

export interface Escalation {
  id: string
  severity: Severity
  title: string
  body: string
  polecatId: string | null
  beadId: string | null
  createdAt: string
  acknowledgedAt: string | null
}

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
  directives: string[]
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
  Deacon: 'alerts to the human: the escalation inbox',
  Seance: 'asking the history: past sessions and why they ended',
  Refinery: 'the merge queue'
}
