// The one Content-Security-Policy of the built control room page, whichever host serves it: the web host
// sends it as a header, Electron sets it on every response, and src/renderer/index.html carries it in a meta
// tag (for Electron's file:// page, which has no response headers). test/host/csp.test.ts holds the built
// index.html to this list.

/** `'self'` also covers the page's own ws:// (CSP3; checked in Chromium by e2e/web-session.e2e.ts). */
export const STRICT_DIRECTIVES: readonly string[] = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
]

/** Directives browsers ignore in a `<meta http-equiv>` policy (CSP3 §3.3); they can only come as a header. */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox'])

export const strictPolicy = (): string => STRICT_DIRECTIVES.join('; ')

/** What the meta tag in index.html must say: the strict policy minus what a meta tag cannot carry. */
export const metaPolicy = (): string => STRICT_DIRECTIVES.filter((d) => !HEADER_ONLY.has(d.split(' ')[0])).join('; ')

/**
 * Electron's policy: the strict one for the built page. Vite's dev server needs its HMR socket and React's
 * inline refresh preamble, so in dev (a devOrigin) script-src and connect-src name it too.
 */
export function electronPolicy(devOrigin: string | null): string {
  if (!devOrigin) return strictPolicy()
  const devWs = devOrigin.replace(/^http/, 'ws')
  return STRICT_DIRECTIVES.map((d) => {
    if (d.startsWith('script-src ')) return `script-src 'self' 'unsafe-inline' ${devOrigin}`
    if (d.startsWith('connect-src ')) return `connect-src 'self' ${devOrigin} ${devWs}`
    return d
  }).join('; ')
}
