// A runtime's command line with the first prompt in it. (The prompt itself comes from the templates:
// instructions.ts.)

/**
 * A runtime's argv with `{prompt}` and `{command}` filled in: every placeholder, in one pass, literally.
 * String.replace with a string expands `$&`, `` $` `` and `$'` in the replacement, replaces only the first
 * placeholder, and chained calls would expand a `{command}` that came in with the prompt's bead title.
 */
export function fillCommand(template: readonly string[], values: { prompt: string; command: string }): string[] {
  return template.map((arg) => arg.replace(/\{(prompt|command)\}/g, (_, name: 'prompt' | 'command') => values[name]))
}
