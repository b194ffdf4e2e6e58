// Repositories for the refinery's tests: an origin (bare, or the user's own working copy), a clone to make
// branches in as a user would, and the check commands — real `sh` commands whose verdict is read from the tree
// (a file BUILD_BROKEN breaks the build, a file TESTS_FAIL fails the tests), so any commit can be re-checked.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeRepo, sh, tempDir } from './fixtures'

export const BUILD = 'test ! -e BUILD_BROKEN || { echo "error: BUILD_BROKEN is in the tree" >&2; exit 2; }'
export const TESTS = 'test ! -e TESTS_FAIL || { echo "FAIL: 1 test failed (TESTS_FAIL)"; exit 1; }'

export type Culprit = 'build' | 'tests' | 'conflict'

export interface Origin {
  /** The rig's source: a bare repository, or a working copy. */
  source: string
  /** A clone to make and push branches from. */
  work: string
}

export function bareOrigin(): Origin {
  const seed = makeRepo()
  writeFileSync(join(seed, 'shared.txt'), 'line one\nline two\n')
  sh(seed, 'git', ['add', '-A'])
  sh(seed, 'git', ['commit', '-q', '-m', 'shared file'])
  const source = join(tempDir('origin'), 'origin.git')
  sh(seed, 'git', ['clone', '-q', '--bare', seed, source])
  const work = join(tempDir('work'), 'work')
  sh(seed, 'git', ['clone', '-q', source, work])
  sh(work, 'git', ['config', 'user.name', 'User'])
  sh(work, 'git', ['config', 'user.email', 'user@example.com'])
  return { source, work }
}

/** The user's own repository, main checked out, as the origin; `work` is a second clone of it. */
export function workingCopyOrigin(): Origin {
  const source = makeRepo()
  writeFileSync(join(source, 'shared.txt'), 'line one\nline two\n')
  sh(source, 'git', ['add', '-A'])
  sh(source, 'git', ['commit', '-q', '-m', 'shared file'])
  const work = join(tempDir('work'), 'work')
  sh(source, 'git', ['clone', '-q', source, work])
  sh(work, 'git', ['config', 'user.name', 'User'])
  sh(work, 'git', ['config', 'user.email', 'user@example.com'])
  return { source, work }
}

/** A branch off origin's main with one file of its own, broken the way `culprit` says; pushed. */
export function pushBranch(o: Origin, name: string, culprit?: Culprit): void {
  sh(o.work, 'git', ['fetch', '-q', 'origin'])
  sh(o.work, 'git', ['checkout', '-q', '-B', name, 'origin/main'])
  writeFileSync(join(o.work, `${name.replace(/\//g, '_')}.txt`), `work of ${name}\n`)
  if (culprit === 'build') writeFileSync(join(o.work, 'BUILD_BROKEN'), 'x\n')
  if (culprit === 'tests') writeFileSync(join(o.work, 'TESTS_FAIL'), 'x\n')
  if (culprit === 'conflict') writeFileSync(join(o.work, 'shared.txt'), `line one changed by ${name}\nline two\n`)
  sh(o.work, 'git', ['add', '-A'])
  sh(o.work, 'git', ['commit', '-q', '-m', `Work of ${name}`])
  if (culprit === 'conflict') writeFileSync(join(o.work, `${name.replace(/\//g, '_')}.second.txt`), 'more\n')
  if (culprit === 'conflict') {
    sh(o.work, 'git', ['add', '-A'])
    sh(o.work, 'git', ['commit', '-q', '-m', `More work of ${name}`])
  }
  sh(o.work, 'git', ['push', '-q', '-f', 'origin', `${name}:${name}`])
}

/** Someone else changes main's shared line (so conflict culprits conflict with the target), pushed. */
export function pushToMain(o: Origin, file = 'shared.txt', content = 'line one changed on main\nline two\n'): string {
  sh(o.work, 'git', ['fetch', '-q', 'origin'])
  sh(o.work, 'git', ['checkout', '-q', '-B', 'main', 'origin/main'])
  writeFileSync(join(o.work, file), content)
  sh(o.work, 'git', ['add', '-A'])
  sh(o.work, 'git', ['commit', '-q', '-m', `Change ${file} on main`])
  sh(o.work, 'git', ['push', '-q', 'origin', 'main'])
  return sh(o.work, 'git', ['rev-parse', 'HEAD']).trim()
}

export const originSha = (o: Origin, ref = 'main'): string => execFileSync('git', ['-C', o.source, 'rev-parse', ref], { encoding: 'utf8' }).trim()

/** The files in a commit of origin. */
export const filesAt = (o: Origin, ref = 'main'): string[] =>
  execFileSync('git', ['-C', o.source, 'ls-tree', '-r', '--name-only', ref], { encoding: 'utf8' }).split('\n').filter(Boolean)

/** Commits on main's first-parent history since `from`. */
export const firstParents = (o: Origin, from: string, to = 'main'): string[] =>
  execFileSync('git', ['-C', o.source, 'rev-list', '--first-parent', `${from}..${to}`], { encoding: 'utf8' }).split('\n').filter(Boolean)

/** Runs the check commands on a commit of origin, checked out on its own: true if both pass. */
export function checksPassAt(o: Origin, sha: string): boolean {
  const dir = join(tempDir('recheck'), 'tree')
  execFileSync('git', ['-C', o.source, 'worktree', 'add', '-q', '--detach', dir, sha])
  try {
    for (const cmd of [BUILD, TESTS]) {
      try {
        execFileSync('sh', ['-c', cmd], { cwd: dir, stdio: 'ignore' })
      } catch {
        return false
      }
    }
    return existsSync(dir)
  } finally {
    execFileSync('git', ['-C', o.source, 'worktree', 'remove', '--force', dir])
  }
}
