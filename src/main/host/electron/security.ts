// Hardening that applies to every page Electron creates, not just our window: the renderer
// is treated as untrusted content that may only show the control room and talk over gt:call.
import { app, shell, type Session } from 'electron'
import type { RendererTarget } from './renderer-target'

/** The built page's policy. In dev, Vite's HMR socket and React's inline refresh preamble need a looser one. */
export function contentSecurityPolicy(target: RendererTarget): string {
  const dev = target.devOrigin
  const devWs = dev ? dev.replace(/^http/, 'ws') : ''
  return [
    "default-src 'self'",
    dev ? `script-src 'self' 'unsafe-inline' ${dev}` : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    dev ? `connect-src 'self' ${dev} ${devWs}` : "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
}

/** Permissions the UI actually uses. Copying terminal text to the clipboard is the only one. */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write'])

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

/** Applied to every webContents as it is created, so no window, popup or webview escapes the rules. */
export function hardenAllContents(target: RendererTarget): void {
  app.on('web-contents-created', (_event, contents) => {
    // No new windows. A plain https link (docs, a PR) opens in the user's browser instead.
    contents.setWindowOpenHandler(({ url }) => {
      if (isHttps(url)) void shell.openExternal(url)
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

function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:'
  } catch {
    return false
  }
}
