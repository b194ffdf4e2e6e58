// A template's variables: `{{feature}}` in its text, declared in `[vars.feature]` (description, required,
// default). At load, every `{{name}}` must be a declared variable or one the control room fills itself; at
// pour, required ones must have a value, defaults fill the rest, and the values are put into the text in
// one pass (a value that itself contains `{{x}}` is left as written).
import { CoreError } from '../../../shared/contract'
import type { MoleculeVar } from '../../../shared/domain'

/** `{{ name }}`: a name of letters, digits, `_` and `-`, spaces allowed inside the braces. */
const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/

/** What the control room fills in every template, unless the pour gives them a value. */
export const BUILTIN_VARS: Record<string, string> = {
  bead: 'the id of the bead the molecule is poured on',
  bead_title: "that bead's title",
  rig: "that bead's rig (empty for a bead of no rig)"
}

/** The variable names a text refers to, in order, each once. */
export function referencesIn(text: string): string[] {
  const names: string[] = []
  for (const m of text.matchAll(REFERENCE)) if (!names.includes(m[1]!)) names.push(m[1]!)
  return names
}

/** Puts the values into the text; a reference without a value stays as written. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(REFERENCE, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole))
}

/**
 * The value of every variable for one pour: what was given, else the built-in value (bead, bead_title,
 * rig), else the default. A given name the template does not declare, or a required variable left without
 * a value, is refused with every such problem named and what to do.
 */
export function resolveValues(template: { name: string; vars: MoleculeVar[] }, given: Readonly<Record<string, string>>, builtins: Readonly<Record<string, string>>): Record<string, string> {
  const declared = new Map(template.vars.map((v) => [v.name, v]))
  const problems: string[] = []
  for (const name of Object.keys(given)) {
    if (!declared.has(name) && !Object.hasOwn(BUILTIN_VARS, name)) {
      const names = template.vars.map((v) => v.name)
      problems.push(`${template.name} has no variable "${name}" (${names.length ? `its variables are: ${names.join(', ')}` : 'it declares none'})`)
    }
  }
  const values: Record<string, string> = { ...builtins }
  for (const v of template.vars) {
    if (Object.hasOwn(given, v.name)) values[v.name] = given[v.name]!
    else if (Object.hasOwn(builtins, v.name)) values[v.name] = builtins[v.name]!
    else if (v.default !== null) values[v.name] = v.default
    else if (v.required) problems.push(`${template.name} needs the variable "${v.name}"${v.description ? ` (${v.description})` : ''}: give it with --var ${v.name}=VALUE`)
    else values[v.name] = ''
  }
  for (const name of Object.keys(given)) if (Object.hasOwn(BUILTIN_VARS, name)) values[name] = given[name]!
  if (problems.length) throw new CoreError('invalid_params', problems.join('; '))
  return values
}
