// A candidate run's check output in a read-only xterm: while the run builds or tests, what it printed so far
// (mq.output) and then each mq.output event as it comes; once it finished, its checks as stored (each command,
// its output, how it ended). A run that finishes while watched gets a fresh terminal with the stored checks, so
// what shows is always the whole, final record; a live one gets a fresh terminal after a reconnect, since the
// output printed while the page was away came to no one. Registered as window.__gtTerm "mq:<run id>" for tests.
import { FitAddon } from '@xterm/addon-fit'
import { Terminal } from '@xterm/xterm'
import { useEffect, useRef, useState } from 'react'
import type { MergeRun } from '../../../../shared/domain'
import { runActive, runTranscript, watchRunOutput } from '../../stores/merge-queue'
import { useUi } from '../../stores/ui'
import { prepareTerminal } from '../../terminal/prepare'
import { registerTerm } from '../../terminal/registry'
import { xtermOptions, xtermTheme } from '../../terminal/theme'

export function RunTerminal({ run }: { run: MergeRun }) {
  const live = runActive(run)
  const connects = useConnects()
  return <RunTerm key={`${run.id}:${live ? `live:${connects}` : 'done'}`} run={run} live={live} />
}

/** How many times the page connected again since this mounted. */
function useConnects(): number {
  const conn = useUi((s) => s.conn)
  const [connects, setConnects] = useState(0)
  const before = useRef(conn)
  useEffect(() => {
    if (conn === 'connected' && before.current !== 'connected') setConnects((n) => n + 1)
    before.current = conn
  }, [conn])
  return connects
}

function RunTerm({ run, live }: { run: MergeRun; live: boolean }) {
  const hostRef = useRef<HTMLDivElement>(null)
  const termRef = useRef<Terminal | null>(null)
  const theme = useUi((s) => s.theme)
  // The finished run's checks are read once, when this terminal is made (a run's record does not change after).
  const runRef = useRef(run)

  useEffect(() => {
    const host = hostRef.current!
    const term = new Terminal({ ...xtermOptions(useUi.getState().theme), scrollback: 20_000, convertEol: false })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(host)
    const unprepare = prepareTerminal(term)
    const unregister = registerTerm(`mq:${runRef.current.id}`, term)
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
    const ro = new ResizeObserver(refit)
    ro.observe(host)
    const unwatch = live ? watchRunOutput(runRef.current.id, (data) => term.write(data)) : (term.write(runTranscript(runRef.current)), () => {})
    return () => {
      unwatch()
      ro.disconnect()
      unregister()
      unprepare()
      termRef.current = null
      term.dispose()
    }
  }, [live])

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = xtermTheme(theme)
  }, [theme])

  return <div className="term-host mq-run-term" ref={hostRef} data-testid={`mq-run-output-${run.id}`} data-phase={live ? 'live' : 'done'} aria-label={`Check output of run ${run.id}`} />
}
