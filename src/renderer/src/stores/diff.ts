// The diff view's state: which branch it shows (a polecat's or a merge request's), the file list, the one
// file's patch per opened file (read lazily, when opened), the review comments of the branch, and
// unified/side-by-side. One diff at a time; opening another replaces it.
import { create } from 'zustand'
import type { BranchDiff, DiffSectionName, FilePatch, ReviewComment } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { getClient } from '../transport'
import { useUi } from './ui'

export type DiffTargetRef = { polecat: string } | { mergeRequest: string }
export type DiffMode = 'unified' | 'split'

export interface FileRef {
  section: DiffSectionName
  path: string
}

export const fileKey = (f: FileRef): string => `${f.section}:${f.path}`

export interface FileState {
  loading: boolean
  patch: FilePatch | null
  error: string | null
}

interface DiffState {
  target: DiffTargetRef | null
  summary: BranchDiff | null
  loading: boolean
  error: string | null
  /** The file the list's cursor is on, and the file whose diff shows. */
  selected: FileRef | null
  opened: FileRef | null
  files: Record<string, FileState>
  comments: ReviewComment[]
  mode: DiffMode
  open(target: DiffTargetRef): void
  close(): void
  reload(): Promise<void>
  select(f: FileRef): void
  openFile(f: FileRef): void
  setMode(mode: DiffMode): void
  comment(c: { path: string; section: DiffSectionName; line: number; side: 'old' | 'new'; body: string }): Promise<ReviewComment>
  refreshComments(): Promise<void>
}

const MODE_KEY = 'gt.diff.mode'

function initialMode(): DiffMode {
  try {
    return localStorage.getItem(MODE_KEY) === 'unified' ? 'unified' : 'split'
  } catch {
    return 'split'
  }
}

/** Every file of the diff in the order the list shows them: the branch's, then the uncommitted ones. */
export function fileOrder(d: BranchDiff | null): FileRef[] {
  if (!d) return []
  return [...d.files.map((f) => ({ section: 'committed' as const, path: f.path })), ...(d.uncommitted?.files ?? []).map((f) => ({ section: 'uncommitted' as const, path: f.path }))]
}

const sameTarget = (a: DiffTargetRef | null, b: DiffTargetRef | null): boolean => JSON.stringify(a) === JSON.stringify(b)

export const useDiff = create<DiffState>()((set, get) => ({
  target: null,
  summary: null,
  loading: false,
  error: null,
  selected: null,
  opened: null,
  files: {},
  comments: [],
  mode: initialMode(),
  open(target) {
    set({ target, summary: null, error: null, selected: null, opened: null, files: {}, comments: [] })
    void get().reload()
  },
  close: () => set({ target: null, summary: null, error: null, selected: null, opened: null, files: {}, comments: [] }),
  async reload() {
    const target = get().target
    if (!target) return
    set({ loading: true, error: null, files: {} })
    try {
      const [summary, comments] = await Promise.all([getClient().call('diff.get', target), getClient().call('review.list', target)])
      if (!sameTarget(get().target, target)) return
      set({ summary, comments, loading: false })
      const order = fileOrder(summary)
      // The first file opens by itself: a diff view shows a diff.
      const keep = get().opened && order.some((f) => fileKey(f) === fileKey(get().opened!)) ? get().opened : order[0] ?? null
      if (keep) get().openFile(keep)
    } catch (err) {
      if (sameTarget(get().target, target)) set({ error: errorText(err), loading: false })
    }
  },
  select: (f) => set({ selected: f }),
  openFile(f) {
    const target = get().target
    if (!target) return
    const key = fileKey(f)
    set({ selected: f, opened: f })
    if (get().files[key]?.patch || get().files[key]?.loading) return
    set({ files: { ...get().files, [key]: { loading: true, patch: null, error: null } } })
    getClient()
      .call('diff.file', { ...target, path: f.path, section: f.section })
      .then(
        (patch) => sameTarget(get().target, target) && set({ files: { ...get().files, [key]: { loading: false, patch, error: null } } }),
        (err) => sameTarget(get().target, target) && set({ files: { ...get().files, [key]: { loading: false, patch: null, error: errorText(err) } } })
      )
  },
  setMode(mode) {
    try {
      localStorage.setItem(MODE_KEY, mode)
    } catch {
      // Storage can be disabled; the choice then lasts for this page only.
    }
    set({ mode })
  },
  async comment(c) {
    const target = get().target
    if (!target) throw new Error('no diff is open')
    const made = await getClient().call('review.comment', { ...target, ...c })
    if (sameTarget(get().target, target)) set({ comments: [...get().comments.filter((x) => x.id !== made.id), made] })
    return made
  },
  async refreshComments() {
    const target = get().target
    if (!target) return
    const comments = await getClient().call('review.list', target)
    if (sameTarget(get().target, target)) set({ comments })
  }
}))

// Going to another view (nav, Ctrl+digit) leaves the diff.
useUi.subscribe((s, prev) => {
  if (s.view !== prev.view && useDiff.getState().target) useDiff.getState().close()
})

/** Opens the diff view on a polecat's branch or a merge request. */
export function openDiff(target: DiffTargetRef): void {
  useDiff.getState().open(target)
}
