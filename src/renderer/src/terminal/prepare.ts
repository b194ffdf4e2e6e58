// What every xterm in this app gets once it is opened: the fastest renderer that works here, and the
// workaround for the DOM renderer's redraws (both explained in their modules).
import type { Terminal } from '@xterm/xterm'
import { loadGpuRenderer, type RendererKind } from './gpu-renderer'
import { skipEmptySelectionRedraws } from './xterm-fixes'

/** Returns a disposer; `onRenderer` hears which renderer draws the terminal. */
export function prepareTerminal(term: Terminal, onRenderer: (kind: RendererKind) => void = () => {}): () => void {
  return loadGpuRenderer(term, (kind) => {
    // A DOM renderer is there from the start, and comes back after a lost WebGL context: fix each one.
    if (kind === 'dom') skipEmptySelectionRedraws(term)
    onRenderer(kind)
  })
}
