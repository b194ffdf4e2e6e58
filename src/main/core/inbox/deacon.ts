// The Deacon: what a human decides about the inbox, and how an agent's permission request gets there.
// A request is first checked against the rig's rules (always allow / ask / deny); what is left becomes an
// inbox item with the exact tool input, the agent's screen and the branch's diff stat, and the agent's hook
// waits on it (PermissionGate) until Approve, Deny, the agent's own terminal, or the rig's time limit.
// Every decision is written to the ledger before the agent hears it.
import type { InboxItem, Mail, PermissionRule } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'
import type { Inbox } from './inbox'
import { PermissionGate, type PermissionDecision } from './permission-gate'

/** How late a background hook's report may correct what the core concluded at the turn's end. */
const LATE_REPORT_MS = 60_000
import { commandOf, suggestedPrefix, type PermissionRules } from './permission-rules'

export interface PermissionAsk {
  rig: string
  polecatId: string
  beadId: string | null
  sessionId: string
  tool: string
  input: unknown
  useId: string | null
}

export interface DeaconDeps {
  db: Db
  ledger: Ledger
  inbox: Inbox
  rules: PermissionRules
  /** The agent's screen as plain text, and the branch's diff stat: context for the human. */
  screenOf: (polecatId: string) => Promise<string | null>
  diffStatOf: (polecatId: string) => Promise<string | null>
  /** How long a request may wait for a human before it is denied; null: as long as it takes. */
  permissionTimeoutMs: () => number | null
  /** A reply for the agent was written (mail): deliver it when the agent is at its prompt. */
  replied: (polecatId: string) => void
}

export type PermissionOutcome =
  | { answer: PermissionDecision; by: 'rule'; rule: PermissionRule }
  | { answer: PermissionDecision; by: 'human'; item: InboxItem }
  | { answer: null; item: InboxItem; why: 'gone' | 'timed-out' }

export class Deacon {
  readonly gate = new PermissionGate()

  constructor(private d: DeaconDeps) {}

  /**
   * Fills in an item's context after it was raised: the branch's diff stat (a git call), and the screen
   * again a moment later — a TUI asking for permission is often still redrawing when it asks.
   */
  annotate(itemId: string, polecatId: string, redrawScreen = false): void {
    const open = () => this.d.db.open && this.d.inbox.find(itemId)
    void this.d.diffStatOf(polecatId).then(
      (stat) => stat !== null && open() && this.d.inbox.annotate(itemId, { diffStat: stat }),
      () => {}
    )
    if (redrawScreen) {
      setTimeout(() => {
        void this.d.screenOf(polecatId).then(
          (screen) => screen && open() && this.d.inbox.annotate(itemId, { screen }),
          () => {}
        )
      }, 1500).unref()
    } else {
      void this.d.screenOf(polecatId).then(
        (screen) => screen && open() && !this.d.inbox.find(itemId)?.screen && this.d.inbox.annotate(itemId, { screen }),
        () => {}
      )
    }
  }

