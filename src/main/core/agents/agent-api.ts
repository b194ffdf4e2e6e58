// What an agent may do, as the polecat its token names and no other. Every call is written to the ledger.
import type { Mail, MoleculeAdvance, MoleculeInstance, PrimeContext, Session } from '../../../shared/domain'
import { CoreError, type DoneResult, type Params } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { newId } from '../ids'
import { now, type Ledger } from '../ledger/ledger'
import type { Beads } from '../beads/beads'
import type { Rigs } from '../rigs/rigs'
import type { Polecats } from '../polecats/polecats'
import type { Sessions } from '../sessions/sessions'
import type { Inbox } from '../inbox/inbox'
import type { Molecules } from '../molecules/molecules'
import { commitsAhead, git, gitMessage, refExists } from '../git/git'
import type { EnqueueInput } from '../refinery/merge-queue'
import { toMail, type MailRow } from './mail-row'

export interface AgentApiDeps {
  db: Db
  ledger: Ledger
  beads: Beads
  rigs: Rigs
  polecats: Polecats
  sessions: Sessions
  inbox: Inbox
  molecules: Molecules
  /** The polecat directives, from the town's templates (resources/prompts/directives.md). */
  directives: () => string[]
  /** The branch a rig's merge requests land on (its target_branch setting, else its default branch). */
  mergeTarget: (rig: string) => string
  /** Puts a merge request in its rig's queue (inside gt done's transaction); the refinery takes it from there. */
  queueMerge: (e: EnqueueInput) => void
  changed: (...topics: ('beads' | 'polecats' | 'sessions' | 'ledger' | 'inbox')[]) => void
}

/** The last commits of the polecat's branch that are not on the base: what was done already. */
async function recentCommits(worktree: string, defaultBranch: string): Promise<PrimeContext['recentCommits']> {
  try {
    const base = (await refExists(worktree, `origin/${defaultBranch}`)) ? `origin/${defaultBranch}` : defaultBranch
    const out = await git(worktree).raw(['log', '-n', '15', '--format=%h%x09%cI%x09%s', '--end-of-options', `${base}..HEAD`])
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha, at, ...subject] = l.split('\t')
        return { sha, at, subject: subject.join('\t') }
      })
  } catch {
    return []
  }
}

export class AgentApi {
  constructor(private d: AgentApiDeps) {}

  /** Everything the agent needs to start or resume: `gt prime`, and the SessionStart context of runtimes with hooks. */
  async prime(session: Session): Promise<PrimeContext> {
    const polecat = this.d.polecats.get(session.polecatId)
    const rig = this.d.rigs.get(polecat.rig)
    const beadId = polecat.beadId ?? session.beadId
    const bead = beadId ? this.d.beads.find(beadId) : null
    const cp = beadId
      ? (this.d.db.prepare('SELECT at, data FROM checkpoints WHERE bead_id = ? ORDER BY id DESC LIMIT 1').get(beadId) as { at: string; data: string } | undefined)
      : undefined
    const mail = this.undelivered(polecat.id, false)
    const context: PrimeContext = {
      polecat,
      rig,
      bead,
      checkpoint: cp ? { at: cp.at, data: JSON.parse(cp.data) } : null,
      mail,
      openBeads: this.d.beads.list({ rig: rig.name }).filter((b) => b.type !== 'merge-request'),
      notes: beadId ? this.d.ledger.list({ subject: beadId, limit: 200 }) : [],
      attempts: beadId ? this.d.sessions.list({ bead: beadId }).filter((s) => s.id !== session.id) : [],
      decisions: this.d.inbox.decisionsFor(beadId ?? null, polecat.id),
      recentCommits: await recentCommits(polecat.worktree, rig.defaultBranch),
      directives: this.d.directives(),
      molecule: beadId ? this.d.molecules.forBead(beadId) : null
    }
    this.d.ledger.append(polecat.id, 'agent.prime', beadId, { session: session.id })
    return context
  }

  checkpoint(session: Session, p: Params<'agent.checkpoint'>): { at: string } {
    const polecat = this.d.polecats.get(session.polecatId)
    const beadId = polecat.beadId ?? session.beadId
    const at = now()
    inTransaction(this.d.db, () => {
      this.d.db.prepare('INSERT INTO checkpoints (polecat_id, bead_id, session_id, at, data) VALUES (?, ?, ?, ?, ?)').run(polecat.id, beadId, session.id, at, JSON.stringify(p.data ?? null))
      this.d.ledger.append(polecat.id, 'agent.checkpoint', beadId, { session: session.id, data: p.data ?? null })
    })
    this.d.changed('ledger')
    return { at }
  }

  /** `gt mol current`: the molecule on the hooked bead, with its current step. */
  molCurrent(session: Session): MoleculeInstance {
    const beadId = this.hookedBead(session)
    const m = this.d.molecules.require(beadId)
    this.d.ledger.append(session.polecatId, 'agent.mol.current', beadId, { session: session.id, molecule: m.id, step: m.current })
    return m
  }

  /**
   * `gt mol advance`: closes the current step with the summary and checkpoints where the molecule now is,
   * in one transaction, so a session that dies right after resumes at the next step, never the closed one.
   */
  molAdvance(session: Session, p: Params<'agent.mol.advance'>): MoleculeAdvance {
    const beadId = this.hookedBead(session)
    const at = now()
    const r = inTransaction(this.d.db, () => {
      const step = this.d.molecules.advance(beadId, p.summary, session.polecatId)
      const data = { molecule: step.molecule.name, step: step.closed.id, summary: p.summary, next: step.next?.id ?? null, done: step.molecule.done, of: step.molecule.steps.length }
      this.d.db.prepare('INSERT INTO checkpoints (polecat_id, bead_id, session_id, at, data) VALUES (?, ?, ?, ?, ?)').run(session.polecatId, beadId, session.id, at, JSON.stringify(data))
      this.d.ledger.append(session.polecatId, 'agent.checkpoint', beadId, { session: session.id, data })
      return step
    })
    this.d.changed('beads', 'ledger')
    return { ...r, checkpointAt: at }
  }

