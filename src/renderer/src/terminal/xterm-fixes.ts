// Works around an xterm 6 inefficiency until it is fixed upstream (xtermjs/xterm.js#4633, open): the DOM
// renderer redraws every row of the screen on each selection-change event, and the selection service sends
// one on every scroll. So while output scrolls the screen is drawn twice a frame, and the second drawing
// ignores synchronized output (DEC mode 2026), which agents' TUIs and flood-frames.ts rely on. Measured here:
// a flooded terminal's rows were rebuilt on 177 of 179 frames while xterm itself rendered 45 times.
//
// The fix skips the redraw when there was no selection and still is none (the redraw would draw the same
// rows); any real selection change goes through. It reaches into xterm's internals, so it checks that they
// look as expected and does nothing otherwise: the terminal then simply works as before.
import type { Terminal } from '@xterm/xterm'

type SelectionPoint = [number, number] | undefined
interface DomRendererLike {
  handleSelectionChanged(start: SelectionPoint, end: SelectionPoint, columnSelectMode: boolean): void
  __gtSkipsEmptySelection?: true
}

/** Applies the fix to the terminal's current renderer, if it is the DOM one; returns whether it did. */
export function skipEmptySelectionRedraws(term: Terminal): boolean {
  const renderer = (term as unknown as { _core?: { _renderService?: { _renderer?: { value?: unknown } } } })._core?._renderService?._renderer?.value as
    | DomRendererLike
    | undefined
  // The DOM renderer is the one with a row factory; anything else (WebGL, changed internals) is left alone.
  if (!renderer || typeof renderer.handleSelectionChanged !== 'function' || !('_rowFactory' in renderer)) return false
  if (renderer.__gtSkipsEmptySelection) return true
  const original = renderer.handleSelectionChanged.bind(renderer)
  let hadSelection = false
  renderer.handleSelectionChanged = (start, end, columnSelectMode) => {
    const has = !!(start && end)
    if (!has && !hadSelection) return
    hadSelection = has
    original(start, end, columnSelectMode)
  }
  renderer.__gtSkipsEmptySelection = true
  return true
}
