// The diff of a polecat's branch or a merge request's branch against where it left the rig's target branch
// (the merge-base with origin/<default branch> in the rig's clone): the files changed with their line counts,
// one file's unified patch at a time, and — for a polecat — what its worktree holds that is not committed yet,
// as a section of its own. Everything runs in the rig's clone or the polecat's worktree, read-only: no fetch,
// no index or worktree change, no object written.
import { createReadStream, existsSync } from 'node:fs'
import { lstat, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { CoreError } from '../../../shared/contract'
import { DIFF_LIMITS, type BranchDiff, type DiffFileEntry, type DiffSection, type DiffSectionName, type DiffTarget, type FilePatch } from '../../../shared/domain'
import type { Beads } from '../beads/beads'
import type { Polecats } from '../polecats/polecats'
import type { Rigs } from '../rigs/rigs'
import { git, gitMessage, refExists } from '../git/git'

export interface BranchDiffDeps {
  rigs: Pick<Rigs, 'get'>
  polecats: Pick<Polecats, 'find' | 'list'>
  beads: Pick<Beads, 'find'>
  /** A merged request's landing (merge-queue.ts landedAs): the target before it, and the head that went in. */
  landedAs: (mergeRequestId: string) => { expectedSha: string; newSha: string; headSha: string } | null
}

/** Exactly one of them (the contract checks that). */
export interface TargetParams {
  polecat?: string
  mergeRequest?: string
}

/** A target found in the ledger and in git: which refs and commits its diff compares. */
export interface ResolvedTarget {
  target: DiffTarget
  /** The rig's clone, where the branch and the target branch are refs. */
  repo: string
  /** A polecat's worktree, for its uncommitted changes; null for a merge request. */
  worktree: string | null
  base: { ref: string; sha: string }
  head: { ref: string; sha: string }
}

/** One changed file as git's raw output names it, with its blobs (for sizes and contents). */
interface RawEntry extends DiffFileEntry {
  oldBlob: string | null
  newBlob: string | null
  /** Not in git at all yet (uncommitted section): compared with nothing. */
  untracked?: boolean
}

// A user's or repository's git config must not change what these commands print: no colour, no external
// diff or textconv driver, the standard a/ b/ prefixes (the view's parser expects them), whole-tree paths.
const PLAIN = ['--no-color', '--no-ext-diff', '--no-textconv', '--no-relative', '--src-prefix=a/', '--dst-prefix=b/']
const literal = (path: string): string => `:(literal)${path}`
const ZERO = /^0+$/

const MR_BRANCH = 'branch:'

export class BranchDiffs {
  // A committed section never changes for the same two commits: opening file after file of a large diff
  // re-reads the listing from here instead of running git again.
  private listings = new Map<string, RawEntry[] & { truncated?: boolean }>()

  constructor(private d: BranchDiffDeps) {}

  /**
   * Which branch of which rig a target is, from the ledger alone (no git): enough to list its comments. For
   * a merge request, the polecat on that branch, if one still is.
   */
  locate(p: TargetParams): { target: DiffTarget; worktree: string | null } {
    if (p.polecat) {
      const pc = this.d.polecats.find(p.polecat)
      if (!pc) throw new CoreError('not_found', `no polecat ${p.polecat}: gt polecat list shows the town's polecats`)
      if (!pc.branch) throw new CoreError('conflict', `${pc.id} has no branch (nothing was ever hooked to it): there is no diff to show`)
      return { target: { kind: 'polecat', id: pc.id, rig: pc.rig, branch: pc.branch, polecatId: pc.id }, worktree: pc.worktree }
    }
    const id = p.mergeRequest!
    const bead = this.d.beads.find(id)
    if (!bead) throw new CoreError('not_found', `no bead ${id}: gt bead list --type merge-request shows the merge requests`)
    if (bead.type !== 'merge-request') throw new CoreError('conflict', `${id} is a ${bead.type}, not a merge request: give a merge-request bead (gt done opens one), or RIG/NAME for a polecat's branch`)
    const branch = bead.labels.find((l) => l.startsWith(MR_BRANCH))?.slice(MR_BRANCH.length)
    if (!branch) throw new CoreError('conflict', `merge request ${id} names no branch (it has no "${MR_BRANCH}NAME" label)`)
    if (!bead.rig) throw new CoreError('conflict', `merge request ${id} belongs to no rig`)
    const polecat = this.d.polecats.list().find((pc) => pc.rig === bead.rig && pc.branch === branch)
    return { target: { kind: 'merge-request', id, rig: bead.rig, branch, polecatId: polecat?.id ?? null }, worktree: null }
  }

  /** The target's refs and commits: its head, and where it left the rig's target branch (the base). */
  async resolve(p: TargetParams): Promise<ResolvedTarget> {
    const { target, worktree } = this.locate(p)
    const rig = this.d.rigs.get(target.rig)
    // Merged, the branch's merge-base with the target is its own head (an empty diff): what landed is the
    // head that went in against where it left the target as it was before that landing.
    const landed = target.kind === 'merge-request' ? this.d.landedAs(target.id) : null
    if (landed) return this.resolveLanded(target, rig.path, landed)
    let headRef = `refs/heads/${target.branch}`
    // What the merge queue would merge is what was pushed; the clone's own branch is the fallback for a
    // branch that was never pushed (or whose remote-tracking ref is gone).
    if (target.kind === 'merge-request' && (await refExists(rig.path, `refs/remotes/origin/${target.branch}`))) headRef = `refs/remotes/origin/${target.branch}`
    const targetRef = (await refExists(rig.path, `refs/remotes/origin/${rig.defaultBranch}`)) ? `refs/remotes/origin/${rig.defaultBranch}` : `refs/heads/${rig.defaultBranch}`
    const repo = git(rig.path)
    const headSha = (await repo.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${headRef}^{commit}`]).catch(() => '')).trim()
    if (!headSha) throw new CoreError('not_found', `the branch ${target.branch} is ${target.kind === 'merge-request' ? 'neither on origin nor' : 'not'} in the rig's clone (${rig.path})`)
    const baseSha = (await repo.raw(['merge-base', '--end-of-options', targetRef, headSha]).catch(() => '')).trim()
    if (!baseSha) throw new CoreError('conflict', `${target.branch} shares no history with ${shortRef(targetRef)}: there is no base to diff against`)
    return { target, repo: rig.path, worktree, base: { ref: shortRef(targetRef), sha: baseSha }, head: { ref: shortRef(headRef), sha: headSha } }
  }

  private async resolveLanded(target: DiffTarget, repo: string, landed: { expectedSha: string; newSha: string; headSha: string }): Promise<ResolvedTarget> {
    const has = async (sha: string) => (await git(repo).raw(['cat-file', '-e', '--end-of-options', `${sha}^{commit}`]).then(() => true).catch(() => false))
    if (!(await has(landed.headSha)) || !(await has(landed.expectedSha))) {
      throw new CoreError('not_found', `${target.id} landed in ${landed.newSha.slice(0, 10)}, but the rig's clone (${repo}) no longer has the commits it was built from: run git fetch origin there`)
    }
    const baseSha = (await git(repo).raw(['merge-base', '--end-of-options', landed.expectedSha, landed.headSha]).catch(() => '')).trim()
    if (!baseSha) throw new CoreError('conflict', `${target.branch} shares no history with the target it landed on: there is no base to diff against`)
    return { target, repo, worktree: null, base: { ref: `target before landing ${landed.newSha.slice(0, 10)}`, sha: baseSha }, head: { ref: `${target.branch} as it landed`, sha: landed.headSha } }
  }

  async get(p: TargetParams): Promise<BranchDiff> {
    const r = await this.resolve(p)
    const committed = await this.committedEntries(r)
    // A polecat whose worktree is gone (its rig being recovered) still has its branch: no uncommitted section.
    const uncommitted = r.worktree && existsSync(join(r.worktree, '.git')) ? await this.uncommittedEntries(r.worktree) : null
    return { target: r.target, base: r.base, head: r.head, ...section(committed), uncommitted: uncommitted ? section(uncommitted) : null }
  }

  /** The listing's entry for `path` in a section, or a not_found naming what to do. */
  async entry(r: ResolvedTarget, sectionName: DiffSectionName, path: string): Promise<RawEntry> {
    if (sectionName === 'uncommitted' && !r.worktree) throw new CoreError('invalid_params', `section: a merge request has no uncommitted changes; use section "committed"`)
    if (sectionName === 'uncommitted' && !existsSync(join(r.worktree!, '.git'))) throw new CoreError('not_found', `the worktree of ${r.target.id} (${r.worktree}) is not there: it has no uncommitted changes to show`)
    const entries = sectionName === 'committed' ? await this.committedEntries(r) : await this.uncommittedEntries(r.worktree!)
    const found = entries.find((e) => e.path === path)
    if (!found) {
      throw new CoreError('not_found', `${JSON.stringify(path)} is not among the ${sectionName} changes of ${r.target.branch}${sectionName === 'committed' && r.worktree ? ' (uncommitted? give section "uncommitted")' : ''}: diff.get lists them`)
    }
    return found
  }

  async file(p: TargetParams & { path: string; section: DiffSectionName; context: number }): Promise<FilePatch> {
    const r = await this.resolve(p)
    const e = await this.entry(r, p.section, p.path)
    const base = p.section === 'committed' ? r.base.sha : await headOf(r.worktree!)
    const head = p.section === 'committed' ? r.head.sha : null
    const result: FilePatch = { path: e.path, oldPath: e.oldPath, section: p.section, binary: e.binary, patch: '', truncated: false, base, head }
    const largest = await this.largestSide(r, p.section, e)
    if (largest > DIFF_LIMITS.fileBytes) return { ...result, truncated: true }
    const paths = e.oldPath ? [literal(e.oldPath), literal(e.path)] : [literal(e.path)]
    const U = `-U${p.context}`
    let patch: string
    if (p.section === 'committed') {
      patch = await git(r.repo).raw(['diff', ...PLAIN, '-M', U, '--end-of-options', r.base.sha, r.head.sha, '--', ...paths])
    } else if (e.untracked) {
      // Untracked: compared with nothing (git diff --no-index exits 1 when files differ, quietly).
      patch = await git(r.worktree!).raw(['diff', '--no-index', ...PLAIN, U, '--', '/dev/null', e.path])
    } else {
      patch = await git(r.worktree!).raw(['diff', ...PLAIN, '-M', U, 'HEAD', '--', ...paths])
    }
    const capped = capBytes(patch, DIFF_LIMITS.patchBytes)
    return { ...result, patch: capped.text, truncated: capped.truncated }
  }

  /**
   * Lines `from`..`to` (1-based, clipped to the file) of one side of a changed file, and how many lines that
   * side has: the quote around a review comment, and the check that its line exists.
   */
  async sideLines(r: ResolvedTarget, sectionName: DiffSectionName, e: RawEntry, side: 'old' | 'new', from: number, to: number): Promise<{ lines: string[]; total: number }> {
    if (e.binary) throw new CoreError('invalid_params', `${e.path} is a binary file: it has no lines to comment on`)
    if ((side === 'new' && e.status === 'deleted') || (side === 'old' && e.status === 'added')) {
      throw new CoreError('invalid_params', `side: ${e.path} was ${e.status}, so it has no ${side} side; comment on the ${side === 'new' ? 'old' : 'new'} side`)
    }
    let text: string
    if (sectionName === 'uncommitted' && side === 'new') text = await readWorktreeText(r.worktree!, e.path)
    else {
      const commit = sectionName === 'committed' ? (side === 'new' ? r.head.sha : r.base.sha) : 'HEAD'
      const path = side === 'old' ? (e.oldPath ?? e.path) : e.path
      const dir = sectionName === 'committed' ? r.repo : r.worktree!
      text = await git(dir).raw(['cat-file', 'blob', `${commit}:${path}`])
    }
    const lines = text.split('\n')
    if (lines.length && lines[lines.length - 1] === '') lines.pop()
    const start = Math.max(1, from)
    const end = Math.min(lines.length, to)
    return { lines: start <= end ? lines.slice(start - 1, end) : [], total: lines.length }
  }

  private async largestSide(r: ResolvedTarget, sectionName: DiffSectionName, e: RawEntry): Promise<number> {
    const sizes: number[] = []
    const dir = sectionName === 'committed' ? r.repo : r.worktree!
    for (const blob of [e.oldBlob, e.newBlob]) {
      if (blob && !ZERO.test(blob)) sizes.push(Number((await git(dir).raw(['cat-file', '-s', blob]).catch(() => '0')).trim()) || 0)
    }
    // The worktree's side of an uncommitted change has no blob yet: its size on disk.
    if (sectionName === 'uncommitted' && e.status !== 'deleted') sizes.push((await lstat(join(r.worktree!, e.path)).catch(() => null))?.size ?? 0)
    return Math.max(0, ...sizes)
  }

  private async committedEntries(r: ResolvedTarget): Promise<RawEntry[] & { truncated?: boolean }> {
    const key = `${r.repo}\0${r.base.sha}\0${r.head.sha}`
    const cached = this.listings.get(key)
    if (cached) return cached
    const out = await git(r.repo)
      .raw(['diff', ...PLAIN, '--raw', '--numstat', '-z', '-M', '--no-abbrev', '--end-of-options', r.base.sha, r.head.sha])
      .catch((err: unknown) => {
        throw new CoreError('failed', `could not diff ${r.target.branch} against ${r.base.ref}: ${gitMessage(err)}`)
      })
    const entries = parseRawNumstat(out)
    this.listings.set(key, entries)
    if (this.listings.size > 32) this.listings.delete(this.listings.keys().next().value!)
    return entries
  }

  /** What a worktree holds against its HEAD: tracked changes (staged or not), then untracked files. */
  private async uncommittedEntries(worktree: string): Promise<RawEntry[] & { truncated?: boolean }> {
    const wt = git(worktree)
    const tracked = parseRawNumstat(
      await wt.raw(['diff', ...PLAIN, '--raw', '--numstat', '-z', '-M', '--no-abbrev', 'HEAD']).catch((err: unknown) => {
        throw new CoreError('failed', `could not read the uncommitted changes of ${worktree}: ${gitMessage(err)}`)
      })
    )
    const untracked = (await wt.raw(['ls-files', '--others', '--exclude-standard', '-z'])).split('\0').filter(Boolean)
    const entries: RawEntry[] & { truncated?: boolean } = [...tracked]
    for (const path of untracked) {
      if (entries.length >= DIFF_LIMITS.files) {
        entries.truncated = true
        break
      }
      const counted = await countUntracked(join(worktree, path))
      if (counted) entries.push({ path, oldPath: null, status: 'added', ...counted, oldBlob: null, newBlob: null, untracked: true })
    }
    return entries
  }
}

const shortRef = (ref: string): string => ref.replace(/^refs\/(heads|remotes)\//, '')

async function headOf(worktree: string): Promise<string> {
  return (await git(worktree).raw(['rev-parse', '--verify', 'HEAD^{commit}'])).trim()
}

function section(entries: RawEntry[] & { truncated?: boolean }): DiffSection {
  const files: DiffFileEntry[] = entries.slice(0, DIFF_LIMITS.files).map(({ oldBlob: _o, newBlob: _n, untracked: _u, ...e }) => e)
  return {
    files,
    totals: { files: files.length, additions: files.reduce((n, f) => n + f.additions, 0), deletions: files.reduce((n, f) => n + f.deletions, 0) },
    truncated: entries.truncated === true || entries.length > DIFF_LIMITS.files
  }
}

const RAW_META = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])(\d*)$/
const NUMSTAT = /^(\d+|-)\t(\d+|-)\t([\s\S]*)$/

/**
 * `git diff --raw --numstat -z`: first one raw record per file (`:modes blobs STATUS\0path\0[path2\0]`), then
 * one numstat record per file in the same order (`added\tdeleted\tpath\0`, or for a rename
 * `added\tdeleted\t\0old\0new\0`). Paths are read by position, so no file name can pass for a record.
 */
export function parseRawNumstat(out: string): RawEntry[] & { truncated?: boolean } {
  const t = out.split('\0')
  let i = 0
  const raw: { status: string; oldBlob: string; newBlob: string; path: string; oldPath: string | null }[] = []
  while (i < t.length) {
    const m = RAW_META.exec(t[i])
    if (!m) break
    const status = m[5]
    const twoPaths = status === 'R' || status === 'C'
    const first = t[i + 1]
    const second = twoPaths ? t[i + 2] : undefined
    raw.push({ status, oldBlob: m[3], newBlob: m[4], path: twoPaths ? second! : first, oldPath: twoPaths ? first : null })
    i += twoPaths ? 3 : 2
  }
  const entries: RawEntry[] = []
  for (const r of raw) {
    const m = NUMSTAT.exec(t[i] ?? '')
    if (!m) throw new CoreError('failed', `git diff printed a numstat record that could not be read: ${JSON.stringify((t[i] ?? '').slice(0, 80))}`)
    i += m[3] === '' ? 3 : 1
    const binary = m[1] === '-'
    const kind = r.status === 'A' ? 'added' : r.status === 'D' ? 'deleted' : r.status === 'R' ? 'renamed' : r.status === 'C' ? 'added' : 'modified'
    entries.push({
      path: r.path,
      oldPath: r.oldPath,
      status: kind === 'modified' && binary ? 'binary' : kind,
      additions: binary ? 0 : Number(m[1]),
      deletions: binary ? 0 : Number(m[2]),
      binary,
      oldBlob: r.oldBlob,
      newBlob: r.newBlob
    })
  }
  return entries
}

/**
 * An untracked file's added lines, counted as git does: a link is one line (its target); a regular file
 * is binary when a NUL is in its first 8000 bytes (git's test), or larger than DIFF_LIMITS.fileBytes (git
 * treats big files as binary too); else its lines, the last one counted without a newline. Anything else
 * (a socket, a device) is not a file git would add: null.
 */
async function countUntracked(file: string): Promise<{ additions: number; deletions: number; binary: boolean } | null> {
  const st = await lstat(file).catch(() => null)
  if (!st) return null
  if (st.isSymbolicLink()) return { additions: 1, deletions: 0, binary: false }
  if (!st.isFile()) return null
  if (st.size > DIFF_LIMITS.fileBytes) return { additions: 0, deletions: 0, binary: true }
  let lines = 0
  let last = 0x0a
  let first = true
  let binary = false
  // Streamed: only whether a byte is a newline matters, and a file may be up to the limit above.
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    if (first && chunk.subarray(0, 8000).includes(0)) {
      binary = true
      break
    }
    first = false
    for (let k = chunk.indexOf(0x0a); k >= 0; k = chunk.indexOf(0x0a, k + 1)) lines++
    if (chunk.length) last = chunk[chunk.length - 1]
  }
  if (binary) return { additions: 0, deletions: 0, binary: true }
  return { additions: lines + (last === 0x0a ? 0 : 1), deletions: 0, binary: false }
}

/** The worktree's text of a file, for quoting: a link is its target, like git shows it. */
async function readWorktreeText(worktree: string, path: string): Promise<string> {
  const file = join(worktree, path)
  const st = await lstat(file).catch(() => null)
  if (!st) throw new CoreError('not_found', `${path} is no longer in the worktree`)
  if (st.isSymbolicLink()) return readlink(file)
  if (!st.isFile()) throw new CoreError('invalid_params', `${path} is not a regular file`)
  return readFile(file, 'utf8')
}

/** Cut at the last line end within `max` bytes, so the patch still parses line by line. */
export function capBytes(text: string, max: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= max) return { text, truncated: false }
  const buf = Buffer.from(text).subarray(0, max)
  const nl = buf.lastIndexOf(0x0a)
  return { text: buf.subarray(0, nl >= 0 ? nl + 1 : 0).toString('utf8'), truncated: true }
}