  private hookedBead(session: Session): string {
    const polecat = this.d.polecats.get(session.polecatId)
    const beadId = polecat.beadId ?? session.beadId
    if (!beadId) throw new CoreError('conflict', `nothing is hooked to ${polecat.id}: there is no molecule to walk`)
    return beadId
  }

  note(session: Session, p: Params<'agent.note'>) {
    const polecat = this.d.polecats.get(session.polecatId)
    const event = this.d.ledger.append(polecat.id, 'agent.note', polecat.beadId ?? session.beadId, { session: session.id, text: p.text })
    this.d.changed('ledger')
    return event
  }

  mailSend(session: Session, p: Params<'agent.mail.send'>): Mail {
    const mail: Mail = { id: newId('mail'), from: session.polecatId, to: p.to, subject: p.subject, body: p.body, createdAt: now(), deliveredAt: null }
    inTransaction(this.d.db, () => {
      this.d.db.prepare('INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(mail.id, mail.from, mail.to, mail.subject, mail.body, mail.createdAt)
      this.d.ledger.append(session.polecatId, 'agent.mail.send', mail.to, { id: mail.id, subject: mail.subject })
    })
    this.d.changed('ledger')
    return mail
  }

  /** Undelivered mail for the polecat; `markDelivered` when the agent has now read it. */
  private undelivered(polecatId: string, markDelivered: boolean): Mail[] {
    const rows = this.d.db.prepare('SELECT * FROM mail WHERE recipient = ? AND delivered_at IS NULL ORDER BY created_at').all(polecatId) as MailRow[]
    if (markDelivered && rows.length) {
      const at = now()
      const mark = this.d.db.prepare('UPDATE mail SET delivered_at = ? WHERE id = ?')
      for (const r of rows) mark.run(at, r.id)
    }
    return rows.map(toMail)
  }

  mailCheck(session: Session): Mail[] {
    return inTransaction(this.d.db, () => {
      const mail = this.undelivered(session.polecatId, true)
      this.d.ledger.append(session.polecatId, 'agent.mail.check', session.polecatId, { delivered: mail.map((m) => m.id) })
      return mail
    })
  }

  async done(session: Session, p: Params<'agent.done'>): Promise<DoneResult> {
    const polecat = this.d.polecats.get(session.polecatId)
    if (!polecat.beadId || !polecat.branch) throw new CoreError('conflict', `nothing is hooked to ${polecat.id}: there is no work to finish`)
    const rig = this.d.rigs.get(polecat.rig)
    const wt = git(polecat.worktree)
    const status = await wt.status()
    const changed = status.files.filter((f) => f.index !== '?')
    if (changed.length) {
      throw new CoreError('conflict', `uncommitted changes in ${changed.map((f) => f.path).slice(0, 5).join(', ')}${changed.length > 5 ? ' …' : ''}: commit them (or discard them) before gt done`)
    }
    const target = this.d.mergeTarget(rig.name)
    const base = (await refExists(polecat.worktree, `origin/${target}`)) ? `origin/${target}` : target
    const commits = await commitsAhead(polecat.worktree, base, 'HEAD')
    if (commits === 0) throw new CoreError('conflict', `branch ${polecat.branch} has no commits beyond ${base}: commit your work before gt done`)
    try {
      await wt.push('origin', `HEAD:refs/heads/${polecat.branch}`)
    } catch (err) {
      this.d.ledger.append(polecat.id, 'agent.done.push-failed', polecat.beadId, { error: gitMessage(err) })
      throw new CoreError('failed', `could not push ${polecat.branch} to ${rig.source}: ${gitMessage(err)}`)
    }
    const head = (await wt.revparse(['HEAD'])).trim()
    const beadId = polecat.beadId
    const result = inTransaction(this.d.db, () => {
      // A request sent back (FIX_NEEDED, a review) is the same request done again: it keeps its id and its age.
      const open = this.d.beads.mergeRequestsFor(beadId)[0]
      const mr = open
        ? this.d.beads.update({ id: open.id, description: p.summary || open.description }, polecat.id)
        : this.d.beads.create(
            {
              title: `Merge ${polecat.branch}`,
              description: p.summary,
              priority: this.d.beads.get(beadId).priority,
              type: 'merge-request',
              rig: rig.name,
              labels: [`branch:${polecat.branch}`],
              deps: [{ type: 'tracks', target: beadId }]
            },
            polecat.id
          )
      this.d.queueMerge({ id: mr.id, rig: rig.name, branch: polecat.branch!, beadId, polecatId: polecat.id, priority: mr.priority, sha: head })
      this.d.beads.setWork(beadId, 'in_progress', polecat.id)
      this.d.polecats.markDone(polecat.id, session.id)
      this.d.ledger.append(polecat.id, 'agent.done', beadId, { session: session.id, branch: polecat.branch, commits, summary: p.summary, mergeRequest: mr.id, head })
      return { branch: polecat.branch!, commits, mergeRequest: mr }
    })
    this.d.changed('beads', 'polecats', 'ledger')
    return result
  }
}
