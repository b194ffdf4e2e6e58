// A repository's worktrees as git lists them (`git worktree list --porcelain -z`: paths with any character),
// for the refinery's scratch (is it registered, detached, prunable?) and for a working-copy origin (is the
// target checked out somewhere?).
import { existsSync, realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { gitOk, runGit } from './git-exec'

export interface WorktreeEntry {
  path: string
  head: string | null
  /** refs/heads/… when a branch is checked out; null when detached (or bare). */
  branch: string | null
  bare: boolean
  detached: boolean
  locked: boolean
  prunable: boolean
}

export async function listWorktrees(repo: string): Promise<WorktreeEntry[]> {
  // -z came with git 2.36 (Ubuntu 22.04 has 2.34): older gits give the same fields one per line.
  const z = await runGit(repo, ['worktree', 'list', '--porcelain', '-z'])
  const fields = z.code === 0 ? z.stdout.split('\0') : (await gitOk(repo, ['worktree', 'list', '--porcelain'])).split('\n')
  const entries: WorktreeEntry[] = []
  let cur: WorktreeEntry | null = null
  for (const field of fields) {
    if (field === '') {
      if (cur) entries.push(cur)
      cur = null
      continue
    }
    const sp = field.indexOf(' ')
    const key = sp < 0 ? field : field.slice(0, sp)
    const value = sp < 0 ? '' : field.slice(sp + 1)
    if (key === 'worktree') {
      if (cur) entries.push(cur)
      cur = { path: value, head: null, branch: null, bare: false, detached: false, locked: false, prunable: false }
    } else if (cur) {
      if (key === 'HEAD') cur.head = value
      else if (key === 'branch') cur.branch = value
      else if (key === 'bare') cur.bare = true
      else if (key === 'detached') cur.detached = true
      else if (key === 'locked') cur.locked = true
      else if (key === 'prunable') cur.prunable = true
    }
  }
  if (cur) entries.push(cur)
  return entries
}

/** Both spellings of a folder: as given (made absolute) and with symlinks resolved, when it exists. */
export function pathForms(p: string): string[] {
  const abs = resolve(p)
  const forms = [abs]
  if (existsSync(abs)) {
    try {
      forms.push(realpathSync(abs))
    } catch {
      // unreadable: compare as given
    }
  }
  return forms
}

export function samePath(a: string, b: string): boolean {
  const fa = pathForms(a)
  return pathForms(b).some((f) => fa.includes(f))
}
