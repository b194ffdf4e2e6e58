// The town's ledger-branch settings: the `ledger` key of <town>/settings.json (town/settings.ts takes this
// schema). By default each rig's ledger goes to that rig's own origin; `remote` sends the whole town's to one.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

export const DEFAULT_LEDGER_BRANCH = 'gt/ledger'

// What `git check-ref-format --branch` accepts, and no leading '-': checked again with git before use.
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock(\/|$))[A-Za-z0-9._/-]+$/
const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/\s]+@[^:\s]+:/.test(s)

export const ledgerSettingsSchema = z
  .object({
    /** false: no ledger branch is written (restores from it then find nothing new). */
    enabled: z.boolean().default(true),
    /** One remote (URL or absolute path) for the whole town's ledger; null: each rig's origin, with that rig's beads. */
    remote: z
      .string()
      .trim()
      .min(1)
      .refine((v) => !v.startsWith('-') && (isUrl(v) || v.startsWith('/')), 'a remote is a git URL or an absolute path (and does not start with "-")')
      .nullable()
      .default(null),
    branch: z
      .string()
      .regex(BRANCH, 'a branch name git accepts, such as gt/ledger')
      .refine((v) => !v.endsWith('/') && !v.endsWith('.'), 'a branch name git accepts, such as gt/ledger')
      .default(DEFAULT_LEDGER_BRANCH),
    /** How long after the last change the ledger is written (changes within it go in one commit). */
    debounceSeconds: z.number().min(0).max(3600).default(5)
  })
  .strict()

export type LedgerSettings = z.output<typeof ledgerSettingsSchema>
export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = ledgerSettingsSchema.parse({})

// ---- `gt town config`: the ledger keys of settings.json, read and written by key ----

export const LEDGER_KEYS = {
  'ledger.remote': 'one git URL or absolute path for the whole town\'s ledger; (none): each rig\'s origin gets its own beads',
  'ledger.branch': 'the branch the ledger is written to',
  'ledger.enabled': 'false: no ledger branch is written (a lost disk then loses the ledger)',
  'ledger.debounceSeconds': 'how long after the last change the ledger is written (changes within it are one commit)'
} as const
export type LedgerKey = keyof typeof LEDGER_KEYS
type Field = keyof LedgerSettings
const fieldOf = (key: LedgerKey): Field => key.slice('ledger.'.length) as Field

export interface LedgerSettingRow {
  key: LedgerKey
  value: string | number | boolean | null
  isSet: boolean
  help: string
}

function readSettingsFile(town: string): { file: string; raw: Record<string, unknown> } {
  const file = join(town, 'settings.json')
  if (!existsSync(town)) throw new Error(`no town at ${town}: give the town with --town DIR (or $GT_TOWN)`)
  if (!existsSync(file)) return { file, raw: {} }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): fix it by hand first`)
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file} does not hold a JSON object: fix it by hand first`)
  return { file, raw: raw as Record<string, unknown> }
}

const describeIssues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')

/** The ledger settings as they apply, each with whether settings.json sets it. */
export function readLedgerSettingRows(town: string): LedgerSettingRow[] {
  const { file, raw } = readSettingsFile(town)
  const given = (raw.ledger ?? {}) as Record<string, unknown>
  const parsed = ledgerSettingsSchema.safeParse(given)
  if (!parsed.success) throw new Error(`${file}: ledger: ${describeIssues(parsed.error)}`)
  return (Object.keys(LEDGER_KEYS) as LedgerKey[]).map((key) => ({ key, value: parsed.data[fieldOf(key)], isSet: Object.hasOwn(given, fieldOf(key)), help: LEDGER_KEYS[key] }))
}

/** A value as typed on the command line, as the setting's type: true/false, a number, "none" for no remote. */
function valueFor(key: LedgerKey, text: string): unknown {
  const t = text.trim()
  if (key === 'ledger.enabled') {
    if (t === 'true' || t === 'false') return t === 'true'
    throw new Error(`ledger.enabled takes true or false, not ${JSON.stringify(text)}`)
  }
  if (key === 'ledger.debounceSeconds') {
    if (!/^\d+(\.\d+)?$/.test(t)) throw new Error(`ledger.debounceSeconds takes a number of seconds (0 to 3600), not ${JSON.stringify(text)}`)
    return Number(t)
  }
  if (key === 'ledger.remote' && (t === 'none' || t === '')) return null
  return t
}

/**
 * Sets (or with null unsets) one ledger key in settings.json, validated first, written whole under a temporary
 * name and renamed (owner-only, like the file). The other keys of the file are left as they were.
 */
export function writeLedgerSetting(town: string, key: string, text: string | null): LedgerSettingRow[] {
  if (!Object.hasOwn(LEDGER_KEYS, key)) throw new Error(`${JSON.stringify(key)} is not a town setting gt town config knows: ${Object.keys(LEDGER_KEYS).join(', ')}`)
  const k = key as LedgerKey
  const { file, raw } = readSettingsFile(town)
  const ledger = { ...((raw.ledger ?? {}) as Record<string, unknown>) }
  if (text === null) delete ledger[fieldOf(k)]
  else ledger[fieldOf(k)] = valueFor(k, text)
  const parsed = ledgerSettingsSchema.safeParse(ledger)
  if (!parsed.success) throw new Error(`${key}: ${parsed.error.issues.map((i) => i.message).join('; ')}`)
  const next = { ...raw, ledger }
  if (!Object.keys(ledger).length) delete (next as Record<string, unknown>).ledger
  const staged = `${file}.${process.pid}.tmp`
  writeFileSync(staged, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 })
  chmodSync(staged, 0o600)
  renameSync(staged, file)
  return readLedgerSettingRows(town)
}
