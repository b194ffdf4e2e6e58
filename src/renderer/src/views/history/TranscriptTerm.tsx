// A finished (or still growing) session's output, replayed into a read-only xterm.
import { FitAddon } from '@xterm/addon-fit'
import { Terminal } from '@xterm/xterm'
import { useEffect, useRef } from 'react'
import { useUi } from '../../stores/ui'
import { prepareTerminal } from '../../terminal/prepare'
import { xtermOptions, xtermTheme } from '../../terminal/theme'

export function TranscriptTerm({ data }: { data: string }) {
  const hostRef = useRef<HTMLDivElement>(null)
  const termRef = useRef<Terminal | null>(null)
  const theme = useUi((s) => s.theme)

  useEffect(() => {
    const host = hostRef.current!
    const term = new Terminal({ ...xtermOptions(useUi.getState().theme), scrollback: 100_000 })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(host)
    const unprepare = prepareTerminal(term)
    termRef.current = term
    const refit = () => {
      if (host.clientWidth < 20 || host.clientHeight < 20) return
      try {
        fit.fit()
      } catch {
        // not rendered yet; the observer calls again
      }
    }
    refit()
    term.write(data)
    const ro = new ResizeObserver(refit)
    ro.observe(host)
    return () => {
      ro.disconnect()
      unprepare()
      termRef.current = null
      term.dispose()
    }
  }, [data])

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = xtermTheme(theme)
  }, [theme])

  return <div className="term-host transcript-term" ref={hostRef} />
}
