// Work is kept in git, not in anyone's good intentions. The polecat instructions tell agents to commit and
// push often; the app does not rely on it (the cloud Gas Town learned that prompts alone did not stop lost
// work): it pushes a polecat's branch itself soon after each commit, and before a session ends for any
// reason — stopped, restarted, the app quitting, the town drained, the agent gone by itself — it commits what
// the worktree holds uncommitted as a clearly marked work-in-progress commit (never on another branch, never
// the ignored files) and pushes it. Never a force: a rejected push is recorded and tried again later.
import type { Polecat } from '../../../shared/domain'
import type { Ledger } from '../ledger/ledger'
import { git, gitEnv, gitMessage } from '../git/git'
import { POLECAT_TRAILER, type GitIdentity } from './agent-git'

/** Pushes wait this long after a commit: a burst of commits is one push. */
const PUSH_DEBOUNCE_MS = 3000
/** A push or a WIP save that makes no progress this long is given up (and tried again later). */
const GIT_STALL_MS = 30_000

export interface SaveResult {
  polecatId: string
  committed: boolean
  pushed: boolean
  /** Why nothing was saved, or what went wrong. */
  note: string | null
}

export interface BranchKeeperDeps {
  ledger: Ledger
  polecat: (id: string) => Polecat | null
  identity: () => GitIdentity
  /** A push or a save failed (the remote refused, the disk): the human hears of it. */
  trouble: (polecat: Polecat, message: string) => void
}

export class BranchKeeper {
  private pushTimers = new Map<string, NodeJS.Timeout>()
  /** The save or push in progress for a polecat: the next git work in its worktree waits for it. */
  private busy = new Map<string, Promise<unknown>>()
  /** Closed: nothing more is started (see dispose). */
  private disposed = false

  constructor(private d: BranchKeeperDeps) {}

  /** A commit happened (the post-commit hook): push the branch soon. */
  committed(polecatId: string): void {
    if (this.disposed) return
    clearTimeout(this.pushTimers.get(polecatId))
    const t = setTimeout(() => {
      this.pushTimers.delete(polecatId)
      void this.run(polecatId, () => this.push(polecatId)).catch(() => {})
    }, PUSH_DEBOUNCE_MS)
    t.unref()
    this.pushTimers.set(polecatId, t)
  }

  /**
   * The session ended without a WIP save (gt done): a push still waiting for its debounce runs now, for the
   * branch the polecat has now. Later the polecat's name may hold another bead and branch, and the next
   * sling's preparation of the worktree must not meet a push running in it (the sling waits in settled()).
   */
  pushPending(polecatId: string): void {
    if (this.disposed || !this.pushTimers.has(polecatId)) return
    clearTimeout(this.pushTimers.get(polecatId))
    this.pushTimers.delete(polecatId)
    const pc = this.d.polecat(polecatId)
    void this.run(polecatId, () => this.push(polecatId, pc)).catch(() => {})
  }

  /** Resolves when no save or push of the polecat's worktree is running. */
  async settled(polecatId: string): Promise<void> {
    await this.busy.get(polecatId)?.catch(() => {})
  }

  /** Commits what is uncommitted as work in progress, then pushes the branch. Never throws. */
  saveWork(polecatId: string, why: string): Promise<SaveResult> {
    clearTimeout(this.pushTimers.get(polecatId))
    return this.run(polecatId, async () => {
      const pc = this.d.polecat(polecatId)
      if (!pc?.branch) return { polecatId, committed: false, pushed: false, note: 'no branch' }
      const committed = await this.commitWip(pc, why).catch((err) => {
        this.d.ledger.append('core', 'branch.wip-failed', pc.beadId ?? pc.id, { polecat: pc.id, why, error: gitMessage(err) })
        this.d.trouble(pc, `could not save the uncommitted work of ${pc.id} (${why}): ${gitMessage(err)}`)
        return null
      })
      const push = await this.push(polecatId)
      return { polecatId, committed: committed === true, pushed: push.pushed, note: committed === null ? 'the WIP commit failed' : push.note }
    }).catch((err: Error) => ({ polecatId, committed: false, pushed: false, note: err.message }))
  }

