// Rigs: the repositories a town manages. The town keeps its own clone of each under <town>/rigs/NAME/repo,
// and polecat worktrees beside it under <town>/rigs/NAME/polecats/.
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Rig } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { commitsAhead, git, gitMessage, isRepository } from '../git/git'

interface RigRow {
  name: string
  source: string
  path: string
  default_branch: string
  added_at: string
}
const toRig = (r: RigRow): Rig => ({ name: r.name, source: r.source, path: r.path, defaultBranch: r.default_branch, addedAt: r.added_at })

export const rigDir = (town: string, name: string): string => join(town, 'rigs', name)
export const polecatsDir = (town: string, rig: string): string => join(rigDir(town, rig), 'polecats')

/** A source is a URL (scheme://, user@host:path) or else a local path. */
function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/\s]+@[^:\s]+:/.test(source)
}

export class Rigs {
  constructor(
    private db: Db,
    private ledger: Ledger,
    private town: string
  ) {}

  list(): Rig[] {
    return (this.db.prepare('SELECT * FROM rigs ORDER BY name').all() as RigRow[]).map(toRig)
  }

  get(name: string): Rig {
    const row = this.db.prepare('SELECT * FROM rigs WHERE name = ?').get(name) as RigRow | undefined
    if (!row) throw new CoreError('not_found', `no rig named ${name}`)
    return toRig(row)
  }

  /**
   * Clones SOURCE into a hidden staging folder and renames it into place only when the clone is whole,
   * so a failed or interrupted add leaves nothing behind.
   */
  async add(name: string, sourceIn: string, actor: string, progress?: (message: string, percent: number | null) => void): Promise<Rig> {
    if (this.db.prepare('SELECT 1 FROM rigs WHERE name = ?').get(name) || existsSync(rigDir(this.town, name))) {
      throw new CoreError('conflict', `a rig named ${name} already exists`)
    }
    let source = sourceIn.trim()
    if (!isUrl(source)) {
      source = resolve(source.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'))
      const st = await stat(source).catch(() => null)
      if (!st?.isDirectory()) throw new CoreError('invalid_params', `${source} is not a directory`)
      if (!(await isRepository(source))) throw new CoreError('invalid_params', `${source} is not a git repository`)
    }
    const rigsRoot = join(this.town, 'rigs')
    await mkdir(rigsRoot, { recursive: true })
    const staging = join(rigsRoot, `.adding-${name}-${randomBytes(4).toString('hex')}`)
    const stagingRepo = join(staging, 'repo')
    await mkdir(staging)
    try {
      progress?.(`Cloning ${source}`, 0)
      await git(staging, ({ stage, progress: pct }) => progress?.(`${stage}`, pct))
        .clone(source, stagingRepo, ['--no-hardlinks'])
      const head = (await git(stagingRepo).raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim() || 'main'
      const commits = await git(stagingRepo)
        .raw(['rev-list', '-n', '1', '--all'])
        .catch(() => '')
      if (!commits.trim()) throw new CoreError('invalid_params', `${source} has no commits yet: commit something first`)
      await mkdir(join(staging, 'polecats'))
      const final = rigDir(this.town, name)
      await rename(staging, final)
      const rig: Rig = { name, source, path: join(final, 'repo'), defaultBranch: head, addedAt: now() }
      try {
        inTransaction(this.db, () => {
          this.db.prepare('INSERT INTO rigs (name, source, path, default_branch, added_at) VALUES (?, ?, ?, ?, ?)').run(rig.name, rig.source, rig.path, rig.defaultBranch, rig.addedAt)
          this.ledger.append(actor, 'rig.added', name, { source, defaultBranch: head })
        })
      } catch (err) {
        await rm(final, { recursive: true, force: true })
        throw err
      }
      progress?.('Ready', 100)
      return rig
    } catch (err) {
      await rm(staging, { recursive: true, force: true })
      if (err instanceof CoreError) throw err
      const why = gitMessage(err)
      throw new CoreError('failed', isUrl(source) ? `could not clone ${source}: ${why}` : `could not clone ${source}: ${why}`)
    }
  }

  /** Polecat branches of the rig with commits that are not on its default branch. */
  async unmergedBranches(name: string): Promise<{ branch: string; commits: number }[]> {
    const rig = this.get(name)
    const refs = await git(rig.path).raw(['for-each-ref', '--format=%(refname:short)', 'refs/heads/polecat/'])
    const out: { branch: string; commits: number }[] = []
    for (const branch of refs.split('\n').filter(Boolean)) {
      const commits = await commitsAhead(rig.path, rig.defaultBranch, branch)
      if (commits > 0) out.push({ branch, commits })
    }
    return out
  }

  /** Deletes the rig's row and folder; callers stop its polecats and archive their logs first. */
  async remove(name: string, actor: string): Promise<void> {
    inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM rigs WHERE name = ?').run(name)
      this.db.prepare('DELETE FROM polecats WHERE rig = ?').run(name)
      this.ledger.append(actor, 'rig.removed', name, null)
    })
    await rm(rigDir(this.town, name), { recursive: true, force: true })
  }
}
