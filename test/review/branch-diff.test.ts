// The diff of a polecat's branch and of its merge request, through the core with real git: a branch that
// adds, modifies, deletes, renames and changes binary files lists them as `git diff --numstat -M` counts
// them; the worktree's uncommitted changes (staged, unstaged, untracked, a link) are a section of their own;
// one file's patch at a time; and every bad target, path and section is refused saying what to do.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import type { BranchDiff, DiffFileEntry, FilePatch, Polecat } from '../../src/shared/domain'
import { fakeAgentCmd, sh, tempDir, waitForFile } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const t = useTestTown()
let cues: string
let pc: Polecat
let rigPath: string
let mergeRequest: string

const call = <T>(method: string, params: unknown): Promise<T> => t.core.dispatch(method, params, human) as Promise<T>

/** `git diff --numstat -M` as git prints it, as entries keyed by the new path. */
function numstat(cwd: string, args: string[]): Map<string, { additions: number; deletions: number; binary: boolean; oldPath: string | null }> {
  const out = sh(cwd, 'git', ['diff', '--numstat', '-z', '-M', ...args]).split('\0')
  const m = new Map<string, { additions: number; deletions: number; binary: boolean; oldPath: string | null }>()
  for (let i = 0; i < out.length; i++) {
    if (!out[i]) continue
    const [a, d, path] = out[i].split('\t')
    const entry = { additions: a === '-' ? 0 : Number(a), deletions: d === '-' ? 0 : Number(d), binary: a === '-', oldPath: null as string | null }
    if (path === '') {
      entry.oldPath = out[++i]
      m.set(out[++i], entry)
    } else m.set(path, entry)
  }
  return m
}

const byPath = (files: DiffFileEntry[]) => new Map(files.map((f) => [f.path, f]))

// Once, by the first test that needs it (after useTestTown's own hook has opened the town).
let setup: Promise<void> | null = null
const ready = (): Promise<void> => (setup ??= makeBranch())

async function makeBranch(): Promise<void> {
  // The source: files the branch will modify, rename, delete and rewrite (binary).
  writeFileSync(join(t.repo, 'keep.txt'), 'a\nb\nc\n')
  writeFileSync(join(t.repo, 'moved.txt'), Array.from({ length: 50 }, (_, i) => `${i + 1}`).join('\n') + '\n')
  writeFileSync(join(t.repo, 'gone.txt'), 'x\ny\n')
  writeFileSync(join(t.repo, 'bin.dat'), Buffer.from([0, 1, 2]))
  sh(t.repo, 'git', ['add', '-A'])
  sh(t.repo, 'git', ['commit', '-qm', 'files to change'])
  rigPath = ((await call('rigs.add', { name: 'sample', source: t.repo })) as { path: string }).path
  const bead = await call<{ id: string }>('beads.create', { title: 'Change the files', rig: 'sample' })
  cues = join(tempDir('review-cues'), 'cues')
  const script = [
    {
      run:
        "printf 'd\\n' >> keep.txt && git mv moved.txt renamed.txt && printf '51\\n' >> renamed.txt && git rm -q gone.txt && " +
        "printf '\\000\\002\\003' > bin.dat && printf 'new\\n' > added.txt && printf '\\000' > newbin.bin && " +
        "printf 'x\\033[2J\\n' > \"$(printf 'evil\\033]0;pwned\\007.txt')\" && git add -A && git commit -qm change"
    },
    { run: 'gt done --summary "files changed"' },
    { signal: 'committed' },
    // Uncommitted: unstaged, staged, untracked (no newline at its end), a link.
    { run: "printf 'e\\n' >> keep.txt && printf 's\\n' > staged.txt && git add staged.txt && printf 'u1\\nu2' > untracked.txt && ln -s keep.txt link" },
    { signal: 'dirty' },
    { hang: true }
  ]
  pc = await call<Polecat>('sling', { bead: bead.id, rig: 'sample', agentCmd: fakeAgentCmd(cues, script) })
  await waitForFile(join(cues, 'dirty'))
  const detail = await call<{ mergeRequests: { id: string }[] }>('beads.show', { id: bead.id })
  assert.equal(detail.mergeRequests.length, 1, 'gt done opened a merge request')
  mergeRequest = detail.mergeRequests[0].id
}

