// Live xterm instances by polecat id, exposed as window.__gtTerm so tests and benchmarks can read
// a terminal's buffer without scraping the canvas; `loadRenderer` gives a test's own terminal the renderer
// the app's terminals use, so a benchmark compares like with like.
import type { Terminal } from '@xterm/xterm'
import { loadGpuRenderer } from './gpu-renderer'

const terms = new Map<string, Terminal>()

declare global {
  interface Window {
    __gtTerm?: { get(polecatId: string): Terminal | undefined; loadRenderer?(term: Terminal): void }
  }
}

window.__gtTerm = { get: (id) => terms.get(id), loadRenderer: (term) => void loadGpuRenderer(term, () => {}) }

export function registerTerm(polecatId: string, term: Terminal): () => void {
  terms.set(polecatId, term)
  return () => {
    if (terms.get(polecatId) === term) terms.delete(polecatId)
  }
}