  /** The whole life of one permission request; resolves with what the agent's hook should answer. */
  async requestPermission(ask: PermissionAsk, signal?: AbortSignal): Promise<PermissionOutcome> {
    const rule = this.d.rules.decide(ask.rig, ask.tool, ask.input)
    if (rule && rule.action !== 'ask') {
      this.d.ledger.append('core', rule.action === 'allow' ? 'permission.allowed-by-rule' : 'permission.denied-by-rule', ask.beadId ?? ask.polecatId, {
        polecat: ask.polecatId,
        session: ask.sessionId,
        tool: ask.tool,
        input: ask.input,
        rule: rule.id
      })
      const answer: PermissionDecision =
        rule.action === 'allow'
          ? { behavior: 'allow' }
          : { behavior: 'deny', message: `Denied by the rig's permission rule (${rule.tool}${rule.commandPrefix ? `: ${rule.commandPrefix}` : ''}). Do it another way or escalate.` }
      return { answer, by: 'rule', rule }
    }
    const command = ask.tool === 'Bash' ? commandOf(ask.input) : null
    const screen = await this.d.screenOf(ask.polecatId).catch(() => null)
    const item = this.d.inbox.raise(
      {
        kind: 'permission',
        severity: 'P1',
        title: command !== null ? `${ask.polecatId} asks to run: ${command.split('\n')[0].slice(0, 200)}` : `${ask.polecatId} asks to use ${ask.tool}`,
        body: '',
        rig: ask.rig,
        polecatId: ask.polecatId,
        beadId: ask.beadId,
        sessionId: ask.sessionId,
        tool: { name: ask.tool, input: ask.input, useId: ask.useId },
        screen
      },
      ask.polecatId,
      'permission.requested'
    )
    this.annotate(item.id, ask.polecatId, true)
    const outcome = await this.gate.wait(item.id, signal, this.d.permissionTimeoutMs())
    if ('decided' in outcome) return { answer: outcome.decided, by: 'human', item: this.d.inbox.get(item.id) }
    // Quitting: the item stays open, and the next start says its agent was restarted.
    if ('shutdown' in outcome || !this.d.db.open) return { answer: null, item, why: 'gone' }
    if ('timedOut' in outcome) {
      const minutes = Math.round((this.d.permissionTimeoutMs() ?? 0) / 60_000)
      const message = `Nobody answered this permission request within ${minutes} minutes, so it was denied. Do it another way, or escalate.`
      const closed = this.d.inbox.close(item.id, { status: 'denied', by: 'core', resolution: 'timed out', reason: message })
      return closed ? { answer: { behavior: 'deny', message }, by: 'human', item: closed } : { answer: null, item, why: 'timed-out' }
    }
    // The hook went away without our answer: the user answered in the agent's own terminal (Claude Code
    // then ends the hook), or the agent ended. Either way nobody is asked any more.
    const closed = this.d.inbox.close(item.id, { status: 'resolved', by: 'core', resolution: 'answered in the agent’s terminal, or the agent stopped asking' })
    return { answer: null, item: closed ?? this.d.inbox.get(item.id), why: 'gone' }
  }

  /**
   * A tool ran (its PostToolUse hook): a request still open for that call was approved in the agent's own
   * terminal (its hook, left waiting, is then ended). Claude Code's PermissionRequest carries no tool_use_id,
   * so the call is matched by its tool and input — failing that, the oldest open request for the tool.
   */
  resolveAnswered(sessionId: string, tool: string, input: unknown): void {
    const open = this.d.inbox.openPermissions(sessionId).filter((i) => i.tool?.name === tool)
    const key = JSON.stringify(input ?? null)
    const item = open.find((i) => JSON.stringify(i.tool!.input ?? null) === key) ?? open[0]
    if (!item) {
      // PostToolUse runs in the background and the Stop hook does not: a turn can end (closing the request as
      // "turn ended without it") before the report that the call was approved in the terminal arrives.
      const late = this.d.inbox.recentlyClosedByCore(sessionId, LATE_REPORT_MS).find((i) => i.tool?.name === tool && JSON.stringify(i.tool.input ?? null) === key)
      if (late) this.d.inbox.amendResolution(late.id, 'agent', 'approved in the agent’s terminal')
      return
    }
    this.d.inbox.close(item.id, { status: 'resolved', by: 'agent', resolution: 'approved in the agent’s terminal' })
    this.gate.decide(item.id, { behavior: 'allow' })
  }

  /** The turn or the session ended: whatever the agent still asked is no longer asked. */
  resolveAllOf(sessionId: string, resolution: string): void {
    for (const item of this.d.inbox.openPermissions(sessionId)) {
      this.d.inbox.close(item.id, { status: 'resolved', by: 'core', resolution })
      this.gate.decide(item.id, { behavior: 'deny', message: resolution })
    }
  }

  /** After a restart: requests of agents that are gone stay, saying so; they can be read and acknowledged. */
  orphanAfterRestart(): number {
    const items = this.d.inbox.openOfEndedSessions()
    for (const item of items) {
      this.d.inbox.close(item.id, { status: 'orphaned', by: 'core', resolution: 'the control room restarted, so the agent that asked was ended: this request can no longer be answered. Re-sling the bead; the new agent will ask again.' })
    }
    return items.length
  }

