// Town settings (<town>/settings.json): agent runtimes and the bead prefix. Written with defaults on first
// start so users can see and edit them; validated on every read so a typo gives a clear message.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { RuntimePreset } from '../../../shared/domain'

// Each preset passes the first prompt the way that CLI accepts it while staying interactive.
export const RUNTIME_PRESETS: RuntimePreset[] = [
  { name: 'claude', label: 'Claude Code', command: ['claude', '{prompt}'], promptMode: 'arg' },
  { name: 'codex', label: 'Codex CLI', command: ['codex', '{prompt}'], promptMode: 'arg' },
  { name: 'gemini', label: 'Gemini CLI', command: ['gemini', '--prompt-interactive', '{prompt}'], promptMode: 'arg' },
  { name: 'aider', label: 'Aider', command: ['aider'], promptMode: 'type' },
  { name: 'custom', label: 'Custom command', command: ['sh', '-c', '{command}'], promptMode: 'arg' }
]

const runtimeSchema = z.object({
  label: z.string().min(1).max(80).optional(),
  command: z.array(z.string()).min(1),
  promptMode: z.enum(['arg', 'type']).default('arg')
})

const settingsSchema = z
  .object({
    beadPrefix: z.string().regex(/^[a-z][a-z0-9]{0,9}$/).default('gt'),
    defaultRuntime: z.string().default('claude'),
    runtimes: z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), runtimeSchema).default({})
  })
  .strict()

export interface TownSettings {
  beadPrefix: string
  defaultRuntime: string
  runtimes: RuntimePreset[]
}

export function loadSettings(town: string): TownSettings {
  const file = join(town, 'settings.json')
  if (!existsSync(file)) {
    writeFileSync(file, JSON.stringify({ beadPrefix: 'gt', defaultRuntime: 'claude', runtimes: {} }, null, 2) + '\n')
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
    byName.set(name, { name, label: r.label ?? name, command: r.command, promptMode: r.promptMode })
  }
  return { beadPrefix: parsed.data.beadPrefix, defaultRuntime: parsed.data.defaultRuntime, runtimes: [...byName.values()] }
}