  /**
   * No more pushes or saves: the timers are cleared, and what is already running is waited for (bounded by
   * git's own stall limit), so nothing reads the ledger after the control room has closed it.
   */
  async dispose(): Promise<void> {
    this.disposed = true
    for (const t of this.pushTimers.values()) clearTimeout(t)
    this.pushTimers.clear()
    await Promise.all([...this.busy.values()].map((p) => p.catch(() => {})))
  }


  private run<T>(polecatId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.busy.get(polecatId) ?? Promise.resolve()
    // Queued behind a save that was still running at close: nothing more is started.
    const next = before.catch(() => {}).then(() => (this.disposed ? Promise.reject(new Error('the control room is closing')) : fn()))
    this.busy.set(polecatId, next)
    void next.finally(() => {
      if (this.busy.get(polecatId) === next) this.busy.delete(polecatId)
    })
    return next
  }

  /** true: a WIP commit was made; false: nothing to commit (or not on its branch). */
  private async commitWip(pc: Polecat, why: string): Promise<boolean> {
    const wt = git(pc.worktree, undefined, { stallMs: GIT_STALL_MS })
    const head = (await wt.raw(['rev-parse', '--abbrev-ref', 'HEAD']).catch(() => '')).trim()
    if (head !== pc.branch) {
      // The agent switched branches (it was told not to): commit nothing on a branch that is not its own.
      this.d.ledger.append('core', 'branch.wip-skipped', pc.beadId ?? pc.id, { polecat: pc.id, why, head, branch: pc.branch })
      return false
    }
    const status = await wt.raw(['status', '--porcelain', '--untracked-files=all'])
    if (!status.trim()) return false
    await wt.raw(['add', '-A'])
    const env = await this.identityEnv(pc.worktree)
    // --no-verify: saving work must not be stopped by a lint hook; the trailers say what the hook would have.
    await git(pc.worktree, undefined, { stallMs: GIT_STALL_MS })
      .env(env)
      .raw(['commit', '--no-verify', '-q', '-m', `WIP(gastown): work in progress of ${pc.id}, saved when ${why}`, '--trailer', `${POLECAT_TRAILER}: ${pc.id}`, '--trailer', 'Gas-Town-WIP: true'])
    const sha = (await wt.raw(['rev-parse', 'HEAD'])).trim()
    this.d.ledger.append('core', 'branch.wip-committed', pc.beadId ?? pc.id, { polecat: pc.id, why, sha, files: status.trim().split('\n').length })
    return true
  }

  /** The user's identity where git has one; the town's default otherwise (as the agents' own commits). */
  private async identityEnv(worktree: string): Promise<Record<string, string>> {
    const has = async (key: string) => (await git(worktree).raw(['config', '--get', key]).catch(() => '')).trim() !== ''
    const env = gitEnv()
    const id = this.d.identity()
    if (!(await has('user.name'))) env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = id.name
    if (!(await has('user.email'))) env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = id.email
    return env
  }

  /** Pushes the polecat's branch to its rig's origin if it has commits the remote lacks; never a force. */
  private async push(polecatId: string, as?: Polecat | null): Promise<{ pushed: boolean; note: string | null }> {
    const pc = as === undefined ? this.d.polecat(polecatId) : as
    if (!pc?.branch) return { pushed: false, note: 'no branch' }
    const wt = git(pc.worktree, undefined, { stallMs: GIT_STALL_MS })
    try {
      const local = (await wt.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${pc.branch}`])).trim()
      const remote = (await wt.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/remotes/origin/${pc.branch}`]).catch(() => '')).trim()
      if (!local || local === remote) return { pushed: false, note: 'nothing to push' }
      await wt.raw(['push', '--quiet', 'origin', `refs/heads/${pc.branch}:refs/heads/${pc.branch}`])
      await wt.raw(['update-ref', `refs/remotes/origin/${pc.branch}`, local]).catch(() => {})
      this.d.ledger.append('core', 'branch.pushed', pc.beadId ?? pc.id, { polecat: pc.id, branch: pc.branch, sha: local })
      return { pushed: true, note: null }
    } catch (err) {
      const message = gitMessage(err)
      this.d.ledger.append('core', 'branch.push-failed', pc.beadId ?? pc.id, { polecat: pc.id, branch: pc.branch, error: message })
      this.d.trouble(pc, `could not push ${pc.branch} of ${pc.id} to its rig's origin: ${message}. Its commits are safe in the town's clone; the push is tried again after the next commit.`)
      return { pushed: false, note: message }
    }
  }
}
