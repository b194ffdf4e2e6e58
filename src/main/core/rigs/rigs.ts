// Rigs: the repositories a town manages. The town keeps its own clone of each under <town>/rigs/NAME/repo,
// and polecat worktrees beside it under <town>/rigs/NAME/polecats/.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Rig, RigConfig } from '../../../shared/domain'
import { CoreError } from '../../../shared/contract'
import { inTransaction, type Db } from '../store/db'
import { now, type Ledger } from '../ledger/ledger'
import { commitsAhead, git, gitMessage, isRepository, isSafeBranchName, isStallTimeout } from '../git/git'
import { RIG_SETTING_KEYS, parseRigSetting, readRigSettings, type RigSettingKey, type RigSettings } from './rig-settings'

interface RigRow {
  name: string
  source: string
  path: string
  default_branch: string
  added_at: string
  settings: string
}
const toRig = (r: RigRow): Rig => ({ name: r.name, source: r.source, path: r.path, defaultBranch: r.default_branch, addedAt: r.added_at })

export const rigDir = (town: string, name: string): string => join(town, 'rigs', name)
export const polecatsDir = (town: string, rig: string): string => join(rigDir(town, rig), 'polecats')

const STAGING_PREFIX = '.adding-'

/** Staging folders of adds that a crash interrupted: never a rig, always safe to remove (at start, under the town lock). */
export function removeStagingFolders(town: string): string[] {
  const root = join(town, 'rigs')
  if (!existsSync(root)) return []
  // A new rig is staged in rigs/, a clone got back after a loss in rigs/NAME/.
  const dirs = [root, ...readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(STAGING_PREFIX)).map((e) => join(root, e.name))]
  const left: string[] = []
  for (const dir of dirs) {
    for (const n of readdirSync(dir).filter((x) => x.startsWith(STAGING_PREFIX))) {
      rmSync(join(dir, n), { recursive: true, force: true })
      left.push(join(dir, n))
    }
  }
  return left
}

/** A source is a URL (scheme://, user@host:path) or else a local path. */
function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/\s]+@[^:\s]+:/.test(source)
}

/**
 * One spelling per repository, for telling rigs on the same source apart from the rest: a path without a
 * trailing slash or /.git, a URL without its trailing .git or slash (hosts serve both), with its scheme and
 * host in lower case.
 */
export function sourceKey(source: string): string {
  let s = source.trim().replace(/\/+$/, '')
  if (isUrl(s)) {
    s = s.replace(/\.git$/i, '').replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]+)/i, (m) => m.toLowerCase())
    return s.replace(/^([^/\s]+@[^:\s]+):/, (m) => m.toLowerCase())
  }
  // A working copy's .git folder is the working copy's repository; a bare web.git beside a web/ is another.
  return s.replace(/\/\.git$/, '')
}

export class Rigs {
  /** Names being added right now: a second add of one of them waits for nothing and is refused. */
  private adding = new Set<string>()

  constructor(
    private db: Db,
    private ledger: Ledger,
    private town: string,
    /** How long a clone may print nothing before it is abandoned. */
    private cloneStallMs: () => number = () => 120_000
  ) {}

  list(): Rig[] {
    return (this.db.prepare('SELECT * FROM rigs ORDER BY name').all() as RigRow[]).map(toRig)
  }

  /** Each rig's twins: the other rigs added from the same source repository (their work lands in the same place). */
  twinsByRig(): Map<string, string[]> {
    const bySource = new Map<string, string[]>()
    for (const r of this.list()) {
      const key = sourceKey(r.source)
      bySource.set(key, [...(bySource.get(key) ?? []), r.name])
    }
    const out = new Map<string, string[]>()
    for (const names of bySource.values()) for (const name of names) out.set(name, names.filter((n) => n !== name))
    return out
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
    if (this.adding.has(name)) throw new CoreError('conflict', `the rig ${name} is being added right now: wait for that add to finish`)
    if (this.db.prepare('SELECT 1 FROM rigs WHERE name = ?').get(name) || existsSync(rigDir(this.town, name))) {
      throw new CoreError('conflict', `a rig named ${name} already exists`)
    }
    this.adding.add(name)
    try {
      return await this.clone(name, sourceIn.trim(), actor, progress)
    } finally {
      this.adding.delete(name)
    }
  }

