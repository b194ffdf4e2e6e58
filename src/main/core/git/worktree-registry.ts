// `git worktree add` writes the new worktree's metadata in steps, and a `worktree list`, `prune` or another add in
// the same repository meanwhile fails on it ("failed to read .git/worktrees/probe-9/commondir", seen with 15
// refinery probes made at once). Everything in the core that reads or changes a repository's list of worktrees
// — the refinery's probes, the polecats' worktrees, the witness's baseline checkouts — takes its turn here, one
// at a time per repository. Work inside a worktree (checkout, reset) needs no turn.
import { resolve } from 'node:path'

const turns = new Map<string, Promise<unknown>>()

/** Runs `fn` when no other change to `repo`'s worktree list is running. Not reentrant: never nest turns. */
export function inWorktreeRegistryTurn<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(repo)
  const before = turns.get(key) ?? Promise.resolve()
  const next = before.catch(() => {}).then(fn)
  turns.set(key, next)
  void next
    .catch(() => {})
    .finally(() => {
      if (turns.get(key) === next) turns.delete(key)
    })
  return next
}
