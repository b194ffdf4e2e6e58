// What a Claude Code hook prints on stdout to decide something (Claude Code 2.1.332's hook output schema;
// each form checked with the real CLI). The core builds these; `gt hook` prints them unchanged.

/** A permission rule as Claude Code writes it ("Bash" + "npm test", or a tool name alone). */
export interface PermissionRule {
  toolName: string
  ruleContent?: string
}

/**
 * Where an "always allow" rule is kept. 'localSettings': .claude/settings.local.json of the main checkout —
 * for a polecat's worktree that is the rig's clone, so the rule holds for every polecat of the rig (measured);
 * 'session': this session only.
 */
export type RuleDestination = 'localSettings' | 'session' | 'projectSettings' | 'userSettings'

export type PermissionAnswer =
  | { behavior: 'allow'; alwaysAllow?: { rules: PermissionRule[]; destination?: RuleDestination } }
  | { behavior: 'deny'; message?: string }

/**
 * The PermissionRequest answer. Allow: the call runs (and with `alwaysAllow`, Claude Code adds the rules, so
 * the same call does not ask again). Deny: the model gets an error tool_result with `message`.
 */
export function permissionRequestOutput(a: PermissionAnswer): string {
  const decision =
    a.behavior === 'allow'
      ? {
          behavior: 'allow',
          ...(a.alwaysAllow && a.alwaysAllow.rules.length
            ? { updatedPermissions: [{ type: 'addRules', rules: a.alwaysAllow.rules, behavior: 'allow', destination: a.alwaysAllow.destination ?? 'localSettings' }] }
            : {})
        }
      : { behavior: 'deny', message: a.message?.trim() || 'Denied by the user in the Gas Town control room.' }
  return JSON.stringify({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } })
}

/** SessionStart: text added to the agent's context (the `gt prime` text), on startup, resume and after compaction. */
export function sessionStartOutput(context: string): string {
  return JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } })
}

/** Stop: keep the agent working with this reason as its next instruction (e.g. it forgot `gt done`). */
export function stopBlockOutput(reason: string): string {
  return JSON.stringify({ decision: 'block', reason })
}

/** The rule an "always allow" for one call adds: the exact command for Bash, the tool otherwise. */
export function ruleForCall(toolName: string, toolInput: unknown): PermissionRule {
  if (toolName === 'Bash' && typeof toolInput === 'object' && toolInput !== null && typeof (toolInput as { command?: unknown }).command === 'string') {
    return { toolName, ruleContent: (toolInput as { command: string }).command }
  }
  return { toolName }
}
