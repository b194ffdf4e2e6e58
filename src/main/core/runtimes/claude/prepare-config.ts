// Prepares the Claude config an agent will use so that Claude Code, started in a polecat's worktree, goes
// straight to its first model request: no screen is left for a human. Each first-run screen of Claude Code
// 2.1 and the answer that removes it (all in .claude.json, checked by running the real CLI):
//
//   onboarding (theme, login, "Unable to connect to Anthropic services" offline) → hasCompletedOnboarding: true
//   "Detected a custom API key … Do you want to use this API key?" → customApiKeyResponses.approved ∋ last 20 chars
//   "Accessing workspace … Yes, I trust this folder"              → projects[<abs dir>].hasTrustDialogAccepted
//
// Two places for that config: the user's own (where Claude Code looks: see config-location.ts), edited under
// Claude Code's own lock and atomically, with nothing else in it changed; or a per-town config directory,
// passed to the agent as CLAUDE_CONFIG_DIR.
import { mkdir, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { claudeConfigLocation, type ClaudeConfigLocation } from './config-location'
import { editJsonFile, type JsonObject, type JsonEditResult } from './json-file-edit'
import type { LockOptions } from './config-lock'

export type ClaudeConfigMode = 'user' | 'town'

export interface ClaudeConfigChoice {
  mode: ClaudeConfigMode
  location: ClaudeConfigLocation
  /** What the agent's environment must carry for Claude Code to use this config (CLAUDE_CONFIG_DIR for a town). */
  env: Record<string, string>
}

/** The folder of a town's own Claude config, used when the user chooses it in the town's settings. */
export function townClaudeConfigDir(town: string): string {
  return join(town, 'claude-config')
}

/**
 * Which config the agents of a town use. 'user': the one Claude Code finds from the control room's own
 * environment (the user's login, plugins and settings apply). 'town': <town>/claude-config, set as
 * CLAUDE_CONFIG_DIR — the user's own config is never touched, but the agent has no login there: it needs
 * ANTHROPIC_API_KEY (or a one-time `/login` in that folder).
 */
export function chooseClaudeConfig(mode: ClaudeConfigMode, town: string, env: NodeJS.ProcessEnv = process.env): ClaudeConfigChoice {
  if (mode === 'town') {
    const dir = townClaudeConfigDir(town)
    return { mode, location: claudeConfigLocation({ ...env, CLAUDE_CONFIG_DIR: dir }), env: { CLAUDE_CONFIG_DIR: dir } }
  }
  return { mode, location: claudeConfigLocation(env), env: {} }
}

export interface PrepareClaudeConfigOptions {
  /** The .claude.json to prepare (ClaudeConfigChoice.location.file). */
  file: string
  /** The folder Claude Code will start in (the polecat's worktree); trusted as its real path. */
  workdir: string
  /** The ANTHROPIC_API_KEY the agent is given, if any: approved so the "use this API key?" screen is not shown. */
  apiKey?: string
  lock?: LockOptions
}

export interface PrepareClaudeConfigResult extends JsonEditResult {
  /** The trusted path as written (the real path of workdir). */
  trusted: string
}

/** The part of an API key Claude Code stores as approved. */
export function apiKeyFingerprint(key: string): string {
  return key.slice(-20)
}

/** Writes the first-run answers for one worktree. Safe to call again and while other Claude Codes run. */
export async function prepareClaudeConfig(opts: PrepareClaudeConfigOptions): Promise<PrepareClaudeConfigResult> {
  if (!isAbsolute(opts.file)) throw new Error(`Claude config file must be an absolute path, got ${JSON.stringify(opts.file)}`)
  if (opts.apiKey !== undefined && opts.apiKey.length < 20) {
    throw new Error('ANTHROPIC_API_KEY is shorter than 20 characters: Claude Code approves keys by their last 20, so this one cannot be pre-approved')
  }
  // Claude Code looks its trust up by the real path of its working directory (symlinks resolved).
  const trusted = await realpath(resolve(opts.workdir)).catch(() => {
    throw new Error(`The worktree ${opts.workdir} does not exist: create it before preparing Claude Code's config for it`)
  })
  await mkdir(dirname(opts.file), { recursive: true, mode: 0o700 })
  const fingerprint = opts.apiKey === undefined ? undefined : apiKeyFingerprint(opts.apiKey)
  const result = await editJsonFile(opts.file, (doc) => answerFirstRunScreens(doc, trusted, fingerprint), { lock: opts.lock ?? true })
  return { ...result, trusted }
}

/** Sets the three answers in a parsed .claude.json; returns whether anything changed. Exported for tests. */
export function answerFirstRunScreens(doc: JsonObject, trusted: string, keyFingerprint?: string): boolean {
  let changed = false
  if (doc.hasCompletedOnboarding !== true) {
    doc.hasCompletedOnboarding = true
    changed = true
  }
  if (keyFingerprint !== undefined) {
    const responses = objectAt(doc, 'customApiKeyResponses')
    const approved = Array.isArray(responses.approved) ? (responses.approved as unknown[]) : []
    const rejected = Array.isArray(responses.rejected) ? (responses.rejected as unknown[]) : []
    if (!approved.includes(keyFingerprint)) {
      responses.approved = [...approved, keyFingerprint]
      changed = true
    }
    // A key the user once declined is what the town now gives its agents: an earlier "no" would block them.
    if (rejected.includes(keyFingerprint)) {
      responses.rejected = rejected.filter((k) => k !== keyFingerprint)
      changed = true
    }
    if (!Array.isArray(responses.rejected)) {
      responses.rejected = []
      changed = true
    }
  }
  const projects = objectAt(doc, 'projects')
  const project = objectAt(projects, trusted)
  if (project.hasTrustDialogAccepted !== true) {
    project.hasTrustDialogAccepted = true
    changed = true
  }
  return changed
}

// The object under `key`, created when missing. A non-object value there is a config we do not understand:
// refuse rather than replace it.
function objectAt(parent: JsonObject, key: string): JsonObject {
  const v = parent[key]
  if (v === undefined) {
    const created: JsonObject = {}
    parent[key] = created
    return created
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`Claude config: "${key}" is not an object (${JSON.stringify(v).slice(0, 60)}); it was left as it is`)
  }
  return v as JsonObject
}
