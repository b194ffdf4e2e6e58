// Hardening that applies to every page Electron creates, not just our window: the renderer
// is treated as untrusted content that may only show the control room and talk over gt:call.
import { app, BrowserWindow, dialog, shell, type Session } from 'electron'
import { electronPolicy } from '../csp'
import { ExternalLinks } from './external-link'
import type { RendererTarget } from './renderer-target'

/** The built page's policy (src/main/host/csp.ts, the same as the web host's and index.html's); looser in dev for Vite. */
export function contentSecurityPolicy(target: RendererTarget): string {
  return electronPolicy(target.devOrigin)
}

/**
 * Permissions the UI actually uses: copying terminal text to the clipboard, and desktop notifications (the
 * page's Notification API, which Electron shows natively) for new P0s and permission requests. Every other
 * permission is denied.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write', 'notifications'])

export function hardenSession(ses: Session, target: RendererTarget): void {
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)))
  ses.setPermissionCheckHandler((_wc, permission) => ALLOWED_PERMISSIONS.has(permission))

  // The CSP header covers http(s) responses (the dev server); the built file:// page carries the same policy in its meta tag.
  const policy = contentSecurityPolicy(target)
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value
    }
    headers['Content-Security-Policy'] = [policy]
    callback({ responseHeaders: headers })
  })
}

const links = new ExternalLinks({
  open: (url) => shell.openExternal(url),
  warn: (message) => console.warn(`link from the page ${message}`)
})

/** Applied to every webContents as it is created, so no window, popup or webview escapes the rules. */
export function hardenAllContents(target: RendererTarget): void {
  app.on('web-contents-created', (_event, contents) => {
    // No new windows. A plain https link (docs, a PR) may open in the user's browser, once the user has seen its host and said yes.
    contents.setWindowOpenHandler((details) => {
      void links.request(details, async ({ openId, ...options }) => {
        const win = BrowserWindow.fromWebContents(contents)
        const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options)
        return response === openId
      })
      return { action: 'deny' }
    })
    // The page never leaves the control room: links, location changes and redirects to anything else are stopped.
    contents.on('will-navigate', (event) => {
      if (!target.isAppUrl(event.url)) event.preventDefault()
    })
    contents.on('will-redirect', (event) => {
      if (!target.isAppUrl(event.url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}
