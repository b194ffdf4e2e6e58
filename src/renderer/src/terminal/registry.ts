// Live xterm instances by polecat id, exposed as window.__gtTerm so tests and benchmarks can read
// a terminal's buffer without scraping the canvas.
import type { Terminal } from '@xterm/xterm'

const terms = new Map<string, Terminal>()

declare global {
  interface Window {
    __gtTerm?: { get(polecatId: string): Terminal | undefined }
  }
}

window.__gtTerm = { get: (id) => terms.get(id) }

export function registerTerm(polecatId: string, term: Terminal): () => void {
  terms.set(polecatId, term)
  return () => {
    if (terms.get(polecatId) === term) terms.delete(polecatId)
  }
}
