// The one typed contract between the control room's clients (renderer, gt command) and the core.
// Every request is `{ method, params }`; params are validated here, in the core, whichever transport
// carried them (Electron IPC, WebSocket, or the loopback HTTP endpoint that `gt` uses).
import { z } from 'zod'
import {
  BEAD_STATUSES,
  BEAD_TYPES,
  DEP_TYPES,
  SEVERITIES,
  type Bead,
  type Escalation,
  type LedgerEvent,
  type Mail,
  type Polecat,
  type PrimeContext,
  type Rig,
  type RuntimePreset,
  type Session,
  type SessionLogLine
} from './domain'
import { FLOW, NOTIFY_METHODS, SAFE_NAME, TOPICS, type NotifyMethod, type Topic } from './constants'

export { FLOW, NOTIFY_METHODS, SAFE_NAME, TOPICS, type NotifyMethod, type Topic }

export const safeName = z
  .string()
  .regex(SAFE_NAME, 'use 1–39 lowercase letters, digits, "-" or "_", starting with a letter or digit')

const beadId = z.string().min(1).max(64)
const polecatId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,38}\/[a-z0-9][a-z0-9_-]{0,38}$/, 'expected RIG/NAME')
const priority = z.number().int().min(0).max(4)
const dep = z.object({ type: z.enum(DEP_TYPES), target: beadId })
const empty = z.object({}).strict()

export interface TownInfo {
  town: string
  version: string
  runtimes: RuntimePreset[]
  defaultRuntime: string
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

export interface DoneResult {
  branch: string
  commits: number
  mergeRequest: Bead
}

/** Methods a human (renderer or `gt` with the town's endpoint token) may call. */
export const humanMethods = {
  'town.info': { params: empty, result: {} as TownInfo },
  'rigs.list': { params: empty, result: [] as Rig[] },
  'rigs.add': { params: z.object({ name: safeName, source: z.string().min(1).max(4096) }).strict(), result: {} as Rig },
  'rigs.remove': { params: z.object({ name: safeName, force: z.boolean().default(false) }).strict(), result: {} as { removed: string } },
  'beads.list': {
    params: z
      .object({
        status: z.array(z.enum(BEAD_STATUSES)).optional(),
        rig: safeName.optional(),
        type: z.enum(BEAD_TYPES).optional(),
        text: z.string().max(200).optional(),
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
        title: z.string().trim().min(1, 'a bead needs a title').max(300),
        description: z.string().max(100_000).default(''),
        priority: priority.default(2),
        type: z.enum(BEAD_TYPES).default('task'),
        rig: safeName.nullable().optional(),
        labels: z.array(z.string().min(1).max(64)).max(50).default([]),
        deps: z.array(dep).max(100).default([])
      })
      .strict(),
    result: {} as Bead
  },
  'beads.update': {
    params: z
      .object({
        id: beadId,
        title: z.string().trim().min(1).max(300).optional(),
        description: z.string().max(100_000).optional(),
        status: z.enum(BEAD_STATUSES).optional(),
        priority: priority.optional(),
        type: z.enum(BEAD_TYPES).optional(),
        assignee: z.string().max(80).nullable().optional(),
        rig: safeName.nullable().optional(),
        addLabels: z.array(z.string().min(1).max(64)).max(50).optional(),
        removeLabels: z.array(z.string().min(1).max(64)).max(50).optional(),
        addDeps: z.array(dep).max(100).optional(),
        removeDeps: z.array(dep).max(100).optional()
      })
      .strict(),
    result: {} as Bead
  },
  'beads.close': { params: z.object({ id: beadId, reason: z.string().max(2000).default('done') }).strict(), result: {} as Bead },
  sling: {
    params: z
      .object({
        bead: beadId,
        rig: safeName,
        agent: z.string().min(1).max(64).optional(),
        agentCmd: z.string().min(1).max(4096).optional()
      })
      .strict(),
    result: {} as Polecat
  },
  'polecats.list': { params: empty, result: [] as Polecat[] },
  'polecats.stop': { params: z.object({ polecat: polecatId }).strict(), result: {} as Polecat },
  'terminal.attach': { params: z.object({ polecat: polecatId }).strict(), result: {} as TerminalSnapshot },
  'terminal.detach': { params: z.object({ polecat: polecatId }).strict(), result: {} as { ok: true } },
  'terminal.ack': { params: z.object({ polecat: polecatId, bytes: z.number().int().min(0).max(1e9) }).strict(), result: {} as { ok: true } },
  'terminal.input': { params: z.object({ polecat: polecatId, data: z.string().min(1).max(65536) }).strict(), result: {} as { ok: true } },
  'terminal.resize': {
    params: z.object({ polecat: polecatId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(500) }).strict(),
    result: {} as { ok: true }
  },
  'terminal.takeover': { params: z.object({ polecat: polecatId }).strict(), result: {} as Polecat },
  'terminal.handback': { params: z.object({ polecat: polecatId }).strict(), result: {} as Polecat },
  'inbox.list': { params: z.object({ includeAcknowledged: z.boolean().default(false) }).strict(), result: [] as Escalation[] },
  'inbox.ack': { params: z.object({ id: z.string().min(1).max(64) }).strict(), result: {} as Escalation },
  'sessions.list': {
    params: z.object({ bead: beadId.optional(), polecat: polecatId.optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: [] as Session[]
  },
  'sessions.show': { params: z.object({ id: z.string().min(1).max(64) }).strict(), result: {} as SessionTranscript },
  'ledger.list': {
    params: z.object({ subject: z.string().max(120).optional(), afterId: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    result: [] as LedgerEvent[]
  }
} as const

/** Methods an agent calls with its own GT_TOKEN; the core knows which polecat it is from the token alone. */
export const agentMethods = {
  'agent.prime': { params: empty, result: {} as PrimeContext },
  'agent.checkpoint': { params: z.object({ data: z.unknown() }).strict(), result: {} as { at: string } },
  'agent.note': { params: z.object({ text: z.string().trim().min(1).max(20_000) }).strict(), result: {} as LedgerEvent },
  'agent.mail.send': {
    params: z.object({ to: z.string().min(1).max(80), subject: z.string().min(1).max(300), body: z.string().max(100_000).default('') }).strict(),
    result: {} as Mail
  },
  'agent.mail.check': { params: empty, result: [] as Mail[] },
  'agent.escalate': {
    params: z
      .object({ severity: z.enum(SEVERITIES), title: z.string().trim().min(1).max(300), body: z.string().max(100_000).default('') })
      .strict(),
    result: {} as Escalation
  },
  'agent.done': { params: z.object({ summary: z.string().max(20_000).default('') }).strict(), result: {} as DoneResult }
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
  | { type: 'progress'; requestId: string; message: string; percent: number | null }
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
