// The mayor's first prompt, from the mayor.md template (the town's copy in <town>/prompts wins, like the
// polecats' first prompt): comment lines left out, {{town}} and {{rigs}} filled literally in one pass, and
// made one line, since it is an argv word or typed into the terminal.
import { promptSafe } from '../polecats/instructions'

export function renderMayorPrompt(template: string, v: { town: string; rigs: string[] }): string {
  const values: Record<string, string> = { town: promptSafe(v.town), rigs: v.rigs.length ? v.rigs.join(', ') : '(none yet)' }
  return template
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('<!--'))
    .join(' ')
    .replace(/\{\{(\w+)\}\}/g, (all, name: string) => (Object.hasOwn(values, name) ? values[name] : all))
    .replace(/\s+/g, ' ')
    .trim()
}
