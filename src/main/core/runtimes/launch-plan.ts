// How a polecat's agent CLI is started: its argv and environment, whether it reports through hooks, and how
// to recognise a screen that waits for a human. Generic runtimes are a command with {prompt}/{command}
// filled in; a runtime with an adapter (Claude Code) is prepared first: its config answers its first-run
// screens for the worktree, its hooks are written there, and it is started with a session id we chose.
import { randomUUID } from 'node:crypto'
import type { RuntimePreset } from '../../../shared/domain'
import { fillCommand } from '../polecats/prompt'
import { claudeArgv, claudeEnv } from './claude/launch'
import { chooseClaudeConfig, prepareClaudeConfig, type ClaudeConfigMode } from './claude/prepare-config'
import { writeClaudeHooks } from './claude/hooks-file'
import { detectBlockingScreen } from './claude/blocking-screens'

export interface LaunchPlan {
  argv: string[]
  /** Set on top of the agent's environment; `unset` is removed from it. */
  env: Record<string, string>
  unset: string[]
  /** The runtime's own id of the conversation we start (for resume), if the runtime takes one from us. */
  runtimeSessionId: string | null
  /** The runtime reports what the agent does through hooks. */
  hooks: boolean
  /** A screen waiting for a human (first-run dialog) in the agent's output: what it is, in words. */
  blockingScreen?: (output: string) => string | null
}

export interface LaunchContext {
  town: string
  worktree: string
  prompt: string
  agentCmd?: string
  preset: RuntimePreset
  /** The environment the agent will get (its HOME, ANTHROPIC_API_KEY, CLAUDE_CONFIG_DIR…). */
  agentEnv: Record<string, string>
  /** The absolute path of <town>/bin/gt, which the runtime's hooks run. */
  gt: string
  claudeConfig: ClaudeConfigMode
}

export async function planLaunch(c: LaunchContext): Promise<LaunchPlan> {
  if (c.preset.adapter === 'claude') return planClaude(c)
  return { argv: fillCommand(c.preset.command, { prompt: c.prompt, command: c.agentCmd ?? '' }), env: {}, unset: [], runtimeSessionId: null, hooks: false }
}

async function planClaude(c: LaunchContext): Promise<LaunchPlan> {
  const config = chooseClaudeConfig(c.claudeConfig, c.town, c.agentEnv)
  const apiKey = c.agentEnv.ANTHROPIC_API_KEY || undefined
  await prepareClaudeConfig({ file: config.location.file, workdir: c.worktree, apiKey })
  await writeClaudeHooks(c.worktree, { gt: c.gt })
  const sessionId = randomUUID()
  const { set, unset } = claudeEnv({ config })
  return {
    argv: claudeArgv({ command: c.preset.command[0], extraArgs: c.preset.command.slice(1), prompt: c.prompt, sessionId }),
    env: set,
    unset,
    runtimeSessionId: sessionId,
    hooks: true,
    blockingScreen: (output) => {
      const m = detectBlockingScreen(output)
      return m ? `${m.title} — ${m.fix}` : null
    }
  }
}
