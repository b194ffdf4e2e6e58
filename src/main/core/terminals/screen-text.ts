// What an agent's terminal shows, as plain text: its recent output replayed into a headless xterm (the same
// parser the page uses), then the screen read back line by line. Stripping escape sequences from the raw
// output would not do: a TUI draws by moving the cursor, so the bytes in order are not the screen.
// Used for inbox items ("the last lines of the agent's terminal") and to recognise blocking screens.
import { Terminal } from '@xterm/headless'

export interface ScreenText {
  /** The visible screen, trailing blank lines dropped. */
  screen: string
  /** The last `lines` non-blank lines of scrollback and screen together. */
  tail: string
}

export function screenText(output: string, opts: { cols?: number; rows?: number; lines?: number } = {}): Promise<ScreenText> {
  const cols = opts.cols ?? 120
  const rows = opts.rows ?? 32
  const term = new Terminal({ cols, rows, scrollback: 400, allowProposedApi: true })
  return new Promise((resolve) => {
    term.write(output, () => {
      const buf = term.buffer.active
      const all: string[] = []
      for (let i = 0; i < buf.length; i++) all.push(buf.getLine(i)?.translateToString(true) ?? '')
      const screenLines = all.slice(buf.baseY, buf.baseY + rows)
      while (screenLines.length && !screenLines[screenLines.length - 1].trim()) screenLines.pop()
      const nonBlank = all.filter((l) => l.trim())
      term.dispose()
      resolve({ screen: screenLines.join('\n'), tail: nonBlank.slice(-(opts.lines ?? 20)).join('\n') })
    })
  })
}
