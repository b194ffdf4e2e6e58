// A rig's settings as the Rigs view groups and edits them. The keys, their values, defaults and meanings all
// come from the core (rigs.config); the view only groups them by what they are for and turns a typed value
// into what rigs.configure takes: the text as typed, or null (an empty field) for "back to the default".
import type { RigConfig } from '../../../shared/domain'

export type RigSetting = RigConfig['settings'][number]

export const SETTING_GROUPS = [
  { id: 'checks', title: 'Check commands', hint: 'run in a polecat’s worktree at each checkpoint, at gt done, and on demand; empty: skipped' },
  { id: 'limits', title: 'Witness time limits', hint: 'when an agent counts as stuck, never started, or making no progress' },
  { id: 'dogs', title: 'Dogs (automatic retries)', hint: 'how often a failure is retried before it comes to you' },
  { id: 'escalation', title: 'Escalation rules', hint: 'which check results are P0, P1, P2 (docs/checks.md)' },
  { id: 'merge', title: 'Merge queue (refinery)', hint: 'how finished work lands: gated or mountain, batches, strategy, the target branch' },
  { id: 'other', title: 'Other', hint: '' }
] as const
export type SettingGroup = (typeof SETTING_GROUPS)[number]['id']

const CHECK_KEYS = new Set(['build', 'test', 'coverage'])
const DOGS_KEYS = new Set(['max_retries', 'retry_backoff_s'])
const MERGE_KEYS = new Set(['merge_mode', 'bundle_size', 'merge_strategy', 'merge_parallel', 'target_branch'])

export function groupOf(key: string): SettingGroup {
  if (CHECK_KEYS.has(key)) return 'checks'
  if (DOGS_KEYS.has(key)) return 'dogs'
  if (MERGE_KEYS.has(key)) return 'merge'
  if (key.startsWith('escalation.')) return 'escalation'
  if (key.endsWith('_s')) return 'limits'
  return 'other'
}

/** The settings in their groups, in the core's order within each; empty groups left out. */
export function groupSettings(settings: readonly RigSetting[]): { id: SettingGroup; title: string; hint: string; settings: RigSetting[] }[] {
  return SETTING_GROUPS.map((g) => ({ id: g.id, title: g.title, hint: g.hint, settings: settings.filter((s) => groupOf(s.key) === g.id) })).filter((g) => g.settings.length > 0)
}

/** A value as the user would type it again: numbers and booleans as text, an empty command as "". */
export function settingText(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'string' ? value : String(value)
}

/** What a field holds → the value for rigs.configure: null unsets (back to the default), anything else as typed. */
export function configureValue(text: string): string | null {
  return text.trim() === '' ? null : text
}

/** The rig has at least one check command, so there is something to run. */
export function hasCheckCommands(config: RigConfig | null): boolean {
  return !!config?.settings.some((s) => CHECK_KEYS.has(s.key) && typeof s.value === 'string' && s.value.trim() !== '')
}
