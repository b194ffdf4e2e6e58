// The town's ledger-branch settings: the `ledger` key of <town>/settings.json (town/settings.ts takes this
// schema). By default each rig's ledger goes to that rig's own origin; `remote` sends the whole town's to one.
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