test("a polecat's branch lists every kind of change as git diff --numstat -M counts it, against the merge-base", async () => {
  await ready()
  const d = await call<BranchDiff>('diff.get', { polecat: pc.id })
  const base = sh(rigPath, 'git', ['merge-base', 'origin/main', pc.branch!]).trim()
  const head = sh(rigPath, 'git', ['rev-parse', pc.branch!]).trim()
  assert.deepEqual(d.base, { ref: 'origin/main', sha: base })
  assert.deepEqual(d.head, { ref: pc.branch, sha: head })
  assert.deepEqual(d.target, { kind: 'polecat', id: pc.id, rig: 'sample', branch: pc.branch, polecatId: pc.id })

  const git = numstat(rigPath, [base, head])
  const files = byPath(d.files)
  assert.deepEqual([...files.keys()].sort(), [...git.keys()].sort(), 'the same files as git lists')
  for (const [path, g] of git) {
    const f = files.get(path)!
    assert.deepEqual({ additions: f.additions, deletions: f.deletions, binary: f.binary, oldPath: f.oldPath }, g, path)
  }
  assert.equal(files.get('added.txt')!.status, 'added')
  assert.equal(files.get('keep.txt')!.status, 'modified')
  assert.equal(files.get('gone.txt')!.status, 'deleted')
  assert.deepEqual([files.get('renamed.txt')!.status, files.get('renamed.txt')!.oldPath], ['renamed', 'moved.txt'])
  assert.deepEqual([files.get('bin.dat')!.status, files.get('bin.dat')!.binary], ['binary', true])
  assert.deepEqual([files.get('newbin.bin')!.status, files.get('newbin.bin')!.binary], ['added', true])
  assert.deepEqual(d.totals, { files: git.size, additions: [...git.values()].reduce((n, g) => n + g.additions, 0), deletions: [...git.values()].reduce((n, g) => n + g.deletions, 0) })
  assert.equal(d.truncated, false)
})

test("the polecat's uncommitted changes (unstaged, staged, untracked, a link) are a section of their own", async () => {
  await ready()
  const d = await call<BranchDiff>('diff.get', { polecat: pc.id })
  assert.ok(d.uncommitted, 'a polecat has an uncommitted section')
  const files = byPath(d.uncommitted.files)
  const tracked = numstat(pc.worktree, ['HEAD'])
  for (const path of ['untracked.txt', 'link']) {
    // git's own count for a file it does not track: compared with nothing.
    const out = sh(pc.worktree, 'sh', ['-c', `git diff --no-index --numstat -- /dev/null ${path} || true`]).split('\t')
    tracked.set(path, { additions: Number(out[0]), deletions: Number(out[1]), binary: false, oldPath: null })
  }
  assert.deepEqual([...files.keys()].sort(), [...tracked.keys()].sort())
  for (const [path, g] of tracked) {
    const f = files.get(path)!
    assert.deepEqual({ additions: f.additions, deletions: f.deletions, binary: f.binary, oldPath: f.oldPath }, g, path)
  }
  assert.deepEqual([files.get('keep.txt')!.status, files.get('staged.txt')!.status, files.get('untracked.txt')!.status], ['modified', 'added', 'added'])
  assert.equal(files.get('untracked.txt')!.additions, 2, 'the last line counts without a newline')
  assert.ok(!byPath(d.files).has('untracked.txt'), 'nothing uncommitted is listed as on the branch')

  const untracked = await call<FilePatch>('diff.file', { polecat: pc.id, path: 'untracked.txt', section: 'uncommitted' })
  assert.match(untracked.patch, /^diff --git a\/untracked\.txt b\/untracked\.txt\nnew file mode 100644/)
  assert.match(untracked.patch, /\n\+u1\n\+u2\n\\ No newline at end of file\n$/)
  const keep = await call<FilePatch>('diff.file', { polecat: pc.id, path: 'keep.txt', section: 'uncommitted' })
  assert.match(keep.patch, /\n d\n\+e\n$/, 'against HEAD: only what is not committed')
  assert.equal(keep.head, null)
  assert.equal(keep.base, sh(pc.worktree, 'git', ['rev-parse', 'HEAD']).trim())
  // Reading the diff changed nothing in the worktree (no index change, nothing added).
  assert.equal(sh(pc.worktree, 'git', ['status', '--porcelain']), ' M keep.txt\nA  staged.txt\n?? link\n?? untracked.txt\n')
})

