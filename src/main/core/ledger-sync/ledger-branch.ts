// Writing one ledger branch on one remote: a new commit whose parent is the remote's tip, pushed as a
// fast-forward. If the remote's branch moved since (another town, a restored one, another run), the new
// commit is built on its new tip and keeps what that tip holds that this town does not (mergeSnapshots):
// nothing on the branch is rewritten or dropped. A branch whose tip holds a bad record is not written over.
import { LedgerFormatError } from './jsonl'
import { blobSha, commitTree, fetchBranch, hasCommit, isAncestor, readRef, readTreeFiles, remoteTip, pushBranch, RemoteError, treeShas, updateRef, writeBlob, writeTree } from './git-plumbing'
import { mergeSnapshots, snapshotFiles, snapshotFromFiles, type LedgerScope, type LedgerSnapshot } from './snapshot'
import type { Manifest } from './town-records'

export interface BranchTarget {
  /** Names the target's refs in ledger.git: rig-NAME, or town. */
  key: string
  remote: string
  branch: string
  scope: LedgerScope
}

/** What a branch's tip holds, as read (or as written by us): saves reading our own last commit again. */
export interface BranchCache {
  tip: string
  snapshot: LedgerSnapshot
}

export interface PublishResult {
  /** `unchanged`: the remote's tip already holds exactly this. */
  status: 'pushed' | 'unchanged'
  commit: string
  parent: string | null
  /** The remote's branch had commits this town did not write since its last push: the new commit is built on them. */
  builtOnMoved: boolean
  /** Beads the tip had that this town has not, kept on the branch. */
  carriedBeads: number
}

/** Reads and validates the branch's tip; a bad record throws LedgerFormatError naming remote, branch, commit, file, line. */
export async function readBranchSnapshot(repo: string, target: { remote: string; branch: string }, tip: string) {
  const files = await readTreeFiles(repo, tip)
  return snapshotFromFiles(new Map(files.map((f) => [f.name, f.text])), `${target.remote} ${target.branch} at ${tip.slice(0, 10)}`)
}

const ATTEMPTS = 3
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r))

export async function publishSnapshot(p: {
  repo: string
  target: BranchTarget
  ours: LedgerSnapshot
  manifest: Manifest
  identity: { name: string; email: string }
  cache: BranchCache | null
}): Promise<{ result: PublishResult; cache: BranchCache }> {
  const { repo, target } = p
  const localRef = `refs/gt-ledger/${target.key}/local`
  const remoteRef = `refs/gt-ledger/${target.key}/remote`
  let cache = p.cache
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const tip = await remoteTip(repo, target.remote, target.branch)
    const ourLast = await readRef(repo, localRef)
    let theirs: LedgerSnapshot | null = null
    if (tip) {
      if (cache?.tip === tip) theirs = cache.snapshot
      else {
        if (!(await hasCommit(repo, tip))) await fetchBranch(repo, target.remote, target.branch, remoteRef)
        theirs = (await readBranchSnapshot(repo, target, tip)).snapshot
      }
    }
    const builtOnMoved = !!tip && tip !== ourLast && !(ourLast && (await isAncestor(repo, tip, ourLast)))
    // Merging and writing out a big ledger takes a while: the core's other work goes first, between the steps.
    await nextTurn()
    const merged = theirs ? mergeSnapshots(p.ours, theirs, 'ours') : p.ours
    await nextTurn()
    const ourIds = new Set(p.ours.beads.map((b) => b.id))
    const carriedBeads = merged.beads.filter((b) => !ourIds.has(b.id)).length
    const files = snapshotFiles(merged, p.manifest)
    const entries = [...files].map(([name, text]) => ({ name, text, sha: blobSha(text) }))
    const current = tip ? await treeShas(repo, tip) : new Map<string, string>()
    if (tip && current.size === entries.length && entries.every((e) => current.get(e.name) === e.sha)) {
      return { result: { status: 'unchanged', commit: tip, parent: null, builtOnMoved, carriedBeads }, cache: { tip, snapshot: merged } }
    }
    for (const e of entries) if (current.get(e.name) !== e.sha) await writeBlob(repo, e.text)
    const tree = await writeTree(repo, entries)
    const counts = `${merged.beads.length} bead${merged.beads.length === 1 ? '' : 's'}, ${merged.events.length} event${merged.events.length === 1 ? '' : 's'}`
    const scope = target.scope === 'town' ? 'the whole town' : `rig ${target.scope.rig}`
    const message = `ledger: ${counts} (${scope})\n\nWritten by Gas Town Control Room for town ${p.manifest.town_id}.${builtOnMoved ? `\nBuilt on ${tip!.slice(0, 10)}, which this town did not write: what it holds is kept.` : ''}\n`
    const commit = await commitTree(repo, tree, tip, message, p.identity)
    await updateRef(repo, localRef, commit, ourLast)
    if ((await pushBranch(repo, target.remote, commit, target.branch)) === 'pushed') {
      return { result: { status: 'pushed', commit, parent: tip, builtOnMoved, carriedBeads }, cache: { tip: commit, snapshot: merged } }
    }
    cache = null // someone pushed between our look and our push: look again
  }
  throw new RemoteError(target.remote, `${target.branch} on ${target.remote} kept moving while this town wrote to it (${ATTEMPTS} tries): another town writes there at the same time`)
}

export const isFormatError = (err: unknown): err is LedgerFormatError => err instanceof LedgerFormatError
