// A runtime's hooks, as the core hears them (`gt hook EVENT` → agent.hook): what the agent is doing now
// (its activity comes from these signals, never from its screen), the context it starts with, its
// permission requests, and the boundary of its turns, where mail reaches it.
//
// Claude Code's events (runtimes/claude/hooks-file.ts): SessionStart → the prime text as context;
// UserPromptSubmit, PreToolUse → working; PermissionRequest → the Deacon (rules, inbox, wait); PostToolUse →
// a request still open was answered in the terminal; Notification (idle) and Stop → at its prompt (done, if
// it called gt done) and the moment to hand it mail; SessionEnd → whatever it asked is no longer asked.
import type { Session } from '../../../shared/domain'
import type { HookAnswer, Params } from '../../../shared/contract'
import { permissionRequestOutput, sessionStartOutput, stopBlockOutput } from '../runtimes/claude/hook-output'
import type { Ledger } from '../ledger/ledger'
import type { Sessions } from '../sessions/sessions'
import type { Polecats } from '../polecats/polecats'
import type { Deacon } from '../inbox/deacon'
import type { MailDelivery } from './mail-delivery'
import { primeText } from './prime-text'
import type { AgentApi } from './agent-api'
import type { Witness } from '../witness/witness'

export interface AgentHooksDeps {
  ledger: Ledger
  sessions: Sessions
  polecats: Polecats
  deacon: Deacon
  mail: MailDelivery
  agents: AgentApi
  witness: Witness
}

type Input = Record<string, unknown>
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

export class AgentHooks {
  constructor(private d: AgentHooksDeps) {}

  async handle(session: Session, p: Params<'agent.hook'>, signal?: AbortSignal): Promise<HookAnswer> {
    const input = p.input as Input
    const polecatId = session.polecatId
    const activity = (a: Parameters<Polecats['setActivity']>[1], detail: string | null = null) => this.d.polecats.setActivity(polecatId, a, 'hooks', detail)
    this.d.polecats.heardFrom(polecatId)
    this.d.witness.activity(polecatId, 'hook')
    this.noteRuntimeSession(session, str(input.session_id))
    switch (p.event) {
      case 'SessionStart': {
        // Startup, resume, /clear, after compaction: the agent (re)reads its whole context.
        const source = str(input.source) ?? 'startup'
        this.d.ledger.append(polecatId, 'agent.session-start', session.beadId, { session: session.id, source, runtimeSession: str(input.session_id) })
        return { stdout: sessionStartOutput(primeText(await this.d.agents.prime(session))) }
      }
      case 'UserPromptSubmit':
        activity('working')
        return {}
      case 'PreToolUse':
        activity('working', str(input.tool_name))
        return {}
      case 'PermissionRequest': {
        const tool = str(input.tool_name) ?? 'unknown tool'
        const toolInput = input.tool_input ?? null
        const polecat = this.d.polecats.get(polecatId)
        activity('waiting_permission', describeCall(tool, toolInput))
        // Waiting on a human is not being stuck.
        this.d.witness.setIdle(polecatId, true)
        const outcome = await this.d.deacon.requestPermission(
          { rig: polecat.rig, polecatId, beadId: polecat.beadId ?? session.beadId, sessionId: session.id, tool, input: toolInput, useId: null },
          signal
        ).finally(() => this.d.witness.setIdle(polecatId, false))
        if (outcome.answer === null) return {}
        activity('working', tool)
        if (outcome.answer.behavior === 'deny') return { stdout: permissionRequestOutput({ behavior: 'deny', message: outcome.answer.message }) }
        // "Always allow" is the rig's rule, shown in its settings; the agent's own rule list is left alone.
        return { stdout: permissionRequestOutput({ behavior: 'allow' }) }
      }
      case 'PostToolUse':
        this.d.deacon.resolveAnswered(session.id, str(input.tool_name) ?? '', input.tool_input ?? null)
        activity('working', str(input.tool_name))
        return {}
      case 'Notification': {
        const type = str(input.notification_type)
        if (type === 'idle_prompt') this.atPrompt(session, false)
        return {}
      }
      case 'Stop':
      case 'StopFailure': {
        this.d.deacon.resolveAllOf(session.id, 'the agent’s turn ended without it')
        const mail = this.d.mail.takeForTurnEnd(polecatId)
        if (mail) {
          activity('working', 'reading mail')
          return { stdout: stopBlockOutput(mail) }
        }
        this.atPrompt(session, true)
        if (p.event === 'StopFailure') this.d.ledger.append(polecatId, 'agent.turn-failed', session.beadId, { session: session.id, error: str(input.error) ?? str(input.error_type) })
        return {}
      }
      case 'PreCompact':
        this.d.ledger.append(polecatId, 'agent.compacting', session.beadId, { session: session.id, trigger: str(input.trigger) })
        return {}
      case 'SessionEnd':
        this.d.deacon.resolveAllOf(session.id, 'the agent’s session ended')
        this.d.ledger.append(polecatId, 'agent.session-end', session.beadId, { session: session.id, reason: str(input.reason) })
        return {}
    }
    return {}
  }

  /**
   * The turn ended: at its prompt — or done, if it finished its bead with gt done. At its prompt with the
   * bead still hooked, it stopped without gt done: the witness hears of it (and a nudge may follow).
   */
  private atPrompt(session: Session, turnEnded: boolean): void {
    const pc = this.d.polecats.get(session.polecatId)
    this.d.polecats.setActivity(session.polecatId, pc.beadId ? 'at_prompt' : 'done', 'hooks')
    this.d.witness.setIdle(session.polecatId, true)
    if (turnEnded && pc.beadId) this.d.witness.turnEndedWithoutDone(session.polecatId)
    this.d.mail.atPrompt(session.polecatId)
  }

  /** The runtime's own conversation id: chosen by us at spawn; a /clear starts a new one, recorded as such. */
  private noteRuntimeSession(session: Session, id: string | null): void {
    if (!id) return
    const current = this.d.sessions.find(session.id)?.runtimeSessionId ?? null
    if (current === id) return
    this.d.sessions.setRuntimeSessionId(session.id, id)
    this.d.ledger.append(session.polecatId, 'session.runtime-id', session.beadId, { session: session.id, runtimeSession: id, previous: current })
  }
}

/** What a permission request asks, in one line: the shell command, or the tool and its main argument. */
export function describeCall(tool: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>
  const main = str(i.command) ?? str(i.file_path) ?? str(i.path) ?? str(i.url) ?? str(i.pattern) ?? null
  return `${tool}${main ? `: ${main.split('\n')[0].slice(0, 200)}` : ''}`
}
