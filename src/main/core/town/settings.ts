// Town settings (<town>/settings.json): agent runtimes, the bead prefix, the identity agents commit under where
// git has none, and how long a clone may go without progress. Written with defaults on first start so users
// can see and edit them (owner-only, like everything secret in the town); validated on every read so a typo
// gives a clear message.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { RuntimePreset } from '../../../shared/domain'
import { DEFAULT_LEDGER_SETTINGS, ledgerSettingsSchema, type LedgerSettings } from '../ledger-sync/ledger-settings'

// Each preset passes the first prompt the way that CLI accepts it while staying interactive.
export const RUNTIME_PRESETS: RuntimePreset[] = [
  // Claude Code is prepared (config, hooks) and started with our session id by runtimes/claude.
  { name: 'claude', label: 'Claude Code', command: ['claude'], promptMode: 'arg', adapter: 'claude' },
  { name: 'codex', label: 'Codex CLI', command: ['codex', '{prompt}'], promptMode: 'arg' },
  { name: 'gemini', label: 'Gemini CLI', command: ['gemini', '--prompt-interactive', '{prompt}'], promptMode: 'arg' },
  { name: 'aider', label: 'Aider', command: ['aider'], promptMode: 'type' },
  { name: 'custom', label: 'Custom command', command: ['sh', '-c', '{command}'], promptMode: 'arg' }
]

const runtimeSchema = z.object({
  label: z.string().min(1).max(80).optional(),
  command: z.array(z.string()).min(1),
  promptMode: z.enum(['arg', 'type']).default('arg'),
  adapter: z.enum(['claude']).optional()
})

// `.invalid` is reserved (RFC 2606): the address can never reach anyone by mistake.
export const DEFAULT_GIT_IDENTITY = { name: 'Gas Town polecat', email: 'polecat@gastown.invalid' }
export const DEFAULT_CLONE_STALL_SECONDS = 120

const settingsSchema = z
  .object({
    beadPrefix: z.string().regex(/^[a-z][a-z0-9]{0,9}$/).default('gt'),
    defaultRuntime: z.string().default('claude'),
    runtimes: z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), runtimeSchema).default({}),
    gitIdentity: z
      .object({ name: z.string().trim().min(1).max(200), email: z.string().trim().min(3).max(200).regex(/^[^<>\s]+@[^<>\s]+$/, 'an email address like name@example.com') })
      .strict()
      .default(DEFAULT_GIT_IDENTITY),
    rigCloneStallSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_CLONE_STALL_SECONDS),
    permissionTimeoutMinutes: z.number().int().min(1).max(100_000).nullable().default(null),
    claudeConfig: z.enum(['user', 'town']).default('user'),
    recoveryGraceSeconds: z.number().min(0).max(3600).default(10),
    maxRespawnsPerHour: z.number().int().min(1).max(100).default(3),
    ledger: ledgerSettingsSchema.default(() => ({ ...DEFAULT_LEDGER_SETTINGS }))
  })
  .strict()

export interface TownSettings {
  beadPrefix: string
  defaultRuntime: string
  runtimes: RuntimePreset[]
  /** Agents commit under this where git has no user.name/user.email of the user's. */
  gitIdentity: { name: string; email: string }
  /** A clone that prints nothing for this long is abandoned. */
  rigCloneStallSeconds: number
  /** A permission request nobody answers is denied after this long; null (the default): it waits. */
  permissionTimeoutMinutes: number | null
  /** Which Claude config agents use: the user's own (edited, nothing else changed) or <town>/claude-config. */
  claudeConfig: 'user' | 'town'
  /** After a restart, interrupted polecats resume this long after start-up (cold starts need a moment). */
  recoveryGraceSeconds: number
  /** Starts of one bead within an hour before recovery stops resuming it and asks the human. */
  maxRespawnsPerHour: number
  /** Where and how often the ledger goes to its git branch (ledger-sync/ledger-settings.ts). */
  ledger: LedgerSettings
}

export function loadSettings(town: string): TownSettings {
  const file = join(town, 'settings.json')
  if (!existsSync(file)) {
    const defaults = { beadPrefix: 'gt', defaultRuntime: 'claude', runtimes: {}, gitIdentity: DEFAULT_GIT_IDENTITY, rigCloneStallSeconds: DEFAULT_CLONE_STALL_SECONDS }
    writeFileSync(file, JSON.stringify(defaults, null, 2) + '\n', { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`)
  }
  const parsed = settingsSchema.safeParse(raw)
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`)
  }
  const byName = new Map(RUNTIME_PRESETS.map((r) => [r.name, r]))
  for (const [name, r] of Object.entries(parsed.data.runtimes)) {
    byName.set(name, { name, label: r.label ?? name, command: r.command, promptMode: r.promptMode, ...(r.adapter ? { adapter: r.adapter } : {}) })
  }
  const d = parsed.data
  return {
    beadPrefix: d.beadPrefix,
    defaultRuntime: d.defaultRuntime,
    runtimes: [...byName.values()],
    gitIdentity: d.gitIdentity,
    rigCloneStallSeconds: d.rigCloneStallSeconds,
    permissionTimeoutMinutes: d.permissionTimeoutMinutes,
    claudeConfig: d.claudeConfig,
    recoveryGraceSeconds: d.recoveryGraceSeconds,
    maxRespawnsPerHour: d.maxRespawnsPerHour,
    ledger: d.ledger
  }
}
