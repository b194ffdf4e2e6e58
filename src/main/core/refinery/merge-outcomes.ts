// What a merge request's fate means for the rest of the town. Merged: its merge-request bead and the bead
// it was for are closed, its polecat told MERGED. Sent back (its checks failed on the candidate, it
// conflicts, a human asked for changes): the request waits for a new `gt done`, the bead goes back on the
// polecat's hook, and the failure goes where failures go — the Dogs (FIX_NEEDED mail, a restart if the agent
// is gone, bounded retries) and after them, or for a branch no polecat owns, the inbox.
import type { Bead, MergeFailure, MergeQueueEntry, Polecat } from '../../../shared/domain'
import type { Ledger } from '../ledger/ledger'
import type { Incident } from '../witness/incidents'
import type { Landing, MergeQueue } from './merge-queue'

export interface MergeOutcomeDeps {
  queue: MergeQueue
  ledger: Ledger
  bead: (id: string) => Bead | null
  closeBead: (id: string, reason: string) => void
  polecat: (id: string) => Polecat | null
  /** Puts the bead back on the polecat's hook after gt done emptied it: the agent can gt done again. */
  rehook: (polecatId: string, beadId: string) => void
  mail: (to: string, subject: string, body: string) => void
  report: (incident: Incident) => void
  /** A merge failure of this bead is over (it merged): the Dogs' count starts afresh. */
  cleared: (beadId: string | null, polecatId: string) => void
  changed: () => void
}

const short = (sha: string) => sha.slice(0, 10)

export class MergeOutcomes {
  constructor(private d: MergeOutcomeDeps) {}

  /** The target moved to `sha` with these requests: everything they were for is done. */
  merged(landing: Landing, sha: string): MergeQueueEntry[] {
    const entries = this.d.queue.markMerged(landing, sha)
    for (const e of entries) {
      const reason = `merged into ${landing.targetBranch} as ${short(sha)}`
      if (this.d.bead(e.id)?.status !== 'closed') this.d.closeBead(e.id, reason)
      if (e.beadId && this.d.bead(e.beadId) && this.d.bead(e.beadId)!.status !== 'closed') this.d.closeBead(e.beadId, reason)
      if (e.polecatId) {
        this.d.cleared(e.beadId, e.polecatId)
        if (this.d.polecat(e.polecatId)) {
          this.d.mail(
            e.polecatId,
            'MERGED',
            `Your branch ${e.branch} was merged into ${landing.targetBranch} (${short(sha)}) after the rig's checks passed on it${landing.requests.length > 1 ? ` together with ${landing.requests.length - 1} other request${landing.requests.length === 2 ? '' : 's'}` : ''}. ` +
              `${e.beadId ? `Bead ${e.beadId} is closed. ` : ''}Nothing more to do for it.`
          )
        }
      }
    }
    this.d.changed()
    return entries
  }

  /**
   * The request goes back: failed (checks, conflict, a missing branch) or with changes requested (a review,
   * a denied batch). It waits for a new gt done from its polecat, or gt mq retry.
   */
  /** `mail: false` when the polecat is told otherwise (a review comment is its own REVIEW mail). */
  sentBack(entry: MergeQueueEntry, state: 'failed' | 'changes_requested' | 'rejected', failure: MergeFailure, actor: string, opts: { mail?: boolean } = {}): MergeQueueEntry {
    const e = this.d.queue.setBack(entry.id, state, failure, actor)
    const pc = e.polecatId ? this.d.polecat(e.polecatId) : null
    if (pc && e.beadId && state !== 'rejected' && !pc.beadId) this.d.rehook(pc.id, e.beadId)
    // A rejected request is over: a later gt done on the bead opens a new one.
    if (state === 'rejected' && this.d.bead(e.id)?.status !== 'closed') this.d.closeBead(e.id, `rejected: ${failure.message}`)
    if (state === 'failed') {
      this.d.report({
        kind: failure.kind === 'conflict' ? 'merge_conflict' : 'merge_failed',
        severity: 'P1',
        rig: e.rig,
        polecatId: pc ? pc.id : null,
        beadId: e.beadId ?? e.id,
        sessionId: null,
        title: failure.kind === 'conflict' ? `${e.branch} conflicts with the target` : failure.kind === 'missing' ? `${e.branch} is gone from the remote` : `${e.branch} failed the checks on the merge candidate`,
        body: failure.message,
        excerpt: failure.kind === 'conflict' ? (failure.files ?? []).join('\n') : (failure.output ?? null),
        groupKey: `mq:${e.id}`
      })
    } else if (pc && opts.mail !== false) {
      this.d.mail(
        pc.id,
        state === 'rejected' ? 'REJECTED' : 'REVIEW',
        state === 'rejected'
          ? `Your merge request ${e.id} (${e.branch}) was rejected${failure.by ? ` by ${failure.by}` : ''}: ${failure.message}. It will not be merged.`
          : `Changes were asked for on your merge request ${e.id} (${e.branch})${failure.by ? ` by ${failure.by}` : ''}:\n\n${failure.message}\n\nMake them, commit, and run gt done again: the request waits until then.`
      )
    }
    this.d.changed()
    return e
  }
}
