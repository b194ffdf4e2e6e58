// The diff of a polecat's branch or a merge request: the files it changed with their +/− counts (the
// branch's, then what the worktree holds uncommitted), and the opened file's diff. Keys: j/k move through
// the files, Enter opens one, n/p open the next/previous; u unified, s side by side; ] and [ move the line
// cursor, c comments on it; Esc closes the diff. Everything the agent wrote (names, code, comments) is
// React text, never markup.
import { useCallback, useEffect, useMemo, useRef } from 'react'
import type { DiffFileEntry, DiffSection } from '../../../../shared/domain'
import { typingTarget } from '../../components/keys'
import { attempt } from '../../stores/ui'
import { fileKey, fileOrder, useDiff, type FileRef } from '../../stores/diff'
import { FileDiff } from './FileDiff'
// The library's table styles first; ours (colours, tokens, comments) over them.
import 'react-diff-view/style/index.css'
import './diff.css'

const LETTER: Record<DiffFileEntry['status'], string> = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', binary: 'B' }

export function DiffView() {
  const s = useDiff()
  const { summary, target, selected, opened, mode } = s
  const order = fileOrder(summary)

  const ref = useRef({ order, selected, opened })
  ref.current = { order, selected, opened }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return
      const st = useDiff.getState()
      const { order, selected, opened } = ref.current
      const at = (f: FileRef | null) => (f ? order.findIndex((o) => fileKey(o) === fileKey(f)) : -1)
      const step = (from: FileRef | null, by: number) => order[Math.max(0, Math.min(order.length - 1, at(from) + by))]
      let handled = true
      if (e.key === 'Escape') st.close()
      else if (e.key === 'u') st.setMode('unified')
      else if (e.key === 's') st.setMode('split')
      else if (order.length === 0) handled = false
      else if (e.key === 'j' || e.key === 'ArrowDown') st.select(step(selected ?? opened, 1))
      else if (e.key === 'k' || e.key === 'ArrowUp') st.select(step(selected ?? opened, -1))
      else if (e.key === 'n') st.openFile(step(opened, 1))
      else if (e.key === 'p') st.openFile(step(opened, -1))
      else if (e.key === 'Enter' && selected && !(e.target instanceof HTMLElement && e.target.closest('button, a'))) st.openFile(selected)
      else handled = false
      if (!handled) return
      e.preventDefault()
      requestAnimationFrame(() => document.querySelector('.diff-files .cursor')?.scrollIntoView({ block: 'nearest' }))
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const what = !target ? '' : 'polecat' in target ? `polecat ${target.polecat}` : `merge request ${target.mergeRequest}`
  // Kept as one array while nothing about them changes: each chunk of the file redraws when it changes.
  const fileComments = useMemo(() => (opened ? s.comments.filter((c) => c.path === opened.path && c.section === opened.section) : []), [s.comments, opened])
  const onComment = useCallback(
    async (c: { side: 'old' | 'new'; line: number; body: string }) => {
      if (opened) await useDiff.getState().comment({ ...c, path: opened.path, section: opened.section })
    },
    [opened]
  )
  const openedEntry = opened && summary ? (opened.section === 'committed' ? summary : summary.uncommitted)?.files.find((f) => f.path === opened.path) : undefined

  return (
    <section className="view-body diff-view" data-testid="diff-view" data-mode={mode}>
      <div className="diff-head">
        <button className="small" data-testid="diff-close" onClick={() => s.close()} title="Back to where you were (Esc)">
          ← Close <kbd>Esc</kbd>
        </button>
        <div className="diff-title">
          <div>
            <strong>{what}</strong>
            {summary ? (
              <>
                {' '}
                · branch <span className="mono">{summary.target.branch}</span>
                {summary.target.kind === 'merge-request' && summary.target.polecatId ? (
                  <>
                    {' '}
                    · polecat <span className="mono">{summary.target.polecatId}</span>
                  </>
                ) : null}
              </>
            ) : null}
          </div>
          {summary ? (
            <div className="small muted" data-testid="diff-refs">
              <span className="mono">{summary.base.ref}</span> at <span className="mono">{summary.base.sha.slice(0, 10)}</span> (where the branch left it) →{' '}
              <span className="mono">{summary.head.ref}</span> at <span className="mono">{summary.head.sha.slice(0, 10)}</span> ·{' '}
              <span data-testid="diff-totals">
                {summary.totals.files} file{summary.totals.files === 1 ? '' : 's'}, <span className="diff-add">+{summary.totals.additions}</span> <span className="diff-del">−{summary.totals.deletions}</span>
              </span>
            </div>
          ) : null}
        </div>
        <span className="spacer" />
        {/* A click on a toggle leaves the focus where it was, so Enter still opens the file under the cursor. */}
        <div className="diff-mode" role="group" aria-label="Diff layout" onMouseDown={(e) => e.preventDefault()}>
          <button className={`small${mode === 'unified' ? ' active' : ''}`} aria-pressed={mode === 'unified'} data-testid="diff-mode-unified" onClick={() => s.setMode('unified')}>
            Unified <kbd>u</kbd>
          </button>
          <button className={`small${mode === 'split' ? ' active' : ''}`} aria-pressed={mode === 'split'} data-testid="diff-mode-split" onClick={() => s.setMode('split')}>
            Side by side <kbd>s</kbd>
          </button>
        </div>
        <button className="small" onClick={() => void attempt('Reload the diff', () => s.reload())} title="Read the branch again">
          Reload
        </button>
      </div>
      {s.error ? <div className="inline-error" data-testid="diff-error">Could not read the diff: {s.error}</div> : null}
      <div className="diff-body">
        <nav className="diff-files" data-testid="diff-file-list" aria-label="Files changed">
          {s.loading && !summary ? <div className="muted small">Reading the branch…</div> : null}
          {summary ? <FileSection title="On the branch" section={summary} name="committed" /> : null}
          {summary?.uncommitted?.files.length ? <FileSection title="Uncommitted in the worktree" section={summary.uncommitted} name="uncommitted" /> : null}
          {summary && order.length === 0 ? <div className="muted small">No file changed yet.</div> : null}
        </nav>
        <div className="diff-pane" data-testid="diff-pane" data-path={opened?.path ?? ''} data-section={opened?.section ?? ''}>
          {opened && openedEntry && summary ? (
            <>
              <div className="diff-pane-head mono">
                {opened.section === 'uncommitted' ? <span className="badge">uncommitted</span> : null} {openedEntry.oldPath ? `${openedEntry.oldPath} → ` : ''}
                {openedEntry.path}
              </div>
              <FileDiff
                key={fileKey(opened)}
                entry={openedEntry}
                section={opened.section}
                state={s.files[fileKey(opened)] ?? { loading: true, patch: null, error: null }}
                mode={mode}
                headSha={summary.head.sha}
                comments={fileComments}
                onComment={onComment}
              />
            </>
          ) : (
            <div className="diff-message muted">{summary ? 'Open a file (Enter).' : ''}</div>
          )}
        </div>
      </div>
      <div className="diff-keys small muted">
        <kbd>j</kbd>/<kbd>k</kbd> files · <kbd>Enter</kbd> open · <kbd>n</kbd>/<kbd>p</kbd> next/previous file · <kbd>u</kbd>/<kbd>s</kbd> unified/side by side · <kbd>]</kbd>/
        <kbd>[</kbd> line · <kbd>c</kbd> comment (or click a line) · <kbd>Esc</kbd> close
      </div>
    </section>
  )
}

