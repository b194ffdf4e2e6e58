// A rig's settings: its check commands, the witness's time limits, the Dogs' retries, and the escalation
// rules. Kept as JSON on the rig's row (only what the user set; everything else is a default), validated
// key by key, so `gt rig config RIG KEY VALUE` and the Rigs view say exactly what is wrong with a value.
import { z } from 'zod'
import { CoreError } from '../../../shared/contract'
import { parseThreshold } from '../witness/escalation-rules'

interface KeySpec {
  /** What the setting is for, as `gt rig config RIG` lists it. */
  help: string
  schema: z.ZodType
  /** Turns the text the user typed into the value (numbers, booleans); strings pass as they are. */
  parse: (text: string) => unknown
  default: unknown
}

const command = (help: string): KeySpec => ({ help, schema: z.string().max(4000, 'a command is at most 4000 characters'), parse: (t) => t, default: '' })
const int = (help: string, min: number, max: number, def: number): KeySpec => ({
  help,
  schema: z.number().int(`a whole number from ${min} to ${max}`).min(min, `at least ${min}`).max(max, `at most ${max}`),
  parse: (t) => (/^\d+$/.test(t.trim()) ? Number(t.trim()) : t),
  default: def
})

const oneOf = <T extends string>(help: string, values: readonly [T, ...T[]], def: T): KeySpec => ({
  help: `${help} (${values.join(' | ')})`,
  schema: z.enum(values, `one of ${values.join(', ')}`),
  parse: (t) => t.trim(),
  default: def
})

/** An escalation rule: checked by the witness's one rules module, with its own words for what is wrong. */
const threshold = (help: string, def: string): KeySpec => ({
  help,
  schema: z.string().superRefine((v, ctx) => {
    try {
      parseThreshold(v)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message })
    }
  }),
  parse: (t) => t,
  default: def
})

export const RIG_SETTING_KEYS = {
  build: command('check: builds the worktree (a failure is a compilation failure)'),
  test: command('check: runs the tests'),
  coverage: command('check: prints a coverage figure (see docs/checks.md for the formats read)'),
  check_timeout_s: int('seconds a check command may run before it is stopped', 10, 86_400, 900),
  max_retries: int('automatic retries (Dogs) of a failure before it goes to the inbox', 0, 20, 3),
  retry_backoff_s: int('seconds before the first retry; each next one waits twice as long', 0, 86_400, 30),
  startup_s: int('seconds a new agent has to show activity before it counts as never started', 1, 3_600, 120),
  stuck_s: int('seconds without any activity (output, hooks, gt calls) before an agent counts as stuck', 1, 86_400, 600),
  no_progress_s: int('seconds alive without a commit, checkpoint or note before an agent counts as making no progress', 1, 604_800, 1_800),
  reescalate_s: int('seconds an inbox item may wait unacknowledged before it is raised one level (at most twice)', 60, 2_592_000, 14_400),
  'escalation.p0_threshold': threshold('the seed\'s rule for P0: what breaks the build (docs/checks.md lists the conditions)', 'compilation_failure'),
  'escalation.p1_threshold': threshold('the rule for P1: failing tests, a coverage drop below the base branch', 'test_coverage_drop > 5%'),
  'escalation.p2_threshold': threshold('the rule for P2 (warnings)', 'warnings'),
  merge_mode: oneOf('gated: each batch that passed the checks waits in the inbox for approval with its diff; mountain: merged on green without asking', ['gated', 'mountain'], 'gated'),
  bundle_size: int('merge requests the refinery tests together in one candidate', 1, 64, 4),
  merge_strategy: oneOf('how a request lands on the target: its commits rebased, a merge commit, or squashed into one', ['rebase', 'merge', 'squash'], 'rebase'),
  merge_parallel: int('candidates the refinery tests at once (bisection probes, the next batches speculatively)', 1, 16, 2),
  target_branch: {
    help: 'the branch merge requests land on (empty: the rig\'s default branch on its origin)',
    schema: z.string().max(200).regex(/^$|^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._\/-]+(?<![./])$/, 'a branch name like main or release/2.0'),
    parse: (t) => t.trim(),
    default: ''
  },
  'escalation.deacon_notify': {
    help: 'whether P0s reach the inbox (and desktop notifications) at once',
    schema: z.boolean('true or false'),
    parse: (t) => (t.trim() === 'true' ? true : t.trim() === 'false' ? false : t),
    default: true
  }
} satisfies Record<string, KeySpec>

export type RigSettingKey = keyof typeof RIG_SETTING_KEYS

/** The settings as they apply (each key's schema above guarantees its type). */
export interface RigSettings {
  build: string
  test: string
  coverage: string
  check_timeout_s: number
  max_retries: number
  retry_backoff_s: number
  startup_s: number
  stuck_s: number
  no_progress_s: number
  reescalate_s: number
  'escalation.p0_threshold': string
  'escalation.p1_threshold': string
  'escalation.p2_threshold': string
  'escalation.deacon_notify': boolean
  merge_mode: 'gated' | 'mountain'
  bundle_size: number
  merge_strategy: 'rebase' | 'merge' | 'squash'
  merge_parallel: number
  target_branch: string
}

/** The settings of a rig nobody configured (and of items that belong to no rig). */
export const DEFAULT_RIG_SETTINGS = Object.fromEntries(Object.entries(RIG_SETTING_KEYS).map(([k, v]) => [k, v.default])) as unknown as RigSettings

export const isRigSettingKey = (k: string): k is RigSettingKey => Object.hasOwn(RIG_SETTING_KEYS, k)

/** What the user set, as stored (unknown or stale keys from an older version are dropped with a note). */
export function readRigSettings(json: string): { set: Partial<Record<RigSettingKey, unknown>>; effective: RigSettings } {
  let raw: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(json || '{}')
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed
  } catch {
    raw = {}
  }
  const set: Partial<Record<RigSettingKey, unknown>> = {}
  const effective = {} as Record<string, unknown>
  for (const [key, spec] of Object.entries(RIG_SETTING_KEYS) as [RigSettingKey, KeySpec][]) {
    const ok = key in raw && spec.schema.safeParse(raw[key]).success
    if (ok) set[key] = raw[key]
    effective[key] = ok ? raw[key] : spec.default
  }
  return { set, effective: effective as unknown as RigSettings }
}

/** Validates one value the user typed for a key; throws CoreError naming the key, the value and what is accepted. */
export function parseRigSetting(rig: string, key: string, text: string): unknown {
  if (!isRigSettingKey(key)) {
    throw new CoreError('invalid_params', `${rig} has no setting "${key}"; the settings are: ${Object.keys(RIG_SETTING_KEYS).join(', ')}`)
  }
  const spec: KeySpec = RIG_SETTING_KEYS[key]
  const value = spec.parse(text)
  const r = spec.schema.safeParse(value)
  if (!r.success) throw new CoreError('invalid_params', `${rig} ${key}: ${JSON.stringify(text)} is not accepted: ${r.error.issues.map((i) => i.message).join('; ')} (${spec.help})`)
  return r.data
}
