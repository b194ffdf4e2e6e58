// The engineer's comments on lines of a diff. Each is stored with the head it was made on, and goes to the
// polecat on that branch as mail (subject REVIEW) with the file, the line, the lines around it and the
// comment; the mail is delivered like an inbox reply (at the agent's prompt, or its next turn's end). A
// comment on a merge request means the request waits for a new `gt done` (`changesRequested`).
import { CoreError } from '../../../shared/contract'
import type { DiffSectionName, ReviewComment } from '../../../shared/domain'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { newId } from '../ids'
import { safeLine, safeText } from '../../../shared/safe-text'
import type { BranchDiffs, ResolvedTarget, TargetParams } from './branch-diff'

export interface ReviewCommentsDeps {
  db: Db
  ledger: Ledger
  diffs: BranchDiffs
  /** The mail written for a polecat goes now if its agent is at its prompt, else at its next turn's end. */
  deliver: (polecatId: string) => void
  /**
   * A comment on a merge request (or on a branch that has one open): the request must wait for a new
   * `gt done`. The merge queue decides what waiting means.
   */
  changesRequested: (mergeRequestId: string, commentId: string) => void
  /** Open merge-request beads of a branch, for a comment made on the polecat's diff. */
  openMergeRequests: (rig: string, branch: string) => string[]
  changed: () => void
}

export interface CommentParams extends TargetParams {
  path: string
  line: number
  side: 'old' | 'new'
  section: DiffSectionName
  body: string
}

interface CommentRow {
  id: string
  target_kind: 'polecat' | 'merge-request'
  target_id: string
  rig: string
  branch: string
  polecat_id: string | null
  path: string
  line: number
  side: 'old' | 'new'
  section: DiffSectionName
  body: string
  head_sha: string
  created_at: string
  created_by: string
  mail_id: string | null
  mail_delivered_at: string | null
}

const toComment = (r: CommentRow): ReviewComment => ({
  id: r.id,
  target: { kind: r.target_kind, id: r.target_id },
  rig: r.rig,
  branch: r.branch,
  polecatId: r.polecat_id,
  path: r.path,
  line: r.line,
  side: r.side,
  section: r.section,
  body: r.body,
  headSha: r.head_sha,
  createdAt: r.created_at,
  createdBy: r.created_by,
  mailId: r.mail_id,
  mailDeliveredAt: r.mail_delivered_at
})

/** Lines quoted above and below the commented one. */
const QUOTE = 3

export class ReviewComments {
  constructor(private d: ReviewCommentsDeps) {}

  async comment(p: CommentParams, actor: string): Promise<ReviewComment> {
    const r = await this.d.diffs.resolve(p)
    const entry = await this.d.diffs.entry(r, p.section, p.path)
    const quoted = await this.d.diffs.sideLines(r, p.section, entry, p.side, p.line - QUOTE, p.line + QUOTE)
    if (p.line > quoted.total) {
      throw new CoreError('invalid_params', `line: ${p.path} has ${quoted.total} line${quoted.total === 1 ? '' : 's'} on its ${p.side} side${p.section === 'uncommitted' ? ' (uncommitted)' : ''}; line ${p.line} is past its end`)
    }
    const mergeRequests = r.target.kind === 'merge-request' ? [r.target.id] : this.d.openMergeRequests(r.target.rig, r.target.branch)
    const comment: ReviewComment = {
      id: newId('rc'),
      target: { kind: r.target.kind, id: r.target.id },
      rig: r.target.rig,
      branch: r.target.branch,
      polecatId: r.target.polecatId,
      path: entry.path,
      line: p.line,
      side: p.side,
      section: p.section,
      body: p.body,
      headSha: r.head.sha,
      createdAt: now(),
      createdBy: actor,
      mailId: r.target.polecatId ? newId('mail') : null,
      mailDeliveredAt: null
    }
    inTransaction(this.d.db, () => {
      if (comment.mailId) {
        this.d.db
          .prepare('INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(comment.mailId, actor, comment.polecatId, 'REVIEW', mailBody(comment, r, quoted.lines, mergeRequests), comment.createdAt)
      }
      this.d.db
        .prepare(
          `INSERT INTO review_comments (id, target_kind, target_id, rig, branch, polecat_id, path, line, side, section, body, head_sha, created_at, created_by, mail_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(comment.id, comment.target.kind, comment.target.id, comment.rig, comment.branch, comment.polecatId, comment.path, comment.line, comment.side, comment.section, comment.body, comment.headSha, comment.createdAt, actor, comment.mailId)
      this.d.ledger.append(actor, 'review.commented', comment.polecatId ?? comment.target.id, {
        id: comment.id,
        target: comment.target,
        branch: comment.branch,
        path: comment.path,
        line: comment.line,
        side: comment.side,
        head: comment.headSha,
        mail: comment.mailId
      })
    })
    for (const mr of mergeRequests) this.d.changesRequested(mr, comment.id)
    if (comment.polecatId) this.d.deliver(comment.polecatId)
    this.d.changed()
    return this.get(comment.id)
  }

  get(id: string): ReviewComment {
    const row = this.d.db.prepare(`${SELECT} WHERE c.id = ?`).get(id) as CommentRow | undefined
    if (!row) throw new CoreError('not_found', `no review comment ${id}`)
    return toComment(row)
  }

  /** The comments on the target's branch, oldest first, whichever target (polecat or merge request) they were made on. */
  list(p: TargetParams & { path?: string }): ReviewComment[] {
    const { target } = this.d.diffs.locate(p)
    const rows = this.d.db
      .prepare(`${SELECT} WHERE c.rig = ? AND c.branch = ? ${p.path !== undefined ? 'AND c.path = ?' : ''} ORDER BY c.created_at, c.id`)
      .all(...[target.rig, target.branch, ...(p.path !== undefined ? [p.path] : [])]) as CommentRow[]
    return rows.map(toComment)
  }
}

const SELECT = 'SELECT c.*, m.delivered_at AS mail_delivered_at FROM review_comments c LEFT JOIN mail m ON m.id = c.mail_id'

/**
 * What the agent reads: where (file, line, side, the commit), the lines around it with the commented one
 * marked, the comment, and what to do next. The mail may be typed into the agent's terminal (a bracketed
 * paste): the file's lines and its name are shown inert (an ESC in them could end the paste and type keys).
 */
function mailBody(c: ReviewComment, r: ResolvedTarget, lines: string[], mergeRequests: string[]): string {
  const first = Math.max(1, c.line - QUOTE)
  const width = String(first + lines.length - 1).length
  const path = safeLine(c.path)
  const where =
    c.section === 'uncommitted'
      ? `your uncommitted change to ${path}`
      : `${path} on ${c.branch} at ${r.head.sha.slice(0, 12)}${c.side === 'old' ? ` (the old side: ${r.base.ref} at ${r.base.sha.slice(0, 12)})` : ''}`
  const quote = lines.map((l, i) => `${first + i === c.line ? '>' : ' '} ${String(first + i).padStart(width)} | ${safeText(l.replace(/\r$/, ''))}`).join('\n')
  const next = mergeRequests.length
    ? `The merge request${mergeRequests.length > 1 ? 's' : ''} ${mergeRequests.join(', ')} wait${mergeRequests.length > 1 ? '' : 's'} for you: change the code as asked, commit, and run gt done again.`
    : 'Change the code as asked and commit it.'
  return `Review comment on ${where}, line ${c.line}:\n\n${quote}\n\n${c.body}\n\n${next}`
}
