// Where the desktop window's page comes from, and how to recognise it again: the built
// out/renderer/index.html, or electron-vite's dev server while developing. Everything that
// trusts the page (IPC sender checks, navigation rules) asks isAppUrl.
import type { BrowserWindow } from 'electron'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface RendererTarget {
  /** Dev server origin, or null when the page is the built file. */
  devOrigin: string | null
  load(win: BrowserWindow): Promise<void>
  isAppUrl(url: string): boolean
}

export function rendererTarget(opts: { indexHtml: string; devUrl?: string }): RendererTarget {
  const indexHtml = resolve(opts.indexHtml)
  const devUrl = opts.devUrl ? new URL(opts.devUrl) : null
  const samePath = (a: string, b: string) => (process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b)

  return {
    devOrigin: devUrl?.origin ?? null,
    load: (win) => (devUrl ? win.loadURL(devUrl.href) : win.loadFile(indexHtml)),
    isAppUrl(url) {
      try {
        const u = new URL(url)
        if (devUrl) return u.origin === devUrl.origin
        // Query and hash are the page's own state; only the file itself must match.
        return u.protocol === 'file:' && samePath(fileURLToPath(u), indexHtml)
      } catch {
        return false // not a URL, or a file: URL naming another host
      }
    }
  }
}
