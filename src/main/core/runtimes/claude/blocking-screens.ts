// A fallback signal: Claude Code showing a screen that waits for a human before it will work (first-run
// answers missing, a settings file it refuses, no login). prepareClaudeConfig is what keeps these screens
// away; this tells the core when one is on screen anyway, so the polecat is raised to the inbox rather than
// shown as "working". The texts are Claude Code 2.1.332's, read from its real output in a PTY.
//
// Claude Code draws with Ink, which moves the cursor (CSI n G) instead of writing spaces between words, so
// the output is normalized first: every escape sequence becomes one space, runs of whitespace one space.
// Each text is the most specific line of its screen, so a model that merely talks about (say) settings
// errors does not match.

export type ClaudeBlockingScreen =
  | 'folder-trust'
  | 'api-key-approval'
  | 'onboarding'
  | 'login'
  | 'offline-onboarding'
  | 'settings-error'
  | 'not-logged-in'
  | 'mcp-server-approval'
  | 'bypass-permissions-warning'

export interface BlockingScreenMatch {
  screen: ClaudeBlockingScreen
  /** For the inbox: what is on screen. */
  title: string
  /** For the inbox: what to do about it. */
  fix: string
  /** Where in the normalized text it was last seen. */
  at: number
}

interface ScreenSpec {
  screen: ClaudeBlockingScreen
  /** Any of these (lower case, single spaces) on screen means this screen. */
  texts: string[]
  title: string
  fix: string
}

const SCREENS: ScreenSpec[] = [
  {
    screen: 'folder-trust',
    texts: ['yes, i trust this folder', 'quick safety check: is this a project you created or one you trust?'],
    title: 'Claude Code asks whether to trust the worktree folder',
    fix: 'The trust answer for this worktree is missing from the Claude config the agent uses; take over and choose "Yes, I trust this folder", or check that config file is writable.'
  },
  {
    screen: 'api-key-approval',
    texts: ['detected a custom api key in your environment', 'do you want to use this api key?'],
    title: 'Claude Code asks whether to use the API key it was given',
    fix: 'The key was not pre-approved in the Claude config the agent uses; take over and choose "Yes".'
  },
  {
    screen: 'onboarding',
    texts: ['choose the text style that looks best with your terminal'],
    title: 'Claude Code shows its first-run set-up',
    fix: 'Onboarding is not marked done in the Claude config the agent uses; take over and finish it once.'
  },
  {
    screen: 'login',
    texts: ['select login method:'],
    title: 'Claude Code asks how to log in',
    fix: 'The agent has no login: log in with `claude` once in the same config, or give the town an API key.'
  },
  {
    screen: 'offline-onboarding',
    texts: ['unable to connect to anthropic services'],
    title: 'Claude Code could not reach Anthropic during its first-run set-up, and quit',
    fix: 'Onboarding is not marked done in the Claude config the agent uses, and its network check failed.'
  },
  {
    screen: 'settings-error',
    texts: ['continue without these settings'],
    title: 'Claude Code refuses a settings file',
    fix: 'A settings file (the worktree\'s .claude/settings*.json or the user\'s) is invalid; take over to read which, then fix it.'
  },
  {
    screen: 'not-logged-in',
    texts: ['not logged in \u00b7 please run /login'],
    title: 'Claude Code is not logged in',
    fix: 'Log in with `claude` once in the same config, or give the town an API key.'
  },
  {
    screen: 'mcp-server-approval',
    texts: ['new mcp server found in'],
    title: 'Claude Code asks whether to use an MCP server from the project',
    fix: 'Take over and choose, or pre-approve the server in the project settings.'
  },
  {
    screen: 'bypass-permissions-warning',
    texts: ['by proceeding, you accept all responsibility for actions taken while running in bypass permissions mode'],
    title: 'Claude Code asks to confirm Bypass Permissions mode',
    fix: 'Take over and confirm, or start the agent in another permission mode.'
  }
]

// What the main interface shows once it takes input: a screen seen before one of these has been answered.
const READY_TEXTS = ['? for shortcuts', 'shift+tab to cycle', 'esc to interrupt']

/** Escape sequences to one space, whitespace runs to one space, lower case. */
export function normalizeTerminalText(raw: string): string {
  return (
    raw
      // OSC … BEL/ST, DCS/APC/PM … ST
      .replace(/\u001b[\]PX^_][\s\S]*?(?:\u0007|\u001b\\)/g, ' ')
      // CSI … final byte
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, ' ')
      // other two- and three-byte escapes (charset selection, save/restore cursor, keypad modes)
      .replace(/\u001b[()*+][0-9A-Za-z]|\u001b[0-9A-Za-z=<>~]/g, ' ')
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .toLowerCase()
  )
}

/**
 * The blocking screen most recently drawn in `raw` terminal output, unless the main interface was drawn
 * after it (it was answered). `raw` may be the whole output or a recent tail of it.
 */
export function detectBlockingScreen(raw: string): BlockingScreenMatch | undefined {
  const text = normalizeTerminalText(raw)
  let best: BlockingScreenMatch | undefined
  for (const s of SCREENS) {
    for (const t of s.texts) {
      const at = text.lastIndexOf(t)
      if (at >= 0 && (!best || at > best.at)) best = { screen: s.screen, title: s.title, fix: s.fix, at }
    }
  }
  if (!best) return undefined
  // Being logged out is reported inside the main interface, after its prompt: no ready text clears it.
  if (best.screen === 'not-logged-in') return best
  const ready = Math.max(...READY_TEXTS.map((t) => text.lastIndexOf(t)))
  return ready > best.at ? undefined : best
}

/**
 * Keeps the tail of a terminal's output and says which blocking screen (if any) is on it now. Feed it every
 * chunk of PTY output; `current()` is cheap enough to call after each.
 */
export class BlockingScreenWatcher {
  private tail = ''

  constructor(private readonly keepChars = 64 * 1024) {}

  feed(chunk: string): void {
    this.tail += chunk
    if (this.tail.length > this.keepChars * 2) this.tail = this.tail.slice(-this.keepChars)
  }

  current(): BlockingScreenMatch | undefined {
    return detectBlockingScreen(this.tail.slice(-this.keepChars))
  }
}
