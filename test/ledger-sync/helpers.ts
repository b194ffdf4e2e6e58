// Shared by the ledger-sync tests: fresh ledgers, bare remotes, reading a remote's ledger branch with git.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../src/main/core/store/db'
import { Ledger } from '../../src/main/core/ledger/ledger'
import { Beads } from '../../src/main/core/beads/beads'
import { ROOT, makeRepo, removeDir, sh, tempDir } from '../support/fixtures'

/** The reference samples, read in place: CI has ../shared beside the checkout. */
export const REFERENCE = join(ROOT, '..', 'shared', 'reference')
export const referenceFile = (name: string) => ({ name: join(REFERENCE, name), text: readFileSync(join(REFERENCE, name), 'utf8') })
export const referenceJsonl = () => readdirSync(REFERENCE).filter((f) => f.endsWith('.jsonl')).sort().map(referenceFile)

export interface FreshLedger {
  dir: string
  db: Db
  ledger: Ledger
  beads: Beads
  close(): void
}

export function freshLedger(prefix = 'gt'): FreshLedger {
  const dir = tempDir('ledger-sync')
  const db = openDatabase(join(dir, 'town.db'))
  const ledger = new Ledger(db)
  return {
    dir,
    db,
    ledger,
    beads: new Beads(db, ledger, prefix),
    close: () => {
      if (db.open) db.close()
      removeDir(dir)
    }
  }
}

export const base = { description: '', priority: 2, type: 'task' as const, labels: [] as string[], deps: [] as { type: 'blocks' | 'parent-child' | 'related' | 'discovered-from' | 'tracks'; target: string }[] }

/** A bare repository with one commit on main: what a rig's origin on a server looks like. */
export function bareRemote(): string {
  const work = makeRepo()
  const bare = join(tempDir('remote'), 'origin.git')
  sh(work, 'git', ['clone', '-q', '--bare', work, bare])
  removeDir(work)
  return bare
}

export const git = (dir: string, ...args: string[]): string => sh(dir, 'git', args).trim()

/** The remote's tip of gt/ledger, or null. */
export function ledgerTip(remote: string, branch = 'gt/ledger'): string | null {
  const out = execFileSync('git', ['ls-remote', remote, `refs/heads/${branch}`], { encoding: 'utf8' }).trim()
  return out ? out.split('\t')[0] : null
}

/** A file of the remote's gt/ledger as it is at its tip. */
export const ledgerFile = (remote: string, name: string, branch = 'gt/ledger'): string => execFileSync('git', ['--git-dir', remote, 'show', `refs/heads/${branch}:${name}`], { encoding: 'utf8' })

export const jsonl = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))

/** Another writer of the branch (another town): a clone where it edits the ledger's files and pushes normally. */
export function commitToLedger(remote: string, edit: (dir: string) => void, message = 'another town', branch = 'gt/ledger'): string {
  const dir = tempDir('other-town')
  sh(dir, 'git', ['clone', '-q', '--branch', branch, remote, 'w'])
  const w = join(dir, 'w')
  edit(w)
  sh(w, 'git', ['add', '-A'])
  sh(w, 'git', ['commit', '-q', '-m', message])
  sh(w, 'git', ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`])
  const sha = git(w, 'rev-parse', 'HEAD')
  removeDir(dir)
  return sha
}
