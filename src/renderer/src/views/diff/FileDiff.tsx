// One file's diff: react-diff-view draws it (split or unified, highlighted), cut into chunks of a few hundred
// lines of which only those near the screen are in the page — the others are empty blocks of the height
// they had (or would have), so a 20,000-line diff opens and scrolls without the page freezing. Review
// comments show under their line; a click on a line (or `c` on the keyboard cursor, moved with ] and [)
// opens the comment box there.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { Decoration, Diff, Hunk, getChangeKey, parseDiff, type ChangeData, type ChangeEventArgs, type FileData, type HunkTokens } from 'react-diff-view'
import type { DiffFileEntry, DiffSectionName, ReviewComment } from '../../../../shared/domain'
import { typingTarget } from '../../components/keys'
import { errorText, shortTime } from '../../lib/format'
import type { DiffMode, FileState } from '../../stores/diff'
import { chunkHunks, changeAt, lineOf, type Chunk } from './chunks'
import { languageOf, tokensFor } from './highlight'

const LINE_PX = 20
const HEADER_PX = 28
/** Chunks within this distance of the screen are in the page (about two chunks of lines either side). */
const MARGIN = '2400px 0px'

interface Props {
  entry: DiffFileEntry
  section: DiffSectionName
  state: FileState
  mode: DiffMode
  headSha: string
  comments: ReviewComment[]
  onComment(c: { side: 'old' | 'new'; line: number; body: string }): Promise<void>
}

interface LineRef {
  side: 'old' | 'new'
  line: number
  key: string
  chunk: number
}