function FileSection({ title, section, name }: { title: string; section: DiffSection; name: FileRef['section'] }) {
  const selected = useDiff((s) => s.selected)
  const opened = useDiff((s) => s.opened)
  const comments = useDiff((s) => s.comments)
  const openFile = useDiff((s) => s.openFile)
  return (
    <div className="diff-files-section">
      <div className="diff-files-title small muted">
        {title} · {section.totals.files} · <span className="diff-add">+{section.totals.additions}</span> <span className="diff-del">−{section.totals.deletions}</span>
        {section.truncated ? ' (list cut short)' : null}
      </div>
      <ul>
        {section.files.map((f) => {
          const key = fileKey({ section: name, path: f.path })
          const isCursor = selected ? fileKey(selected) === key : opened ? fileKey(opened) === key : false
          const n = comments.filter((c) => c.path === f.path && c.section === name).length
          return (
            <li key={key}>
              <button
                className={`diff-file${isCursor ? ' cursor' : ''}${opened && fileKey(opened) === key ? ' open' : ''}`}
                data-testid="diff-file"
                data-path={f.path}
                data-section={name}
                aria-current={opened && fileKey(opened) === key ? 'true' : undefined}
                title={f.oldPath ? `${f.oldPath} → ${f.path}` : f.path}
                onClick={() => openFile({ section: name, path: f.path })}
              >
                <span className={`diff-status st-${f.status}`}>{LETTER[f.status]}</span>
                <span className="diff-file-name mono">{f.oldPath ? `${f.oldPath} → ${f.path}` : f.path}</span>
                {n ? <span className="badge" data-testid="diff-file-comments">{n} comment{n === 1 ? '' : 's'}</span> : null}
                <span className="diff-file-stat mono">
                  {f.binary ? (
                    'bin'
                  ) : (
                    <>
                      <span className="diff-add">+{f.additions}</span> <span className="diff-del">−{f.deletions}</span>
                    </>
                  )}
                </span>
              </button>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
