// A file's diff cut into chunks of a few hundred lines, so the view renders only the chunks near the screen
// (a 20,000-line diff is 100 chunks, of which two or three are in the page at a time). A long hunk is cut
// into pieces with their own line numbers; the hunk's header is shown once, above its first piece.
import type { ChangeData, HunkData } from 'react-diff-view'

export const CHUNK_LINES = 200

export interface Chunk {
  index: number
  hunks: HunkData[]
  /** For each of `hunks`: whether it starts a hunk of the patch (its @@ header is shown). */
  startsHunk: boolean[]
  lines: number
}

const oldLine = (c: ChangeData): number | null => (c.type === 'insert' ? null : c.type === 'delete' ? c.lineNumber : c.oldLineNumber)
const newLine = (c: ChangeData): number | null => (c.type === 'delete' ? null : c.type === 'insert' ? c.lineNumber : c.newLineNumber)

/** A piece of a hunk: the same kind of object, starting at the old and new lines its first change is at. */
function piece(h: HunkData, changes: ChangeData[], first: boolean, oldStart: number, newStart: number): HunkData {
  if (first && changes.length === h.changes.length) return h
  return {
    content: first ? h.content : '',
    oldStart,
    newStart,
    oldLines: changes.filter((c) => oldLine(c) !== null).length,
    newLines: changes.filter((c) => newLine(c) !== null).length,
    changes
  }
}

export function chunkHunks(hunks: HunkData[], size = CHUNK_LINES): Chunk[] {
  const chunks: Chunk[] = []
  let current: Chunk = { index: 0, hunks: [], startsHunk: [], lines: 0 }
  const flush = () => {
    if (current.hunks.length) chunks.push(current)
    current = { index: chunks.length, hunks: [], startsHunk: [], lines: 0 }
  }
  for (const h of hunks) {
    // Where the next piece starts on each side: the hunk's start, moved on by the lines of the pieces before.
    let oldAt = h.oldStart
    let newAt = h.newStart
    let at = 0
    do {
      const take = h.changes.slice(at, at + (size - current.lines))
      current.hunks.push(piece(h, take, at === 0, oldAt, newAt))
      current.startsHunk.push(at === 0)
      current.lines += take.length
      for (const c of take) {
        if (oldLine(c) !== null) oldAt++
        if (newLine(c) !== null) newAt++
      }
      at += take.length
      if (current.lines >= size) flush()
    } while (at < h.changes.length)
  }
  flush()
  return chunks
}

/**
 * The same hunks moved up to start at line 1 on both sides, and by how much: the tokenizer builds text for
 * every line from 1 to the last one, so a chunk at line 19,800 would otherwise be highlighted as 19,800 lines.
 */
export function rebased(hunks: HunkData[]): { hunks: HunkData[]; oldOffset: number; newOffset: number } {
  let oldOffset = Infinity
  let newOffset = Infinity
  for (const h of hunks) {
    for (const c of h.changes) {
      const o = oldLine(c)
      const n = newLine(c)
      if (o !== null && o - 1 < oldOffset) oldOffset = o - 1
      if (n !== null && n - 1 < newOffset) newOffset = n - 1
    }
  }
  if (oldOffset === Infinity) oldOffset = 0
  if (newOffset === Infinity) newOffset = 0
  const move = (c: ChangeData): ChangeData =>
    c.type === 'insert' ? { ...c, lineNumber: c.lineNumber - newOffset } : c.type === 'delete' ? { ...c, lineNumber: c.lineNumber - oldOffset } : { ...c, oldLineNumber: c.oldLineNumber - oldOffset, newLineNumber: c.newLineNumber - newOffset }
  return {
    hunks: hunks.map((h) => ({ ...h, oldStart: Math.max(1, h.oldStart - oldOffset), newStart: Math.max(1, h.newStart - newOffset), changes: h.changes.map(move) })),
    oldOffset,
    newOffset
  }
}

/** Which line of which side a change is, for a comment on it: a deletion's old line, else its new one. */
export function lineOf(change: ChangeData, side?: 'old' | 'new'): { side: 'old' | 'new'; line: number } {
  const s = side ?? (change.type === 'delete' ? 'old' : 'new')
  const line = s === 'old' ? oldLine(change) : newLine(change)
  // A split view's click on the other side of an insertion or deletion has no line there: the change's own.
  if (line === null) return change.type === 'delete' ? { side: 'old', line: change.lineNumber } : { side: 'new', line: newLine(change)! }
  return { side: s, line }
}

/** The change showing line `line` of `side` in these hunks, if the diff shows that line. */
export function changeAt(hunks: HunkData[], side: 'old' | 'new', line: number): ChangeData | null {
  for (const h of hunks) {
    for (const c of h.changes) if ((side === 'old' ? oldLine(c) : newLine(c)) === line) return c
  }
  return null
}
