// Syntax highlighting for the diff view: highlight.js grammars through lowlight (kept up to date, and it
// gives a syntax tree, not HTML), handed to react-diff-view's tokenizer in the shape it expects of refractor.
// The tree is rendered by React as text in spans: nothing a file holds becomes markup.
import { createLowlight, common } from 'lowlight'
import type { HunkData, HunkTokens } from 'react-diff-view'
import { tokenize } from 'react-diff-view'
import { rebased } from './chunks'

const lowlight = createLowlight(common)

// Names whose extension says nothing, or nothing highlight.js knows.
const BY_NAME: Record<string, string> = { makefile: 'makefile', dockerfile: 'bash', gnumakefile: 'makefile', '.bashrc': 'bash', '.profile': 'bash' }
const BY_EXT: Record<string, string> = { mjs: 'javascript', cjs: 'javascript', mts: 'typescript', cts: 'typescript', tsx: 'typescript', jsx: 'javascript', h: 'c', hpp: 'cpp', toml: 'ini', htm: 'xml', svg: 'xml' }

/** The grammar for a path, or null (shown plain). highlight.js knows most extensions as aliases (ts, py, rs…). */
export function languageOf(path: string): string | null {
  const name = path.split('/').pop()!.toLowerCase()
  if (BY_NAME[name]) return BY_NAME[name]
  const dot = name.lastIndexOf('.')
  if (dot < 0) return null
  const ext = name.slice(dot + 1)
  const lang = BY_EXT[ext] ?? ext
  return lowlight.registered(lang) ? lang : null
}

// react-diff-view calls refractor.highlight(text, language) and reads the hast nodes it returns; lowlight
// takes (language, text) and returns the root whose children those are.
const asRefractor = { highlight: (text: string, language: string) => lowlight.highlight(language, text).children } as never

/**
 * Tokens for the hunks of one chunk, highlighted when the language is known; null when it cannot be. The
 * tokenizer indexes lines from 1, so the chunk is tokenized as if it started there and its lines are put
 * back at their place (a sparse array: react-diff-view reads tokens[line - 1]).
 */
export function tokensFor(hunks: HunkData[], language: string | null, highlighter: { highlight(text: string, language: string): unknown } = asRefractor): HunkTokens | null {
  try {
    const r = rebased(hunks)
    const t = language ? tokenize(r.hunks, { highlight: true, refractor: highlighter as never, language }) : tokenize(r.hunks)
    const place = (lines: HunkTokens['old'], offset: number): HunkTokens['old'] => {
      const out: HunkTokens['old'] = []
      lines.forEach((l, i) => (out[i + offset] = l))
      return out
    }
    return { old: place(t.old, r.oldOffset), new: place(t.new, r.newOffset) }
  } catch {
    // A grammar that trips over some input must not cost the diff: shown plain.
    return null
  }
}
