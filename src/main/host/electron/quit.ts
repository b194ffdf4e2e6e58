// Quitting the desktop app. The core closes before the process exits — it saves every agent's work (a WIP
// commit, then a push), bounded in time, and broadcasts `quitting` progress the window shows as an overlay —
// so the window must stay open until then, whatever asked for the quit: closing the window, Cmd/Ctrl+Q, the
// OS, a signal. A core that does not finish closing within QUIT_DEADLINE_MS is left behind: the process exits.
// Only types come from 'electron' here (the app and windows are passed in), so this runs under plain Node in tests.
import type { BrowserWindow } from 'electron'
import type { CoreApi } from '../../core/connection'

/** Longer than the core's own bound on saving work (SAVE_ON_QUIT_MS) plus stopping the agents; a last resort. */
export const QUIT_DEADLINE_MS = 45_000

export interface QuitApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown
  quit(): void
  exit(code?: number): void
}

export interface QuitGate {
  /** Keeps the window open while the core closes: closing it asks for the quit instead, and closes it after. */
  guard(win: Pick<BrowserWindow, 'on'>): void
}

export function installQuit(
  app: QuitApp,
  opts: { core(): CoreApi | null; beforeClose?(): void; platform?: NodeJS.Platform; deadlineMs?: number; log?: (...args: unknown[]) => void }
): QuitGate {
  const log = opts.log ?? console.error
  let coreClosed = false
  let closing = false

  app.on('before-quit', (event) => {
    const core = opts.core()
    if (coreClosed || !core) return
    event.preventDefault()
    if (closing) return
    closing = true
    opts.beforeClose?.()
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), opts.deadlineMs ?? QUIT_DEADLINE_MS)))
    Promise.race([core.close().then(() => 'closed' as const), deadline])
      .then((how) => {
        if (how === 'late') {
          log(`the core did not finish closing within ${Math.round((opts.deadlineMs ?? QUIT_DEADLINE_MS) / 1000)} s: quitting without it`)
          app.exit(1)
        }
      })
      .catch((err: unknown) => log('closing the core failed:', err))
      .finally(() => {
        clearTimeout(timer)
        coreClosed = true
        app.quit()
      })
  })

  return {
    guard(win) {
      win.on('close', (event) => {
        if (coreClosed) return
        // On macOS closing the window leaves the app (and the agents) running, as Mac apps do; a quit under
        // way still keeps the window, so its progress shows.
        if ((opts.platform ?? process.platform) === 'darwin' && !closing) return
        event.preventDefault()
        app.quit()
      })
    }
  }
}
