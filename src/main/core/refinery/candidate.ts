// Builds a candidate: the target with a batch of merge requests applied in order, in the refinery's scratch
// worktree, never touching the target branch itself. The checks run once, on the candidate's tree, so the
// candidate adds exactly one commit to the target's first-parent history and that commit's tree is the one
// tested: then every commit on the target's first-parent history passed the checks.
//   merge:  each request merged in turn (conflicts found per request), then one commit with the final tree
//           and parents [target, head1, head2, …] (a plain --no-ff merge's shape for one request).
//   rebase: each request's commits replayed in turn onto a chain from the target; one commit gained is the
//           candidate itself (linear), more get one merge commit [target, chain tip] with the chain's tree.
//   squash: one commit per request (its title, the branch's subjects, a Merge-Request trailer); the same
//           one-or-a-merge rule.
// A request that conflicts is aborted cleanly, its files named, and the batch goes on without it.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { prepareScratch, removeScratch } from './scratch-worktree'
import { gitFailure, gitOk, runGit } from './git-exec'

export { removeScratch }

export type MergeStrategy = 'rebase' | 'merge' | 'squash'
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ['rebase', 'merge', 'squash']

export interface CandidateRequest {
  id: string
  branch: string
  /** What to apply, e.g. refs/remotes/origin/<branch>. */
  ref: string
  title: string
}

export interface AppliedRequest {
  id: string
  /** The branch sha that was applied. */
  headSha: string
  /** The target (with the requests before it) already held it: nothing changed. */
  empty: boolean
}

export interface BuildCandidateInput {
  /** rig.path: the town's clone. */
  repo: string
  /** The refinery's worktree folder (created or reused; never a polecat's). */
  scratch: string
  targetBranch: string
  /** The target's sha the candidate is built on (read by the caller after a fetch). */
  targetSha: string
  requests: CandidateRequest[]
  strategy: MergeStrategy
  /** Author and committer of the commits the refinery makes (no global git identity is needed). */
  identity: { name: string; email: string }
  /** The batch commit's message. */
  message?: (applied: AppliedRequest[]) => string
}

export interface CandidateConflict {
  id: string
  headSha: string
  files: string[]
  message: string
}

export interface CandidateResult {
  /** The candidate commit: what the checks run on and the target moves to (targetSha when nothing changed). */
  sha: string
  tree: string
  applied: AppliedRequest[]
  conflicts: CandidateConflict[]
  /** The branch ref does not exist. */
  missing: { id: string; message: string }[]
  /**
   * The chain after each request of the input, in order (whether it applied, was empty, conflicted or was
   * missing): what a shorter prefix of the same batch would have built, so it can be derived without
   * applying anything again (`deriveCandidate`).
   */
  steps: { tip: string; mergedHeads: string[] }[]
}

