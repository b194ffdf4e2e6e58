// Live xterm instances by polecat id, exposed as window.__gtTerm so tests and benchmarks can read
// a terminal's buffer without scraping the canvas; `prepare` gives a test's own terminal what the app's
// terminals get (renderer, fixes), so a test or benchmark compares like with like.
import type { Terminal } from '@xterm/xterm'
import { prepareTerminal } from './prepare'

const terms = new Map<string, Terminal>()

declare global {
  interface Window {
    __gtTerm?: { get(polecatId: string): Terminal | undefined; prepare?(term: Terminal): void }
  }
}

window.__gtTerm = { get: (id) => terms.get(id), prepare: (term) => void prepareTerminal(term) }

export function registerTerm(polecatId: string, term: Terminal): () => void {
  terms.set(polecatId, term)
  return () => {
    if (terms.get(polecatId) === term) terms.delete(polecatId)
  }
}