export function FileDiff({ entry, section, state, mode, headSha, comments, onComment }: Props) {
  const file = useMemo<FileData | null>(() => {
    if (!state.patch?.patch) return null
    try {
      return parseDiff(state.patch.patch)[0] ?? null
    } catch {
      return null
    }
  }, [state.patch])
  const chunks = useMemo(() => chunkHunks(file?.hunks ?? []), [file])
  const lines = useMemo<LineRef[]>(() => {
    const out: LineRef[] = []
    for (const ch of chunks) for (const h of ch.hunks) for (const c of h.changes) out.push({ ...lineOf(c), key: getChangeKey(c), chunk: ch.index })
    return out
  }, [chunks])
  const language = useMemo(() => languageOf(entry.path), [entry.path])
  const [cursor, setCursor] = useState<number | null>(null)
  const [composer, setComposer] = useState<{ side: 'old' | 'new'; line: number } | null>(null)
  const scrollRef = useRef<HTMLDivElement>(null)

  // Keys on the file: ] and [ move the line cursor, c comments on it.
  const ref = useRef({ lines, cursor, composer })
  ref.current = { lines, cursor, composer }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return
      const { lines, cursor } = ref.current
      if (lines.length === 0) return
      if (e.key === ']' || e.key === '[') {
        e.preventDefault()
        const next = cursor === null ? (e.key === ']' ? 0 : lines.length - 1) : Math.max(0, Math.min(lines.length - 1, cursor + (e.key === ']' ? 1 : -1)))
        setCursor(next)
        revealLine(scrollRef.current, lines[next])
      } else if (e.key === 'c' && cursor !== null) {
        e.preventDefault()
        setComposer({ side: lines[cursor].side, line: lines[cursor].line })
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const openComposer = useCallback(
    ({ change, side }: ChangeEventArgs) => {
      if (!change) return
      const at = lineOf(change, side)
      setComposer(at)
      setCursor(lines.findIndex((l) => l.key === getChangeKey(change)))
    },
    [lines]
  )
  const events = useMemo(() => ({ onClick: openComposer }), [openComposer])
  const cancel = useCallback(() => setComposer(null), [])
  const submit = useCallback(
    async (body: string) => {
      if (!composer) return
      await onComment({ ...composer, body })
      setComposer(null)
    },
    [composer, onComment]
  )

  if (state.loading) return <div className="diff-message muted" data-testid="diff-file-loading">Loading {entry.path}…</div>
  if (state.error) return <div className="inline-error">Could not read {entry.path}: {state.error}</div>
  if (!state.patch) return null
  if (entry.binary || state.patch.binary) return <div className="diff-message muted" data-testid="diff-binary">Binary file: no lines to show.</div>
  if (state.patch.truncated && !state.patch.patch) return <div className="diff-message muted">{entry.path} is too large to show here; gt diff shows its stats.</div>
  if (!file || chunks.length === 0) {
    return (
      <div className="diff-message muted" data-testid="diff-no-lines">
        {entry.status === 'renamed' ? `Renamed from ${entry.oldPath}; its lines did not change.` : 'No line changed (a mode change, or an empty file).'}
      </div>
    )
  }

  const shown = new Set<string>()
  for (const c of comments) if (chunks.some((ch) => changeAt(ch.hunks, c.side, c.line))) shown.add(c.id)
  const elsewhere = comments.filter((c) => !shown.has(c.id))
  const cursorKey = cursor !== null ? lines[cursor]?.key ?? null : null

  return (
    <div className="diff-file-scroll" ref={scrollRef} data-testid="diff-scroll" data-lines={lines.length} data-chunks={chunks.length}>
      {state.patch.truncated ? <div className="diff-message warn">The patch is cut short at 2 MB: gt diff prints it whole.</div> : null}
      {elsewhere.length ? (
        <div className="diff-elsewhere">
          <div className="muted small">Comments on lines this diff does not show:</div>
          {elsewhere.map((c) => (
            <CommentView key={c.id} c={c} headSha={headSha} />
          ))}
        </div>
      ) : null}
      <Chunks
        chunks={chunks}
        file={file}
        mode={mode}
        language={language}
        root={scrollRef}
        comments={comments}
        composer={composer}
        cursorKey={cursorKey}
        headSha={headSha}
        events={events}
        onCancel={cancel}
        onSubmit={submit}
        section={section}
      />
    </div>
  )
}

/** Scrolls the cursor's line into view: its chunk first (which brings it into the page), then the row. */
function revealLine(root: HTMLElement | null, l: LineRef | undefined): void {
  if (!root || !l) return
  const row = () => root.querySelector(`[data-change-key="${CSS.escape(l.key)}"]`)
  const chunk = root.querySelector(`[data-chunk="${l.chunk}"]`)
  if (!row() && chunk) chunk.scrollIntoView({ block: 'start' })
  requestAnimationFrame(() => requestAnimationFrame(() => row()?.scrollIntoView({ block: 'nearest' })))
}

interface ChunksProps {
  chunks: Chunk[]
  file: FileData
  mode: DiffMode
  language: string | null
  root: React.RefObject<HTMLDivElement | null>
  comments: ReviewComment[]
  composer: { side: 'old' | 'new'; line: number } | null
  cursorKey: string | null
  headSha: string
  events: { onClick(args: ChangeEventArgs): void }
  section: DiffSectionName
  onCancel(): void
  onSubmit(body: string): Promise<void>
}

function Chunks(p: ChunksProps) {
  // Which chunks are near the screen: at first those the top of the file fills, then what the observer says.
  const [near, setNear] = useState<Set<number>>(() => {
    const s = new Set<number>()
    let px = 0
    for (const c of p.chunks) {
      if (px > 3000) break
      s.add(c.index)
      px += c.lines * LINE_PX
    }
    return s
  })
  const heights = useRef(new Map<number, number>())
  useEffect(() => {
    const root = p.root.current
    if (!root) return
    const io = new IntersectionObserver(
      (entries) => {
        setNear((prev) => {
          const next = new Set(prev)
          for (const e of entries) {
            const i = Number((e.target as HTMLElement).dataset.chunk)
            if (e.isIntersecting) next.add(i)
            else next.delete(i)
          }
          return next.size === prev.size && [...next].every((i) => prev.has(i)) ? prev : next
        })
      },
      { root, rootMargin: MARGIN }
    )
    for (const el of root.querySelectorAll('[data-chunk]')) io.observe(el)
    return () => io.disconnect()
  }, [p.chunks, p.root])
  // The chunk with the cursor or the comment box is always in the page.
  const pinned = new Set<number>()
  for (const c of p.chunks) {
    if (p.cursorKey && c.hunks.some((h) => h.changes.some((ch) => getChangeKey(ch) === p.cursorKey))) pinned.add(c.index)
    if (p.composer && changeAt(c.hunks, p.composer.side, p.composer.line)) pinned.add(c.index)
  }
  return (
    <>
      {p.chunks.map((c) => (
        <ChunkView
          key={c.index}
          chunk={c}
          shown={near.has(c.index) || pinned.has(c.index)}
          heights={heights.current}
          {...p}
        />
      ))}
    </>
  )
}

const ChunkView = memo(function ChunkView(props: ChunksProps & { chunk: Chunk; shown: boolean; heights: Map<number, number> }) {
  const { chunk, shown, heights, file, mode, language, comments, composer, cursorKey, headSha, events, section, onCancel, onSubmit } = props
  const el = useRef<HTMLDivElement>(null)
  const tokens = useDeferredTokens(shown, chunk, language)
  const widgets = useMemo(() => {
    const byKey = new Map<string, ReactNode[]>()
    const add = (change: ChangeData, node: ReactNode) => {
      const key = getChangeKey(change)
      byKey.set(key, [...(byKey.get(key) ?? []), node])
    }
    for (const c of comments) {
      const change = changeAt(chunk.hunks, c.side, c.line)
      if (change) add(change, <CommentView key={c.id} c={c} headSha={headSha} />)
    }
    if (composer) {
      const change = changeAt(chunk.hunks, composer.side, composer.line)
      if (change) add(change, <CommentBox key="composer" at={composer} section={section} onCancel={onCancel} onSubmit={onSubmit} />)
    }
    const out: Record<string, ReactNode> = {}
    for (const [key, nodes] of byKey) out[key] = <div className="diff-thread">{nodes}</div>
    return out
  }, [chunk, comments, composer, headSha, section, onCancel, onSubmit])
  const selected = useMemo(() => (cursorKey && chunk.hunks.some((h) => h.changes.some((c) => getChangeKey(c) === cursorKey)) ? [cursorKey] : []), [cursorKey, chunk])

  // The height it had in the page stands in for it while it is out.
  useLayoutEffect(() => {
    if (!shown || !el.current) return
    const node = el.current
    const ro = new ResizeObserver(() => heights.set(chunk.index, node.offsetHeight))
    ro.observe(node)
    heights.set(chunk.index, node.offsetHeight)
    return () => ro.disconnect()
  }, [shown, chunk.index, heights])

  const estimate = heights.get(chunk.index) ?? chunk.lines * LINE_PX + chunk.startsHunk.filter(Boolean).length * HEADER_PX
  return (
    <div ref={el} data-chunk={chunk.index} data-testid="diff-chunk" data-shown={shown} style={shown ? undefined : { height: estimate }}>
      {shown ? (
        <Diff
          viewType={mode}
          diffType={file.type}
          hunks={chunk.hunks}
          tokens={tokens}
          widgets={widgets}
          selectedChanges={selected}
          gutterEvents={events}
          codeEvents={events}
          className="diff-table"
        >
          {(hunks) =>
            hunks.flatMap((h, i) => [
              ...(chunk.startsHunk[i] ? [<Decoration key={`d${i}`} className="diff-hunk-header">{h.content}</Decoration>] : []),
              <Hunk key={`h${i}`} hunk={h} />
            ])
          }
        </Diff>
      ) : null}
    </div>
  )
})

// Tokens of chunks highlighted once, kept while the file is open (a chunk scrolled back in is not redone).
const tokenCache = new WeakMap<Chunk, HunkTokens | null>()

/**
 * The chunk's highlighting, computed in a task of its own after the chunk is first drawn plain: the first
 * rows of a file paint before any grammar runs, and chunks scrolled in highlight one per task.
 */
function useDeferredTokens(shown: boolean, chunk: Chunk, language: string | null): HunkTokens | null {
  const [tokens, setTokens] = useState<HunkTokens | null>(() => tokenCache.get(chunk) ?? null)
  useEffect(() => {
    if (!shown || !language) return
    if (tokenCache.has(chunk)) {
      setTokens(tokenCache.get(chunk) ?? null)
      return
    }
    const timer = setTimeout(() => {
      const t = tokensFor(chunk.hunks, language)
      tokenCache.set(chunk, t)
      setTokens(t)
    }, 0)
    return () => clearTimeout(timer)
  }, [shown, chunk, language])
  return shown ? tokens : null
}

function CommentView({ c, headSha }: { c: ReviewComment; headSha: string }) {
  const mail = !c.mailId ? 'no polecat on this branch to mail' : c.mailDeliveredAt ? `delivered to ${c.polecatId} ${shortTime(c.mailDeliveredAt)}` : `mailed to ${c.polecatId}, waiting for its prompt`
  return (
    <div className="diff-comment" data-testid="diff-comment" data-line={c.line} data-side={c.side} data-comment-id={c.id}>
      <div className="diff-comment-meta small muted">
        <span className="mono">{c.createdBy}</span> · {shortTime(c.createdAt)} · line {c.line} ({c.side}) · <span data-testid="diff-comment-mail">{mail}</span>
        {c.headSha !== headSha ? <span className="badge"> on {c.headSha.slice(0, 8)}, an earlier head</span> : null}
      </div>
      <div className="diff-comment-body">{c.body}</div>
    </div>
  )
}

function CommentBox({ at, section, onCancel, onSubmit }: { at: { side: 'old' | 'new'; line: number }; section: DiffSectionName; onCancel(): void; onSubmit(body: string): Promise<void> }) {
  const [body, setBody] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const send = async () => {
    if (!body.trim() || busy) return
    setBusy(true)
    setError(null)
    try {
      await onSubmit(body)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <div className="diff-comment-box" data-testid="diff-comment-box" data-line={at.line} data-side={at.side}>
      <div className="small muted">
        Comment on line {at.line} ({at.side === 'old' ? 'old side' : 'new side'}{section === 'uncommitted' ? ', uncommitted' : ''}): the polecat gets it as mail.
      </div>
      <textarea
        data-testid="diff-comment-input"
        autoFocus
        rows={3}
        value={body}
        placeholder="What should change here?"
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault()
            e.stopPropagation()
            onCancel()
          } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault()
            void send()
          }
        }}
      />
      {error ? <div className="inline-error" data-testid="diff-comment-error">{error}</div> : null}
      <div className="diff-comment-actions">
        <button className="primary small" data-testid="diff-comment-submit" disabled={busy || !body.trim()} onClick={() => void send()}>
          Comment <kbd>Ctrl+Enter</kbd>
        </button>
        <button className="small" onClick={onCancel} disabled={busy}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </div>
  )
}