  approve(id: string, always: 'tool' | 'prefix' | undefined, actor: string): InboxItem {
    const item = this.openPermission(id)
    let alwaysRule: { tool: string; commandPrefix: string | null } | undefined
    const closed = inTransaction(this.d.db, () => {
      if (always) {
        const command = item.tool!.name === 'Bash' ? commandOf(item.tool!.input) : null
        if (always === 'prefix' && command === null) throw new CoreError('invalid_params', `"always allow this command prefix" is for Bash commands; ${item.tool!.name} can be always allowed as a tool`)
        alwaysRule = { tool: item.tool!.name, commandPrefix: always === 'prefix' ? suggestedPrefix(command!) : null }
        this.d.rules.set({ rig: item.rig!, tool: alwaysRule.tool, commandPrefix: alwaysRule.commandPrefix, action: 'allow' }, actor)
      }
      return this.d.inbox.close(id, {
        status: 'approved',
        by: actor,
        resolution: alwaysRule ? `approved, and always allowed in ${item.rig}: ${alwaysRule.tool}${alwaysRule.commandPrefix ? ` ${alwaysRule.commandPrefix}…` : ''}` : 'approved once'
      })
    })
    if (!closed) throw new CoreError('conflict', `${id} was decided meanwhile`)
    this.wake(closed, { behavior: 'allow', ...(alwaysRule ? { alwaysRule } : {}) })
    return this.d.inbox.get(id)
  }

  deny(id: string, reason: string | undefined, actor: string): InboxItem {
    this.openPermission(id)
    const message = reason?.trim() || 'The user denied this in the Gas Town control room.'
    const closed = this.d.inbox.close(id, { status: 'denied', by: actor, resolution: 'denied', reason: reason?.trim() || null })
    if (!closed) throw new CoreError('conflict', `${id} was decided meanwhile`)
    this.wake(closed, { behavior: 'deny', message })
    return this.d.inbox.get(id)
  }

  /**
   * Reply to an item: mail from the human to the agent that raised it, delivered when the agent is at its
   * prompt (never typed into a half-written line). The item stays as it is.
   */
  reply(id: string, text: string, actor: string): Mail {
    const item = this.d.inbox.get(id)
    if (!item.polecatId) throw new CoreError('conflict', `${id} has no agent to reply to`)
    const mail: Mail = { id: newId('mail'), from: actor, to: item.polecatId, subject: `Re: ${item.title}`.slice(0, 300), body: text, createdAt: now(), deliveredAt: null }
    inTransaction(this.d.db, () => {
      this.d.db.prepare('INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(mail.id, mail.from, mail.to, mail.subject, mail.body, mail.createdAt)
      this.d.ledger.append(actor, 'inbox.replied', item.beadId ?? item.polecatId, { id, mail: mail.id })
    })
    this.d.replied(item.polecatId)
    return mail
  }

  private openPermission(id: string): InboxItem {
    const item = this.d.inbox.get(id)
    if (item.kind !== 'permission' || !item.tool) throw new CoreError('conflict', `${id} is ${item.kind === 'escalation' ? 'an escalation' : 'an alarm'}, not a permission request: acknowledge or reply to it`)
    if (item.status === 'orphaned') throw new CoreError('conflict', `${id} can no longer be answered: ${item.resolution}`)
    if (item.status !== 'open') throw new CoreError('conflict', `${id} is already ${item.status}${item.closedBy ? ` (by ${item.closedBy})` : ''}`)
    return item
  }

  /** The decision is recorded; the agent's hook hears it if it still waits. */
  private wake(item: InboxItem, decision: PermissionDecision): void {
    if (!this.gate.decide(item.id, decision)) {
      this.d.ledger.append('core', 'inbox.decision-unheard', item.beadId ?? item.polecatId, { id: item.id, why: 'the agent was no longer waiting for it' })
    }
  }
}
