// How a permission request's tool input is shown: the exact shell command for Bash, else the whole input
// as formatted JSON. Either way it is text that React escapes; nothing here is ever parsed as markup.
import type { InboxItem } from '../../../shared/domain'

export type ToolInputView =
  | { kind: 'command'; command: string; description: string | null; rest: string | null }
  | { kind: 'json'; text: string }

export function toolInputView(tool: NonNullable<InboxItem['tool']>): ToolInputView {
  const input = tool.input
  if (tool.name === 'Bash' && input && typeof input === 'object' && typeof (input as { command?: unknown }).command === 'string') {
    const { command, description, ...others } = input as { command: string; description?: unknown; [k: string]: unknown }
    return {
      kind: 'command',
      command,
      description: typeof description === 'string' && description.trim() ? description : null,
      rest: Object.keys(others).length > 0 ? JSON.stringify(others, null, 2) : null
    }
  }
  let text: string
  try {
    text = JSON.stringify(input ?? null, null, 2) ?? String(input)
  } catch {
    text = String(input)
  }
  return { kind: 'json', text }
}

/** One line for a list row: the command's first line, or the tool's main argument. */
export function toolSummary(tool: NonNullable<InboxItem['tool']>): string {
  const i = (tool.input ?? {}) as Record<string, unknown>
  const main = [i.command, i.file_path, i.path, i.url, i.pattern].find((v): v is string => typeof v === 'string')
  if (main === undefined) return tool.name
  const first = main.split('\n')[0]
  return `${tool.name}: ${first}${main.includes('\n') ? ' …' : ''}`
}
