// `gt mq add BRANCH…`: branches the user made (not a polecat's) go through the same queue — the same
// candidates, the same checks, the same compare-and-swap. Each must be on the rig's origin, where the
// refinery reads every request from. All are checked before any is queued, and queued in one transaction.
import type { MergeQueueEntry, Rig } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { git, gitMessage, isSafeBranchName } from '../git/git'
import type { Beads } from '../beads/beads'
import type { MergeQueue } from './merge-queue'

export interface AddMergeRequestsInput {
  rig: Rig
  branches: string[]
  title?: string
  priority: number
  beads: Beads
  queue: MergeQueue
  db: Db
}

export async function addMergeRequests(i: AddMergeRequestsInput, actor: string): Promise<MergeQueueEntry[]> {
  const { rig } = i
  const twice = i.branches.find((b, n) => i.branches.indexOf(b) !== n)
  if (twice) throw new CoreError('invalid_params', `${twice} is named twice`)
  for (const b of i.branches) if (!(await isSafeBranchName(rig.path, b))) throw new CoreError('invalid_params', `"${b}" is not a branch name git accepts`)
  try {
    await git(rig.path).fetch(['origin', '--prune'])
  } catch (err) {
    throw new CoreError('failed', `could not fetch ${rig.name}'s origin (${rig.source}): ${gitMessage(err)}`)
  }
  const heads = new Map<string, string>()
  const open = i.queue.list({ rig: rig.name, states: ['pending', 'testing', 'awaiting_approval', 'failed', 'changes_requested'] })
  for (const branch of i.branches) {
    const head = (await git(rig.path).raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/remotes/origin/${branch}^{commit}`]).catch(() => '')).trim()
    if (!head) throw new CoreError('not_found', `${rig.name}'s origin (${rig.source}) has no branch ${branch}: push it there first (git push origin ${branch})`)
    const queued = open.find((e) => e.branch === branch)
    if (queued) throw new CoreError('conflict', `${branch} is in ${rig.name}'s queue already as ${queued.id} (${queued.state.replace('_', ' ')})${queued.state === 'failed' || queued.state === 'changes_requested' ? `: gt mq retry ${queued.id} tests it again` : ''}`)
    heads.set(branch, head)
  }
  return inTransaction(i.db, () =>
    i.branches.map((branch) => {
      const mr = i.beads.create(
        { title: i.title && i.branches.length === 1 ? i.title : `Merge ${branch}`, description: i.title ?? '', priority: i.priority, type: 'merge-request', rig: rig.name, labels: [`branch:${branch}`], deps: [] },
        actor
      )
      return i.queue.enqueue({ id: mr.id, rig: rig.name, branch, beadId: null, polecatId: null, priority: i.priority, sha: heads.get(branch)! }, actor)
    })
  )
}
