// xterm draws with WebGL where the page has a hardware WebGL2 context, and with the DOM otherwise. The DOM
// renderer rebuilds every row of a scrolling terminal as elements each frame, which costs the page's main
// thread about a third of its time while an agent floods its terminal; WebGL on a GPU draws the same frame
// from a glyph atlas. A software WebGL (SwiftShader, llvmpipe: what Chromium falls back to without a GPU,
// e.g. on a server) is far slower than the DOM: measured here, xterm drew 6.2 MiB/s of agent output with it
// against 27.5 MiB/s with the DOM, so it is not used. A lost context (a GPU reset, or too many contexts on the
// page: Chromium keeps about 16) falls back to the DOM for that terminal, which keeps working.
// The addon is loaded only where it is used: a page without a GPU never downloads it.
import type { Terminal } from '@xterm/xterm'

export type RendererKind = 'webgl' | 'dom'

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render driver/i
let hardwareWebgl: boolean | null = null

/** Whether this page has a WebGL2 context drawn by a GPU (probed once, on a throwaway canvas). */
export function hasHardwareWebgl(): boolean {
  if (hardwareWebgl !== null) return hardwareWebgl
  hardwareWebgl = false
  try {
    const gl = document.createElement('canvas').getContext('webgl2')
    if (gl) {
      const info = gl.getExtension('WEBGL_debug_renderer_info')
      const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER))
      hardwareWebgl = !SOFTWARE.test(renderer)
      gl.getExtension('WEBGL_lose_context')?.loseContext()
    }
  } catch {
    // no WebGL at all
  }
  return hardwareWebgl
}

/**
 * Gives an opened terminal the fastest renderer that works; `onChange` hears which one is in use. The DOM
 * renderer draws until WebGL is ready. Returns a disposer.
 */
export function loadGpuRenderer(term: Terminal, onChange: (kind: RendererKind) => void): () => void {
  let disposed = false
  let addon: { dispose(): void } | null = null
  onChange('dom')
  if (!hasHardwareWebgl()) return () => {}
  import('@xterm/addon-webgl')
    .then(({ WebglAddon }) => {
      if (disposed) return
      const webgl = new WebglAddon()
      addon = webgl
      webgl.onContextLoss(() => {
        webgl.dispose()
        addon = null
        onChange('dom')
      })
      term.loadAddon(webgl)
      onChange('webgl')
    })
    .catch((err) => {
      // WebGL failed to start for this terminal: the DOM renderer stays.
      addon?.dispose()
      addon = null
      console.warn('WebGL renderer unavailable, drawing with the DOM:', err)
    })
  return () => {
    disposed = true
    addon?.dispose()
  }
}
