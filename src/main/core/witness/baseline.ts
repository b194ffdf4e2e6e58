// The rig's checks on its base branch: the figure a polecat's coverage is compared with, and the way to tell a
// failure the polecat caused from one the base branch already has ("the base branch fails the same check":
// twenty polecats failing it are one problem, not twenty).
//
// The base commit is checked out detached into a scratch worktree of its own (`git worktree add --detach`
// into a new temporary folder), the checks run there through the same CheckRunner, and the worktree is
// removed after. The rig's clone only gains and loses that worktree's entry: its checked-out branch, index
// and files are never touched. Results are cached by base commit and commands; callers asking for the same
// baseline at once share one run. A cancelled run is not cached.
import { realpathSync } from 'node:fs'
import { mkdtemp, realpath, rm } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { git, gitMessage } from '../git/git'
import { CHECK_NAMES, type CheckCommands, type CheckName, type CheckRunResult } from './check-result'
import type { CheckEvent, CheckRunner } from './check-runner'
import { inWorktreeRegistryTurn } from '../git/worktree-registry'

export const SCRATCH_PREFIX = 'gt-baseline-'

export interface BaselineRequest {
  /** The rig's clone: the repository its polecats' worktrees belong to. */
  repo: string
  /** The base branch as the polecats see it, e.g. "origin/main" or "main". */
  baseRef: string
  commands: Partial<CheckCommands>
  timeouts?: Partial<Record<CheckName, number>>
  onEvent?: (event: CheckEvent) => void
}

export interface Baseline {
  repo: string
  baseRef: string
  /** The commit the checks ran on. */
  baseSha: string
  /** Identifies the commands (and time limits) it ran with: a change of them is a new baseline. */
  commandsKey: string
  result: CheckRunResult
}

export interface BaselineChecksOptions {
  runner: CheckRunner
  /** Where scratch worktrees are made (default: the system's temporary folder). */
  scratchRoot?: string
  /** Baselines kept (oldest dropped first). */
  maxEntries?: number
}

/** The commit a ref names in `repo`, refused clearly if it names none. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  if (typeof ref !== 'string' || !ref || ref.startsWith('-')) throw new Error(`the base branch must be a ref such as "origin/main" (got ${JSON.stringify(ref)})`)
  const out = await git(repo)
    .raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
    .catch(() => '')
  const sha = out.trim()
  if (!/^[0-9a-f]{40,64}$/.test(sha)) throw new Error(`${ref} names no commit in ${repo}: fetch the base branch, or check the rig's default branch`)
  return sha
}

export function commandsKey(commands: Partial<CheckCommands>, timeouts: Partial<Record<CheckName, number>> = {}): string {
  const canonical = CHECK_NAMES.map((c) => [c, commands[c] ?? '', timeouts[c] ?? null])
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16)
}

export class BaselineChecks {
  private readonly runner: CheckRunner
  private readonly scratchRoot: string
  private readonly maxEntries: number
  private readonly cache = new Map<string, Baseline>()
  private readonly inFlight = new Map<string, Promise<Baseline>>()

  constructor(opts: BaselineChecksOptions) {
    this.runner = opts.runner
    this.scratchRoot = opts.scratchRoot ?? tmpdir()
    this.maxEntries = opts.maxEntries ?? 64
  }

  /** The base branch's checks for these commands: cached for its current commit, or run now. */
  async get(req: BaselineRequest): Promise<Baseline> {
    const repo = await realpath(req.repo).catch(() => {
      throw new Error(`the rig's repository ${req.repo} does not exist`)
    })
    const baseSha = await resolveCommit(repo, req.baseRef)
    const key = commandsKey(req.commands, req.timeouts)
    const id = `${repo}\0${baseSha}\0${key}`
    const hit = this.cache.get(id)
    if (hit) return { ...hit, baseRef: req.baseRef }
    const running = this.inFlight.get(id)
    if (running) return running
    const run = this.run(repo, baseSha, key, req).finally(() => this.inFlight.delete(id))
    this.inFlight.set(id, run)
    const baseline = await run
    this.cache.set(id, baseline)
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!)
    return baseline
  }

  /** A cached baseline, without running anything. */
  cached(repo: string, baseSha: string, commands: Partial<CheckCommands>, timeouts?: Partial<Record<CheckName, number>>): Baseline | null {
    let real = repo
    try {
      real = realpathSync(repo)
    } catch {
      // a repository that is gone has no cached baseline either
    }
    return this.cache.get(`${real}\0${baseSha}\0${commandsKey(commands, timeouts)}`) ?? null
  }

  private async run(repo: string, baseSha: string, key: string, req: BaselineRequest): Promise<Baseline> {
    const dir = await mkdtemp(join(this.scratchRoot, `${SCRATCH_PREFIX}${baseSha.slice(0, 12)}-`))
    try {
      // Checked out by `reset --hard` rather than by `worktree add` itself, which would run the repository's
      // post-checkout hook in the core (simple-git refuses `-c core.hooksPath`); reset runs no hook.
      await inWorktreeRegistryTurn(repo, () => git(repo).raw(['worktree', 'add', '--detach', '--no-checkout', dir, baseSha]))
      await git(dir).raw(['reset', '--hard', '--quiet', baseSha])
    } catch (err) {
      await rm(dir, { recursive: true, force: true })
      throw new Error(`could not check out the base commit ${baseSha.slice(0, 12)} of ${repo} into a scratch worktree: ${gitMessage(err)}`)
    }
    try {
      const ticket = this.runner.request({ worktree: dir, commands: req.commands, timeouts: req.timeouts, reason: 'baseline', onEvent: req.onEvent })
      const outcome = await ticket.outcome
      if (outcome.status !== 'completed') throw new Error(`the checks of the base branch (${req.baseRef} at ${baseSha.slice(0, 12)}) were ${outcome.status}`)
      return { repo, baseRef: req.baseRef, baseSha, commandsKey: key, result: outcome.result }
    } finally {
      await removeScratchWorktree(repo, dir)
    }
  }
}

function removeScratchWorktree(repo: string, dir: string): Promise<void> {
  return inWorktreeRegistryTurn(repo, async () => {
    await git(repo)
      .raw(['worktree', 'remove', '--force', '--force', dir])
      .catch(() => {})
    await rm(dir, { recursive: true, force: true })
    await git(repo)
      .raw(['worktree', 'prune'])
      .catch(() => {})
  })
}

/**
 * Removes scratch worktrees a crash left behind in `repo` (those in `scratchRoot` named gt-baseline-…).
 * Safe to run at every start; returns the folders removed.
 */
export async function removeStaleScratchWorktrees(repo: string, scratchRoot: string = tmpdir()): Promise<string[]> {
  const root = await realpath(scratchRoot).catch(() => scratchRoot)
  const list = await inWorktreeRegistryTurn(repo, () => git(repo).raw(['worktree', 'list', '--porcelain']))
  const removed: string[] = []
  for (const line of list.split('\n')) {
    if (!line.startsWith('worktree ')) continue
    const path = line.slice('worktree '.length)
    if (basename(path).startsWith(SCRATCH_PREFIX) && dirname(path) === root) {
      await removeScratchWorktree(repo, path)
      removed.push(path)
    }
  }
  await inWorktreeRegistryTurn(repo, () =>
    git(repo)
      .raw(['worktree', 'prune'])
      .catch(() => {})
  )
  return removed
}

/** A key that is the same for every polecat failing `check` the way the base branch does: one inbox item. */
export function baseFailureKey(baseline: Baseline, check: CheckName): string {
  return `base-failure:${baseline.repo}:${baseline.baseSha}:${baseline.commandsKey}:${check}`
}
