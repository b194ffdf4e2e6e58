// Which town a host (desktop app, gt serve, gt) works on: `--town DIR`, else $GT_TOWN, else ~/gt.
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

export function resolveTown(argv: string[], env: NodeJS.ProcessEnv): string {
  const home = env.HOME || homedir()
  const given = townArg(argv) ?? (env.GT_TOWN || undefined)
  if (given === undefined) return join(home, 'gt')
  // Shells expand ~ only at the start of an unquoted word; `--town=~/x` and quoted values arrive unexpanded.
  const expanded = given === '~' ? home : given.startsWith('~/') ? join(home, given.slice(2)) : given
  return isAbsolute(expanded) ? resolve(expanded) : resolve(process.cwd(), expanded)
}

/** The value of the last `--town DIR` or `--town=DIR` (last wins, like most CLIs). */
function townArg(argv: string[]): string | undefined {
  let found: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') break
    if (arg === '--town' && i + 1 < argv.length) found = argv[++i]
    else if (arg.startsWith('--town=')) found = arg.slice('--town='.length)
  }
  return found || undefined
}