  private async clone(name: string, sourceIn: string, actor: string, progress?: (message: string, percent: number | null) => void): Promise<Rig> {
    let source = sourceIn
    // git would read a source starting with '-' as an option.
    if (source.startsWith('-')) throw new CoreError('invalid_params', `"${source}" is not a repository path or URL (it starts with "-")`)
    if (!isUrl(source)) {
      source = resolve(source.replace(/^~(?=$|\/)/, process.env.HOME ?? '~'))
      const st = await stat(source).catch(() => null)
      if (!st?.isDirectory()) throw new CoreError('invalid_params', `${source} is not a directory`)
      if (!(await isRepository(source))) throw new CoreError('invalid_params', `${source} is not a git repository (neither a working copy nor a bare repository)`)
    }
    const rigsRoot = join(this.town, 'rigs')
    await mkdir(rigsRoot, { recursive: true })
    const staging = join(rigsRoot, `${STAGING_PREFIX}${name}-${randomBytes(4).toString('hex')}`)
    const stagingRepo = join(staging, 'repo')
    await mkdir(staging)
    const stallMs = this.cloneStallMs()
    try {
      progress?.(`Cloning ${source}`, 0)
      await git(staging, ({ stage, progress: pct }) => progress?.(`${stage}`, pct), { stallMs }).raw(['clone', '--no-hardlinks', source, stagingRepo])
      const commits = await git(stagingRepo)
        .raw(['rev-list', '-n', '1', '--all'])
        .catch(() => '')
      if (!commits.trim()) throw new CoreError('invalid_params', `${source} has no commits yet: commit something first`)
      const head = (await git(stagingRepo).raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim() || 'main'
      // The default branch name comes from the remote; git commands later take it as a revision.
      if (!(await isSafeBranchName(stagingRepo, head))) {
        throw new CoreError('invalid_params', `the default branch of ${source} is named ${JSON.stringify(head)}, which is not a safe branch name (git could read it as an option): rename it in the source and add the rig again`)
      }
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
      if (isStallTimeout(err)) {
        throw new CoreError(
          'failed',
          `cloning ${source} made no progress for ${Math.round(stallMs / 1000)} s, so it was abandoned: check the address and the network (or raise rigCloneStallSeconds in ${join(this.town, 'settings.json')})`
        )
      }
      throw new CoreError('failed', `could not clone ${source}: ${gitMessage(err)}`)
    }
  }

  /** The rig's settings as they apply (defaults for what the user did not set). */
  settings(name: string): RigSettings {
    return readRigSettings(this.row(name).settings).effective
  }

  /** Each setting with its value, whether the user set it, and what it is for (gt rig config RIG). */
  config(name: string): RigConfig {
    const { set, effective } = readRigSettings(this.row(name).settings)
    return {
      rig: name,
      settings: (Object.keys(RIG_SETTING_KEYS) as RigSettingKey[]).map((key) => ({ key, value: effective[key], isSet: key in set, default: RIG_SETTING_KEYS[key].default, help: RIG_SETTING_KEYS[key].help }))
    }
  }

  /** Sets one setting from what the user typed, or back to its default (`text` null); in the ledger. */
  configure(name: string, key: string, text: string | null, actor: string): RigConfig {
    inTransaction(this.db, () => {
      const { set } = readRigSettings(this.row(name).settings)
      const next: Record<string, unknown> = { ...set }
      if (text === null) {
        if (!(key in RIG_SETTING_KEYS)) parseRigSetting(name, key, '')
        delete next[key]
      } else next[key] = parseRigSetting(name, key, text)
      this.db.prepare('UPDATE rigs SET settings = ? WHERE name = ?').run(JSON.stringify(next), name)
      this.ledger.append(actor, 'rig.configured', name, { key, value: text === null ? null : next[key] })
    })
    return this.config(name)
  }

  private row(name: string): RigRow {
    const row = this.db.prepare('SELECT * FROM rigs WHERE name = ?').get(name) as RigRow | undefined
    if (!row) throw new CoreError('not_found', `no rig named ${name}`)
    return row
  }

  /**
   * Gets the rig's clone back after its folder was lost: cloned again from the source into a staging folder
   * beside it, renamed into place when whole; if it is there, fetched. Throws with git's reason.
   */
  async restoreClone(name: string): Promise<'cloned' | 'fetched'> {
    const rig = this.get(name)
    if (existsSync(join(rig.path, 'HEAD')) || existsSync(join(rig.path, '.git'))) {
      await git(rig.path, undefined, { stallMs: this.cloneStallMs() }).fetch('origin')
      return 'fetched'
    }
    const dir = rigDir(this.town, name)
    await mkdir(join(dir, 'polecats'), { recursive: true })
    const staging = join(dir, `${STAGING_PREFIX}repo-${randomBytes(4).toString('hex')}`)
    try {
      await git(dir, undefined, { stallMs: this.cloneStallMs() }).raw(['clone', '--no-hardlinks', rig.source, staging])
      await rm(rig.path, { recursive: true, force: true })
      await rename(staging, rig.path)
    } catch (err) {
      await rm(staging, { recursive: true, force: true })
      throw new CoreError('failed', isStallTimeout(err) ? `cloning ${rig.source} made no progress for ${Math.round(this.cloneStallMs() / 1000)} s` : `could not clone ${rig.source}: ${gitMessage(err)}`)
    }
    this.ledger.append('core', 'rig.recloned', name, { source: rig.source })
    return 'cloned'
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
