// What happens when the page asks for a new window: the desktop app never opens one, but an https link
// may go to the user's browser once the user has seen where it leads and said yes. No Electron import
// here (security.ts passes the dialog and shell in), so the rules run under plain Node in tests.

export type LinkDecision = { open: false; reason: string } | { open: true; url: string; host: string }

/** What the window-open handler is told about a request (the part of Electron's HandlerDetails used here). */
export interface LinkRequest {
  url: string
  /** Set when a form with target=_blank was submitted: its body would be dropped, so it is not a link. */
  postBody?: unknown
}

/** Only plain https links: no other scheme (file:, a custom protocol handler, javascript:), no forms, no credentials. */
export function decideLink(req: LinkRequest): LinkDecision {
  let url: URL
  try {
    url = new URL(req.url)
  } catch {
    return { open: false, reason: `not opened: ${JSON.stringify(req.url.slice(0, 200))} is not a URL` }
  }
  if (url.protocol !== 'https:') return { open: false, reason: `not opened: only https: links open in the browser, this one is ${url.protocol}` }
  if (req.postBody !== undefined && req.postBody !== null) return { open: false, reason: `not opened: ${url.host} was a form submission, not a link` }
  // https://github.com@evil.example/ goes to evil.example; a link that needs a user name in it is not one we follow.
  if (url.username || url.password) return { open: false, reason: `not opened: the link to ${url.host} carries a user name or password` }
  // url.host is punycode for international names, so a look-alike host shows as the xn-- name it really is.
  return { open: true, url: url.href, host: url.host }
}

/** The confirmation dialog's content (Electron's MessageBoxOptions, minus the window). Cancel is the default. */
export interface LinkPrompt {
  type: 'question'
  title: string
  message: string
  detail: string
  buttons: string[]
  defaultId: number
  cancelId: number
  /** The index of the button that opens the link. */
  openId: number
}

export function linkPrompt(d: { url: string; host: string }): LinkPrompt {
  return {
    type: 'question',
    title: 'Open link in your browser?',
    message: `Open ${d.host} in your browser?`,
    detail: `Host: ${d.host}\n\n${d.url}`,
    buttons: ['Cancel', 'Open in browser'],
    defaultId: 0,
    cancelId: 0,
    openId: 1
  }
}

/**
 * Electron does not tell the window-open handler whether a click caused the request, so the click that counts
 * is the user's, on "Open in browser". One dialog at a time: a page cannot stack up prompts.
 */
export class ExternalLinks {
  private asking = false

  constructor(private readonly deps: { open(url: string): Promise<void>; warn(message: string): void }) {}

  /** Resolves with what happened: 'opened', 'cancelled' or the refusal's reason. */
  async request(req: LinkRequest, confirm: (prompt: LinkPrompt) => Promise<boolean>): Promise<string> {
    const d = decideLink(req)
    if (!d.open) {
      this.deps.warn(d.reason)
      return d.reason
    }
    if (this.asking) {
      const reason = `not opened: ${d.host} was asked for while another link was waiting for an answer`
      this.deps.warn(reason)
      return reason
    }
    this.asking = true
    try {
      if (!(await confirm(linkPrompt(d)))) return 'cancelled'
      await this.deps.open(d.url)
      return 'opened'
    } catch (err) {
      const reason = `could not open ${d.host}: ${err instanceof Error ? err.message : String(err)}`
      this.deps.warn(reason)
      return reason
    } finally {
      this.asking = false
    }
  }
}