// The refinery's commits must not depend on the user's hooks, signing keys, recorded resolutions, rebase
// backend, ref-updating rebases (which would move other branches) or a gc started in the middle of a build.
const SETTINGS = [
  ['core.hooksPath', '/dev/null'],
  ['commit.gpgSign', 'false'],
  ['rerere.enabled', 'false'],
  ['rebase.updateRefs', 'false'],
  ['rebase.backend', 'merge'],
  ['merge.ff', 'true'],
  ['merge.log', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['advice.detachedHead', 'false']
].flatMap(([k, v]) => ['-c', `${k}=${v}`])

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function oneLine(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string`)
  const m = CONTROL.exec(value)
  if (m) throw new TypeError(`${what} has a control character (U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}) at position ${m.index}`)
  return value
}

function validate(i: BuildCandidateInput): void {
  if (!i || typeof i !== 'object') throw new TypeError('buildCandidate needs its input object')
  oneLine(i.repo, 'repo')
  oneLine(i.scratch, 'scratch')
  oneLine(i.targetBranch, 'targetBranch')
  if (i.targetBranch.startsWith('-')) throw new TypeError(`targetBranch ${i.targetBranch} starts with '-'`)
  if (typeof i.targetSha !== 'string' || !SHA.test(i.targetSha)) throw new TypeError(`targetSha must be a full lowercase commit sha, got ${String(i.targetSha)}`)
  if (!MERGE_STRATEGIES.includes(i.strategy)) throw new TypeError(`strategy must be one of ${MERGE_STRATEGIES.join(', ')}, got ${String(i.strategy)}`)
  oneLine(i.identity?.name, 'identity.name')
  oneLine(i.identity?.email, 'identity.email')
  if (/[<>]/.test(i.identity.name + i.identity.email)) throw new TypeError(`identity must not contain '<' or '>': ${i.identity.name} <${i.identity.email}>`)
  if (i.message !== undefined && typeof i.message !== 'function') throw new TypeError('message must be a function of the applied requests')
  if (!Array.isArray(i.requests)) throw new TypeError('requests must be an array')
  const ids = new Set<string>()
  i.requests.forEach((r, n) => {
    oneLine(r?.id, `requests[${n}].id`)
    if (ids.has(r.id)) throw new RangeError(`request ${r.id} is in the batch twice`)
    ids.add(r.id)
    oneLine(r.branch, `request ${r.id}: branch`)
    oneLine(r.ref, `request ${r.id}: ref`)
    if (r.ref.startsWith('-')) throw new TypeError(`request ${r.id}: ref ${r.ref} starts with '-'`)
    if (typeof r.title !== 'string' || CONTROL.test(r.title)) throw new TypeError(`request ${r.id}: title must be a one-line string`)
  })
}

/** Commit shas of the target and of each request's ref, in one git call (cat-file reads the names on stdin). */
async function resolveCommits(repo: string, names: string[]): Promise<(string | null)[]> {
  const out = await gitOk(repo, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: names.map((n) => `${n}^{commit}\n`).join('') })
  const lines = out.split('\n')
  return names.map((_, k) => {
    const m = /^([0-9a-f]{40,64}) commit$/.exec(lines[k] ?? '')
    return m ? m[1] : null
  })
}

const short = (sha: string) => sha.slice(0, 10)

type Applied = { kind: 'applied'; tip: string } | { kind: 'empty' } | { kind: 'conflict'; files: string[]; reason: string }

interface Build {
  dir: string
  /** The worktree's own git folder. */
  gitDir: string
  /** Author and committer. */
  env: Record<string, string>
  /** Committer only: replayed commits keep their authors. */
  committerEnv: Record<string, string>
}

/** The scratch worktree's HEAD: detached, so its HEAD file is the sha (one git process fewer per request). */
async function head(b: Build): Promise<string> {
  const text = (await readFile(join(b.gitDir, 'HEAD'), 'utf8')).trim()
  return SHA.test(text) ? text : (await gitOk(b.dir, ['rev-parse', 'HEAD'])).trim()
}

/**
 * The squashed branch's commit subjects, from the SQUASH_MSG `merge --squash` writes (git log's medium format:
 * a `commit` line, headers, a blank line, the message indented by four spaces); merges left out.
 */
async function squashedSubjects(b: Build): Promise<string[]> {
  const text = await readFile(join(b.gitDir, 'SQUASH_MSG'), 'utf8').catch(() => '')
  const subjects: string[] = []
  for (const block of text.split(/^commit [0-9a-f]+.*$/m).slice(1)) {
    const [headers, ...message] = block.split(/\n\n/)
    if (/^Merge:/m.test(headers)) continue
    const first = message.join('\n\n').split('\n').find((l) => l.startsWith('    ') && l.trim())
    if (first) subjects.push(first.trim())
  }
  return subjects.reverse() // git lists the newest first
}

async function unmergedFiles(dir: string): Promise<string[]> {
  const out = await gitOk(dir, ['diff', '--name-only', '-z', '--diff-filter=U'])
  return [...new Set(out.split('\0').filter(Boolean))]
}

/** After a stopped application: back to `tip`, with nothing the attempt left behind. */
async function restore(dir: string, tip: string): Promise<void> {
  await gitOk(dir, ['checkout', '-q', '-f', '--detach', tip])
  await gitOk(dir, ['clean', '-ffdq'])
}

/** A stopped application is a conflict when git says so; anything else is a failure of the build itself. */
function looksLikeConflict(r: { stdout: string; stderr: string }, files: string[]): boolean {
  return files.length > 0 || /CONFLICT|could not apply|Automatic merge failed/.test(r.stdout + r.stderr)
}

async function applyMerge(b: Build, req: CandidateRequest, sha: string, tip: string): Promise<Applied> {
  const r = await runGit(b.dir, [...SETTINGS, 'merge', '-q', '--no-ff', '--no-edit', '--no-verify', '--no-stat', '--no-autostash', '-m', `Merge ${req.id}`, sha], { env: b.env })
  if (r.code === 0) {
    // "Already up to date": the head is in the chain already, no commit made.
    const now = await head(b)
    return now === tip ? { kind: 'empty' } : { kind: 'applied', tip: now }
  }
  const files = await unmergedFiles(b.dir)
  if (!looksLikeConflict(r, files)) throw new Error(`merging ${req.branch} (${short(sha)}) failed in ${b.dir}: ${gitFailure(r)}`)
  await runGit(b.dir, ['merge', '--abort'])
  await restore(b.dir, tip)
  return { kind: 'conflict', files, reason: gitFailure(r) }
}

async function applyRebase(b: Build, req: CandidateRequest, sha: string, tip: string): Promise<Applied> {
  const r = await runGit(b.dir, [...SETTINGS, 'rebase', '-q', '--merge', '--no-autosquash', '--no-autostash', '--no-verify', '--empty=drop', tip, sha], {
    env: b.committerEnv
  })
  if (r.code === 0) {
    // Every commit already in the chain (an ancestor, or the same patches): rebase leaves HEAD where it was.
    const now = await head(b)
    return now === tip ? { kind: 'empty' } : { kind: 'applied', tip: now }
  }
  const files = await unmergedFiles(b.dir)
  if (!looksLikeConflict(r, files)) {
    await runGit(b.dir, ['rebase', '--abort'])
    throw new Error(`rebasing ${req.branch} (${short(sha)}) failed in ${b.dir}: ${gitFailure(r)}`)
  }
  await runGit(b.dir, ['rebase', '--abort'])
  await restore(b.dir, tip)
  return { kind: 'conflict', files, reason: gitFailure(r) }
}

async function applySquash(b: Build, req: CandidateRequest, sha: string, tip: string): Promise<Applied> {
  const r = await runGit(b.dir, [...SETTINGS, 'merge', '-q', '--squash', '--no-stat', '--no-autostash', sha], { env: b.env })
  if (r.code !== 0) {
    const files = await unmergedFiles(b.dir)
    if (!looksLikeConflict(r, files)) throw new Error(`squashing ${req.branch} (${short(sha)}) failed in ${b.dir}: ${gitFailure(r)}`)
    await restore(b.dir, tip)
    return { kind: 'conflict', files, reason: gitFailure(r) }
  }
  const subjects = await squashedSubjects(b)
  const message = `${req.title.trim() || req.branch}\n\n${subjects.map((s) => `* ${s}`).join('\n')}${subjects.length ? '\n\n' : ''}Merge-Request: ${req.id}\n`
  const c = await runGit(b.dir, [...SETTINGS, 'commit', '-q', '--no-verify', '--cleanup=verbatim', '-F', '-'], { env: b.env, input: message })
  // The chain already holds every change of the branch (its patches landed under other commits).
  if (c.code !== 0 && /nothing to commit|nothing added to commit/.test(c.stdout + c.stderr)) return { kind: 'empty' }
  if (c.code !== 0) throw new Error(`committing the squash of ${req.branch} (${short(sha)}) failed in ${b.dir}: ${gitFailure(c)}`)
  return { kind: 'applied', tip: await head(b) }
}

const APPLY = { merge: applyMerge, rebase: applyRebase, squash: applySquash }

function defaultMessage(targetBranch: string, requests: CandidateRequest[], applied: AppliedRequest[]): string {
  const byId = new Map(requests.map((r) => [r.id, r]))
  const landed = applied.filter((a) => !a.empty).map((a) => byId.get(a.id) as CandidateRequest)
  const trailers = landed.map((r) => `Merge-Request: ${r.id}`).join('\n')
  if (landed.length === 1) {
    const r = landed[0]
    return `Merge ${r.branch} into ${targetBranch}\n\n${r.title.trim() ? `${r.title.trim()}\n\n` : ''}${trailers}\n`
  }
  return `Merge ${landed.length} requests into ${targetBranch}\n\n${landed.map((r) => `* ${r.title.trim() || r.branch} (${r.branch})`).join('\n')}\n\n${trailers}\n`
}

/** One commit with the tested tree on top of the target: the commit the target moves to. */
async function commitOnTarget(b: Build, tree: string, parents: string[], message: string): Promise<string> {
  const args = [...SETTINGS, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p])]
  return (await gitOk(b.dir, args, { env: b.env, input: message })).trim()
}

export async function buildCandidate(i: BuildCandidateInput): Promise<CandidateResult> {
  validate(i)
  const [target, ...heads] = await resolveCommits(i.repo, [i.targetSha, ...i.requests.map((r) => r.ref)])
  if (target !== i.targetSha) throw new Error(`target ${i.targetBranch} at ${i.targetSha} is not a commit in ${i.repo}: fetch it first`)
  const gitDir = await prepareScratch(i.repo, i.scratch, i.targetSha)

  const { name, email } = i.identity
  const committerEnv = { GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email }
  const b: Build = { dir: i.scratch, gitDir, env: { ...committerEnv, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email }, committerEnv }
  const result: CandidateResult = { sha: i.targetSha, tree: '', applied: [], conflicts: [], missing: [], steps: [] }
  const mergedHeads: string[] = []
  let tip = i.targetSha

  for (const [k, req] of i.requests.entries()) {
    const sha = heads[k]
    if (!sha) {
      result.missing.push({ id: req.id, message: `${req.ref} does not exist in ${i.repo}: the branch ${req.branch} was deleted or never pushed` })
      result.steps.push({ tip, mergedHeads: [...mergedHeads] })
      continue
    }
    const out = await APPLY[i.strategy](b, req, sha, tip)
    if (out.kind === 'conflict') {
      const before = result.applied.filter((a) => !a.empty).length
      const onto = `${i.targetBranch} ${short(i.targetSha)}${before ? ` with the ${before} request${before > 1 ? 's' : ''} before it` : ''}`
      const what = out.files.length ? `conflicts in ${out.files.join(', ')}` : out.reason
      result.conflicts.push({ id: req.id, headSha: sha, files: out.files, message: `${req.branch} (${short(sha)}) does not apply on ${onto}: ${what}` })
      result.steps.push({ tip, mergedHeads: [...mergedHeads] })
      continue
    }
    result.applied.push({ id: req.id, headSha: sha, empty: out.kind === 'empty' })
    if (out.kind === 'applied') {
      tip = out.tip
      mergedHeads.push(sha)
    }
    result.steps.push({ tip, mergedHeads: [...mergedHeads] })
  }

  const finished = await finishCandidate(i, b, result.applied, tip, mergedHeads)
  if (finished.sha !== tip) await gitOk(b.dir, ['checkout', '-q', '-f', '--detach', finished.sha])
  result.sha = finished.sha
  result.tree = finished.tree
  return result
}

/**
 * The one commit a batch adds to the target, from its chain: the chain's tip itself when it gained one
 * commit (rebase, squash), else a commit with the chain's tree on the target (merge: with every merged head
 * as a parent). Objects only: the worktree is not touched.
 */
async function finishCandidate(i: BuildCandidateInput, b: Build, applied: AppliedRequest[], tip: string, mergedHeads: string[]): Promise<{ sha: string; tree: string }> {
  const message = () => {
    const text = i.message ? i.message(applied) : defaultMessage(i.targetBranch, i.requests, applied)
    if (typeof text !== 'string' || !text.trim()) throw new TypeError('the message function must return a non-empty commit message')
    return text.endsWith('\n') ? text : `${text}\n`
  }
  // The chain's tree, and whether it gained one commit or more, in one call.
  const listing = (await gitOk(b.dir, ['rev-list', '--first-parent', '-n', '2', '--format=%T', `${i.targetSha}..${tip}`])).split('\n')
  const gained = listing.filter((l) => l.startsWith('commit ')).length
  const tree = gained ? listing[1].trim() : (await gitOk(b.dir, ['rev-parse', `${tip}^{tree}`])).trim()
  if (!gained) return { sha: i.targetSha, tree }
  if (i.strategy === 'merge') return { sha: await commitOnTarget(b, tree, [i.targetSha, ...mergedHeads], message()), tree }
  return { sha: gained === 1 ? tip : await commitOnTarget(b, tree, [i.targetSha, tip], message()), tree }
}

/**
 * The candidate of the first `i.requests.length` requests of a batch already built in `from` (same target,
 * same strategy, the same requests in the same order): the chain after those requests is what building them
 * alone would give, so nothing is applied again — one commit at most is made and `i.scratch` is set to it.
 * This is what lets the refinery test many prefixes of one batch side by side for the price of one build.
 */
export async function deriveCandidate(i: BuildCandidateInput, from: CandidateResult): Promise<CandidateResult> {
  validate(i)
  const k = i.requests.length
  if (k < 1 || k > from.steps.length) throw new RangeError(`deriveCandidate: a prefix of 1..${from.steps.length} requests, got ${k}`)
  const ids = new Set(i.requests.map((r) => r.id))
  const conflicts = from.conflicts.filter((c) => ids.has(c.id))
  const missing = from.missing.filter((m) => ids.has(m.id))
  const applied = from.applied.filter((a) => ids.has(a.id))
  if (applied.length + conflicts.length + missing.length !== k) throw new RangeError('deriveCandidate: the requests are not a prefix of the batch that was built')
  const { tip, mergedHeads } = from.steps[k - 1]
  const { name, email } = i.identity
  const committerEnv = { GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email }
  const b: Build = { dir: i.repo, gitDir: '', env: { ...committerEnv, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email }, committerEnv }
  const finished = await finishCandidate(i, b, applied, tip, mergedHeads)
  await prepareScratch(i.repo, i.scratch, finished.sha)
  return { sha: finished.sha, tree: finished.tree, applied, conflicts, missing, steps: from.steps.slice(0, k) }
}
