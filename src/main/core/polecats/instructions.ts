// What polecats are told: their first prompt and the directives `gt prime` lists, from templates the user can
// read and edit. The app ships them in resources/prompts/; a town copies them into <town>/prompts/ at its
// first start, and the town's copies win (an upgrade never overwrites them). A runtime may have a first
// prompt of its own (first-prompt.<runtime>.md).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** resources/prompts of this build, found from the running file (built: out/main; tests: src/…). */
export function shippedPromptsDir(): string {
  let dir = __dirname
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'prompts')
    if (existsSync(join(candidate, 'first-prompt.md'))) return candidate
    dir = dirname(dir)
  }
  throw new Error(`resources/prompts/first-prompt.md is not found above ${__dirname}: the app is incomplete`)
}

/**
 * The title as it may appear in the prompt. The prompt goes into the agent's argv (where a NUL ends it) and,
 * for promptMode "type", is typed into its terminal as keystrokes (where a CR submits half of it, ^C
 * interrupts and ESC starts a sequence). The contract refuses such characters in new titles; one stored
 * before that check is shown with U+FFFD in their place, and `gt prime` gives the agent the rest.
 */
export const promptSafe = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '\uFFFD')

export interface PromptValues {
  polecat: string
  rig: string
  bead: string
  title: string
  branch: string
  /** Why this session follows an earlier one; empty for a first session. */
  resuming: string
}

/** The template's text without its comment lines. */
const body = (text: string): string[] => text.split('\n').filter((l) => !l.trimStart().startsWith('<!--'))

/**
 * Fills the placeholders of a first-prompt template, literally and in one pass (a bead title holding
 * `{{branch}}` or `$&` stays as typed), and makes it one line: it is an argv word, or typed into a terminal.
 */
export function renderFirstPrompt(template: string, v: PromptValues): string {
  const values: Record<string, string> = {
    polecat: v.polecat,
    rig: v.rig,
    bead: v.bead,
    title: promptSafe(v.title),
    branch: v.branch,
    resuming: v.resuming ? `You are resuming: ${promptSafe(v.resuming.replace(/\s+/g, ' ')).slice(0, 2000)} Your worktree, branch, commits and checkpoint are as it left them. ` : ''
  }
  const text = body(template)
    .join(' ')
    .replace(/\{\{(\w+)\}\}/g, (all, name: string) => (Object.hasOwn(values, name) ? values[name] : all))
  return text.replace(/\s+/g, ' ').trim()
}

export class PolecatInstructions {
  constructor(
    private townPrompts: string,
    private shipped: string = shippedPromptsDir()
  ) {}

  /** Copies the shipped templates the town does not have yet (at every start: new ones arrive with upgrades). */
  ensureTownCopies(): void {
    mkdirSync(this.townPrompts, { recursive: true, mode: 0o700 })
    for (const name of readdirSync(this.shipped)) {
      const target = join(this.townPrompts, name)
      if (!existsSync(target)) copyFileSync(join(this.shipped, name), target)
    }
  }

  /** A template by file name: the town's copy, else the shipped one (the mayor's mayor.md is read this way too). */
  read(name: string): string | null {
    for (const dir of [this.townPrompts, this.shipped]) {
      const file = join(dir, name)
      if (existsSync(file)) return readFileSync(file, 'utf8')
    }
    return null
  }

  firstPrompt(runtime: string, v: PromptValues): string {
    const template = this.read(`first-prompt.${runtime}.md`) ?? this.read('first-prompt.md')
    if (template === null) throw new Error(`no first-prompt.md in ${this.townPrompts} or ${this.shipped}`)
    return renderFirstPrompt(template, v)
  }

  directives(): string[] {
    return body(this.read('directives.md') ?? '')
      .filter((l) => l.startsWith('- '))
      .map((l) => l.slice(2).trim())
  }
}
