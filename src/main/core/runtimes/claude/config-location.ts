// Where Claude Code keeps its global config (.claude.json): onboarding state, approved API keys and the
// per-folder trust answers. Found by reading Claude Code 2.1.332's own resolver and checked by running it:
//
//   config dir  = $CLAUDE_CONFIG_DIR, else ~/.claude            (settings.json, sessions, transcripts)
//   config file = $CLAUDE_CONFIG_DIR/.claude.json, else ~/.claude.json   (note: beside ~/.claude, not in it)
//
// except that a legacy <config dir>/.config.json, where one still exists with content, is used instead.
// An empty CLAUDE_CONFIG_DIR counts as unset (Claude Code tests it with `||`).
import { statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface ClaudeConfigLocation {
  /** The folder Claude Code uses for settings.json, transcripts (projects/) and session state. */
  configDir: string
  /** The .claude.json (or legacy .config.json) that holds onboarding, API-key and trust answers. */
  file: string
  /** True when `file` is the legacy <configDir>/.config.json. */
  legacy: boolean
}

/** Resolves the config Claude Code will use when started with `env` (HOME and CLAUDE_CONFIG_DIR). */
export function claudeConfigLocation(env: NodeJS.ProcessEnv = process.env, home: string = env.HOME || homedir()): ClaudeConfigLocation {
  const custom = env.CLAUDE_CONFIG_DIR?.trim() ? env.CLAUDE_CONFIG_DIR : undefined
  const configDir = (custom ?? join(home, '.claude')).normalize('NFC')
  // Claude Code names the file .claude-custom-oauth.json when CLAUDE_CODE_CUSTOM_OAUTH_URL is set.
  const name = env.CLAUDE_CODE_CUSTOM_OAUTH_URL ? '.claude-custom-oauth.json' : '.claude.json'
  const main = join(custom ?? home, name)
  const legacyFile = join(configDir, '.config.json')
  const legacy = sizeOf(legacyFile)
  if (legacy !== undefined) {
    const current = sizeOf(main)
    // Claude Code's rule, simplified to the cases a real disk shows: a non-empty legacy file wins; an empty
    // one is used only while the current file is missing.
    if (legacy > 0 || current === undefined) return { configDir, file: legacyFile, legacy: true }
  }
  return { configDir, file: main, legacy: false }
}

function sizeOf(file: string): number | undefined {
  try {
    const st = statSync(file)
    return st.isFile() ? st.size : undefined
  } catch {
    return undefined
  }
}
