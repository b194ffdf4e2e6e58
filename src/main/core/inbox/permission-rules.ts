// Per-rig permission policy: which tools (or, for Bash, which command prefixes) are always allowed, always
// asked, or always denied, without a human in the loop. The user sees and edits every rule (Rigs view,
// `gt rig permissions RIG`); "Always allow" on a request adds one.
import type { PermissionAction, PermissionRule } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'

interface RuleRow {
  id: string
  rig: string
  tool: string
  command_prefix: string | null
  action: PermissionAction
  created_at: string
  created_by: string
}
const toRule = (r: RuleRow): PermissionRule => ({ id: r.id, rig: r.rig, tool: r.tool, commandPrefix: r.command_prefix, action: r.action, createdAt: r.created_at, createdBy: r.created_by })

/** The shell command of a Bash call, if that is what the input is. */
export function commandOf(input: unknown): string | null {
  const c = (input as { command?: unknown } | null)?.command
  return typeof c === 'string' ? c : null
}

/**
 * The first word(s) of a command, as "Always allow this prefix" offers it: the program and, for programs
 * with subcommands, the subcommand (`git status`, `npm test`), never arguments that change what runs.
 */
export function suggestedPrefix(command: string): string {
  const words = command.trim().split(/\s+/)
  const withSub = new Set(['git', 'npm', 'npx', 'pnpm', 'yarn', 'cargo', 'go', 'make', 'docker', 'kubectl', 'pip', 'python', 'python3', 'node', 'gt'])
  return words.slice(0, withSub.has(words[0]) && words[1] && !words[1].startsWith('-') ? 2 : 1).join(' ')
}

// A command with these is more than its prefix says: `git status; rm -rf ~` must not pass as `git status`.
const CHAINING = /[;&|`$<>()\n\\]/

/** Whether `command` is covered by `prefix`: it is the prefix, or the prefix followed by arguments, and nothing chained. */
export function commandMatches(prefix: string, command: string): boolean {
  const c = command.trim()
  if (CHAINING.test(c)) return false
  return c === prefix || c.startsWith(prefix + ' ')
}

export class PermissionRules {
  constructor(
    private db: Db,
    private ledger: Ledger
  ) {}

  list(rig?: string): PermissionRule[] {
    const rows = this.db.prepare('SELECT * FROM permission_rules WHERE (? IS NULL OR rig = ?) ORDER BY rig, tool, command_prefix').all(rig ?? null, rig ?? null) as RuleRow[]
    return rows.map(toRule)
  }

  /** Sets the action for a rig's tool (or Bash command prefix), replacing the rule for the same target. */
  set(p: { rig: string; tool: string; commandPrefix?: string | null; action: PermissionAction }, actor: string): PermissionRule {
    const prefix = p.commandPrefix?.trim() || null
    if (prefix && p.tool !== 'Bash') throw new CoreError('invalid_params', `a command prefix applies to Bash only, not to ${p.tool}`)
    if (prefix && CHAINING.test(prefix)) throw new CoreError('invalid_params', `a command prefix is a plain command start (like "npm test"), without ; & | $ or redirections: ${JSON.stringify(prefix)}`)
    return inTransaction(this.db, () => {
      this.db.prepare("DELETE FROM permission_rules WHERE rig = ? AND tool = ? AND COALESCE(command_prefix, '') = ?").run(p.rig, p.tool, prefix ?? '')
      const id = newId('rule')
      this.db.prepare('INSERT INTO permission_rules (id, rig, tool, command_prefix, action, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, p.rig, p.tool, prefix, p.action, now(), actor)
      this.ledger.append(actor, 'permission.rule-set', p.rig, { id, tool: p.tool, commandPrefix: prefix, action: p.action })
      return toRule(this.db.prepare('SELECT * FROM permission_rules WHERE id = ?').get(id) as RuleRow)
    })
  }

  remove(id: string, actor: string): PermissionRule {
    return inTransaction(this.db, () => {
      const row = this.db.prepare('SELECT * FROM permission_rules WHERE id = ?').get(id) as RuleRow | undefined
      if (!row) throw new CoreError('not_found', `no permission rule ${id}`)
      this.db.prepare('DELETE FROM permission_rules WHERE id = ?').run(id)
      this.ledger.append(actor, 'permission.rule-removed', row.rig, { id, tool: row.tool, commandPrefix: row.command_prefix, action: row.action })
      return toRule(row)
    })
  }

  /**
   * The rule that decides a request, if any. The most specific rule wins — a Bash command prefix (the longest
   * that matches) over a rule for the whole tool — so "always allow npm test" holds in a rig that asks for
   * Bash, and "always deny git push" in one that allows it. Between equally specific rules deny beats ask
   * beats allow.
   */
  decide(rig: string, tool: string, input: unknown): PermissionRule | null {
    const command = tool === 'Bash' ? commandOf(input) : null
    const applicable = this.list(rig).filter((r) => r.tool === tool && (r.commandPrefix === null || (command !== null && commandMatches(r.commandPrefix, command))))
    if (applicable.length === 0) return null
    const specificity = (r: PermissionRule) => r.commandPrefix?.length ?? -1
    const top = Math.max(...applicable.map(specificity))
    const best = applicable.filter((r) => specificity(r) === top)
    return best.find((r) => r.action === 'deny') ?? best.find((r) => r.action === 'ask') ?? best[0]
  }
}