test('one file at a time: a rename with its changes, a binary, the context asked for', async () => {
  await ready()
  const renamed = await call<FilePatch>('diff.file', { polecat: pc.id, path: 'renamed.txt' })
  assert.equal(renamed.oldPath, 'moved.txt')
  assert.match(renamed.patch, /rename from moved\.txt\nrename to renamed\.txt\n/)
  assert.match(renamed.patch, /\n 50\n\+51\n$/)
  assert.equal(renamed.truncated, false)
  const wide = await call<FilePatch>('diff.file', { polecat: pc.id, path: 'renamed.txt', context: 10 })
  assert.match(wide.patch, /\n 41\n/, 'ten lines of context')
  assert.doesNotMatch(renamed.patch, /\n 41\n/, 'three by default')
  const bin = await call<FilePatch>('diff.file', { polecat: pc.id, path: 'bin.dat' })
  assert.equal(bin.binary, true)
  assert.match(bin.patch, /Binary files a\/bin\.dat and b\/bin\.dat differ/)
})

test('a merge request diffs the branch it names, as pushed; it has no uncommitted section', async () => {
  await ready()
  const d = await call<BranchDiff>('diff.get', { mergeRequest })
  const fromPolecat = await call<BranchDiff>('diff.get', { polecat: pc.id })
  assert.deepEqual(d.target, { kind: 'merge-request', id: mergeRequest, rig: 'sample', branch: pc.branch, polecatId: pc.id })
  assert.equal(d.head.ref, `origin/${pc.branch}`)
  assert.equal(d.head.sha, sh(t.repo, 'git', ['rev-parse', pc.branch!]).trim(), 'the pushed branch')
  assert.deepEqual(d.files, fromPolecat.files)
  assert.equal(d.uncommitted, null)
})

test('bad targets, paths, sections and contexts are refused with what to do', async () => {
  await ready()
  const refused = async (method: string, params: unknown, code: string, pattern: RegExp) => {
    await assert.rejects(call(method, params), (err: { code?: string; message: string }) => {
      assert.equal(err.code, code, err.message)
      assert.match(err.message, pattern)
      return true
    })
  }
  await refused('diff.get', {}, 'invalid_params', /give exactly one of polecat \(RIG\/NAME\) and mergeRequest/)
  await refused('diff.get', { polecat: pc.id, mergeRequest }, 'invalid_params', /give exactly one of polecat/)
  await refused('diff.get', { polecat: 'nope' }, 'invalid_params', /polecat: expected RIG\/NAME/)
  await refused('diff.get', { polecat: 'sample/ghost' }, 'not_found', /no polecat sample\/ghost: gt polecat list/)
  await refused('diff.get', { mergeRequest: pc.beadId }, 'conflict', /is a task, not a merge request/)
  await refused('diff.get', { mergeRequest: '-rf' }, 'invalid_params', /is not a bead id/)
  await refused('diff.get', { polecat: pc.id, extra: 1 }, 'invalid_params', /extra/)
  await refused('diff.file', { polecat: pc.id, path: 'nowhere.txt' }, 'not_found', /"nowhere\.txt" is not among the committed changes of .* \(uncommitted\? give section "uncommitted"\)/)
  await refused('diff.file', { polecat: pc.id, path: 'untracked.txt' }, 'not_found', /not among the committed changes/)
  await refused('diff.file', { polecat: pc.id, path: '' }, 'invalid_params', /path is empty/)
  await refused('diff.file', { polecat: pc.id, path: 'a\0b' }, 'invalid_params', /NUL/)
  await refused('diff.file', { polecat: pc.id, path: 'keep.txt', section: 'staged' }, 'invalid_params', /section/)
  await refused('diff.file', { polecat: pc.id, path: 'keep.txt', context: -1 }, 'invalid_params', /context/)
  await refused('diff.file', { mergeRequest, path: 'keep.txt', section: 'uncommitted' }, 'invalid_params', /a merge request has no uncommitted changes/)
  // A pathspec is never a glob: "*.txt" is no file of the diff.
  await refused('diff.file', { polecat: pc.id, path: '*.txt' }, 'not_found', /"\*\.txt" is not among/)
})
