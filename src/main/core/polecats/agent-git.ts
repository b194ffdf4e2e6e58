// Git as an agent sees it: an identity to commit under, and a record in every commit of which polecat wrote it.
//
// Identity: the user's own, wherever git has one (repository, global or system config); on a machine with
// none (seen: a real agent's first commit failed with "Author identity unknown") the town's default from
// settings.json, which the user can change.
//
// The record: a `Gas-Town-Polecat: RIG/NAME` trailer added by a commit-msg hook in <town>/git-hooks (whose
// post-commit hook also reports each commit to the control room). The agent's
// environment points core.hooksPath there (GIT_CONFIG_COUNT: stronger than any config file, so a tool that
// sets core.hooksPath in the repository — husky, for one — does not silently drop the trailer), and every hook
// there hands over to the hook the repository would have run without it, so the user's hooks still run.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { git } from '../git/git'

export const POLECAT_TRAILER = 'Gas-Town-Polecat'

// The client-side hooks git runs; each of ours forwards to the repository's own.
const HOOKS = [
  'applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-commit', 'pre-merge-commit', 'prepare-commit-msg', 'commit-msg',
  'post-commit', 'pre-rebase', 'post-checkout', 'post-merge', 'pre-push', 'post-rewrite', 'reference-transaction', 'push-to-checkout', 'pre-auto-gc'
]

// The hooks folder git would use without our GIT_CONFIG entry: the repository's, global or system core.hooksPath,
// else the common dir's hooks/. Read per run, so a hooksPath set later is honoured.
const FORWARD = `own_hooks() {
  for scope in --local --global --system; do
    p=$(git config $scope --type=path --get core.hooksPath 2>/dev/null) && [ -n "$p" ] && { printf '%s\\n' "$p"; return; }
  done
  printf '%s/hooks\\n' "$(git rev-parse --git-common-dir)"
}
hook="$(own_hooks)/$(basename "$0")"
if [ -x "$hook" ] && [ "$hook" != "$0" ]; then exec "$hook" "$@"; fi
exit 0
`

// What our hooks do before handing over: the commit-msg hook adds the trailer; post-commit tells the
// control room (the witness counts a commit as progress), in the background so no commit waits for it.
const OWN: Record<string, string> = {
  'commit-msg': `if [ -n "$GT_POLECAT" ]; then
  git interpret-trailers --in-place --if-exists addIfDifferent --trailer "${POLECAT_TRAILER}: $GT_POLECAT" "$1" || exit 1
fi
`,
  'post-commit': `if [ -n "$GT_TOKEN" ] && [ -x "$GT_TOWN/bin/gt" ]; then
  ("$GT_TOWN/bin/gt" event commit "$(git rev-parse HEAD)" >/dev/null 2>&1 &)
fi
`
}

function hookScript(name: string): string {
  const trailer = OWN[name] ?? ''
  return `#!/bin/sh
# Written by Gas Town Control Room (agent-git.ts): records the polecat in each commit, then runs the repository's own hook.
${trailer}${FORWARD}`
}

/** Writes <town>/git-hooks (at every start, so an upgrade replaces old scripts); returns the folder. */
export function writeAgentGitHooks(town: string): string {
  const dir = join(town, 'git-hooks')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (const name of HOOKS) {
    const file = join(dir, name)
    writeFileSync(file, hookScript(name), { mode: 0o755 })
    chmodSync(file, 0o755)
  }
  return dir
}

export interface GitIdentity {
  name: string
  email: string
}

/** A config value as git resolves it in the worktree (repository, then global, then system config). */
async function configured(worktree: string, key: string): Promise<string> {
  return (await git(worktree).raw(['config', '--get', key]).catch(() => '')).trim()
}

/**
 * What the agent's environment needs so its commits carry the polecat trailer and never fail for want of an
 * identity: GIT_CONFIG_* entries (count, keys, values).
 */
export async function agentGitEnv(worktree: string, hooksDir: string, fallback: GitIdentity, agentEnv: Record<string, string>): Promise<Record<string, string>> {
  const entries: [string, string][] = [['core.hooksPath', hooksDir]]
  if (!(await configured(worktree, 'user.name'))) entries.push(['user.name', fallback.name])
  if (!(await configured(worktree, 'user.email'))) entries.push(['user.email', fallback.email])
  // Entries the user's own environment already passes this way come first and are kept.
  const own = Number.parseInt(agentEnv.GIT_CONFIG_COUNT ?? '0', 10) || 0
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(own + entries.length) }
  entries.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${own + i}`] = k
    env[`GIT_CONFIG_VALUE_${own + i}`] = v
  })
  return env
}
