// The Mayor panel of the Convoys view: start the optional AI mayor (an agent CLI with mayor tools: sling,
// beads, convoys, mail) with a runtime of the town's, stop it, and talk to it in its live terminal. The
// terminal is the polecats' TermSession on the terminal keyed "mayor"; it takes keystrokes whenever the
// mayor runs (talking to it is the point: no takeover), and replays the last session once it has ended.
import { useEffect, useRef, useState } from 'react'
import { MAYOR_TERMINAL } from '../../../../shared/domain'
import { shortTime } from '../../lib/format'
import { useMayor } from '../../stores/mayor'
import { useTown } from '../../stores/town'
import { attempt, useUi } from '../../stores/ui'
import { INITIAL_TERM_STATE, TermSession, type TermState } from '../../terminal/TermSession'
import { getClient } from '../../transport'
import './mayor.css'

function MayorTerminal({ running }: { running: boolean }) {
  const theme = useUi((s) => s.theme)
  const paneRef = useRef<HTMLDivElement>(null)
  const hostRef = useRef<HTMLDivElement>(null)
  const sessionRef = useRef<TermSession | null>(null)
  const [state, setState] = useState<TermState>(INITIAL_TERM_STATE)

  useEffect(() => {
    const session = new TermSession(getClient(), MAYOR_TERMINAL, hostRef.current!, paneRef.current!, useUi.getState().theme, setState)
    sessionRef.current = session
    return () => {
      sessionRef.current = null
      session.dispose()
    }
  }, [])
  useEffect(() => sessionRef.current?.setTheme(theme), [theme])
  useEffect(() => sessionRef.current?.setInputEnabled(running && state.running), [running, state.running])

  return (
    <div ref={paneRef} className="term-pane mayor-term" data-testid="terminal-mayor" data-phase={state.phase}>
      <div className="term-host" ref={hostRef} onMouseDown={() => sessionRef.current?.term.focus()} />
      <div className="term-status">
        {state.exit ? (
          <span className="exit" data-testid="mayor-exit">
            session ended: {state.exit.reason}
            {state.exit.exitCode !== null ? `, exit code ${state.exit.exitCode}` : ''}
          </span>
        ) : state.phase === 'attaching' ? (
          <span className="muted">attaching…</span>
        ) : state.phase === 'offline' ? (
          <span className="warn">offline — re-attaches when the core is back</span>
        ) : state.phase === 'error' ? (
          <span className="error">{state.error}</span>
        ) : state.running ? (
          <span className="muted">live · your keystrokes go to the mayor</span>
        ) : (
          <span className="muted">not running · its last session</span>
        )}
      </div>
    </div>
  )
}

export function MayorPanel() {
  const status = useMayor((s) => s.status)
  const error = useMayor((s) => s.error)
  const info = useTown((s) => s.info)
  const [runtime, setRuntime] = useState<string | null>(null)
  const [agentCmd, setAgentCmd] = useState('')
  const [busy, setBusy] = useState(false)
  const chosen = runtime ?? info?.defaultRuntime ?? ''
  const running = status?.running ?? false

  async function start() {
    setBusy(true)
    const params = chosen === 'custom' ? { agentCmd } : { runtime: chosen }
    const s = await attempt('Starting the mayor failed', () => getClient().call('mayor.start', params))
    setBusy(false)
    if (s) useMayor.getState().apply(s)
  }

  async function stop() {
    setBusy(true)
    const s = await attempt('Stopping the mayor failed', () => getClient().call('mayor.stop', {}))
    setBusy(false)
    if (s) useMayor.getState().apply(s)
  }

  // A new session is a new attach (the core registers a view only on a live stream).
  const termKey = status?.sessionId ?? status?.ended?.sessionId ?? 'none'
  const showTerminal = running || !!status?.ended
  return (
    <section className="panel mayor-panel" data-testid="mayor-panel" data-running={running ? 'true' : 'false'}>
      <div className="mayor-head">
        <h3 className="detail-title">
          Mayor <span className="muted small">— the coordinator you talk to: it slings beads, makes convoys and mails polecats, with gt</span>
        </h3>
        <span className="spacer" />
        {running ? (
          <>
            <span className="muted small" data-testid="mayor-status">
              {status?.runtime} · since {shortTime(status?.startedAt ?? null)}
            </span>
            <button className="small danger-quiet" data-testid="mayor-stop" onClick={() => void stop()} disabled={busy}>
              Stop
            </button>
          </>
        ) : (
          <>
            <label className="small">
              Runtime{' '}
              <select data-testid="mayor-runtime" value={chosen} onChange={(e) => setRuntime(e.target.value)} disabled={busy || !info}>
                {(info?.runtimes ?? []).map((r) => (
                  <option key={r.name} value={r.name}>
                    {r.label}
                    {r.name === info?.defaultRuntime ? ' (default)' : ''}
                  </option>
                ))}
              </select>
            </label>
            {chosen === 'custom' ? (
              <input className="mono small" data-testid="mayor-agent-cmd" placeholder="command to run as the mayor" value={agentCmd} onChange={(e) => setAgentCmd(e.target.value)} />
            ) : null}
            <button className="small" data-testid="mayor-start" onClick={() => void start()} disabled={busy || !chosen || (chosen === 'custom' && !agentCmd.trim())}>
              Start
            </button>
          </>
        )}
      </div>
      {error ? <div className="inline-error">Could not read the mayor's status: {error}</div> : null}
      {showTerminal ? (
        <MayorTerminal key={termKey} running={running} />
      ) : (
        <div className="muted small">
          Not running. Start it to talk to an agent that can route work for you; its tools are limited to slinging, beads, convoys, polecats, mail and reading the inbox.
        </div>
      )}
    </section>
  )
}
