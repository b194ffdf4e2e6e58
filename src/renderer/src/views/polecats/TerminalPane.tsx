// One polecat's terminal pane: header with its controls, the takeover banner, the xterm, and a
// status line whose height is reserved so attach/exit messages never move the terminal.
import { useEffect, useRef, useState } from 'react'
import type { Polecat } from '../../../../shared/domain'
import { StateBadge } from '../../components/Badges'
import { polecatKey } from '../../lib/format'
import { usePolecats } from '../../stores/polecats'
import { useSessions } from '../../stores/sessions'
import { attempt, useUi } from '../../stores/ui'
import { INITIAL_TERM_STATE, TermSession, type TermState } from '../../terminal/TermSession'
import { getClient } from '../../transport'

export function TerminalPane({ polecatId, visible, onStop }: { polecatId: string; visible: boolean; onStop(p: Polecat): void }) {
  const polecat = usePolecats((s) => s.items.find((p) => p.id === polecatId))
  const theme = useUi((s) => s.theme)
  const paneRef = useRef<HTMLDivElement>(null)
  const hostRef = useRef<HTMLDivElement>(null)
  const sessionRef = useRef<TermSession | null>(null)
  const [state, setState] = useState<TermState>(INITIAL_TERM_STATE)
  const [busy, setBusy] = useState(false)
  // The polecat list is the truth once loaded; the snapshot covers the moment before it is.
  const takenOver = polecat ? polecat.takenOver : state.takenOver
  // After a re-attach to a finished session there is no exit event; Seance knows how it ended.
  const ended = usePastSession(polecat?.sessionId ?? null)
  const exit = state.exit ?? (!state.running && state.phase === 'live' && ended ? ended : null)
  // Only a live session can be taken over: a finished one (done, exited, crashed, killed) has no PTY to
  // type into, whatever state its polecat is left in (idle after gt done, exited otherwise).
  const live = state.running && !exit && polecat?.state !== 'exited'

  useEffect(() => {
    const session = new TermSession(getClient(), polecatId, hostRef.current!, paneRef.current!, useUi.getState().theme, setState)
    sessionRef.current = session
    return () => {
      sessionRef.current = null
      session.dispose()
    }
  }, [polecatId])

  useEffect(() => sessionRef.current?.setTheme(theme), [theme])
  useEffect(() => sessionRef.current?.setInputEnabled(takenOver), [takenOver])
  useEffect(() => {
    if (visible) requestAnimationFrame(() => sessionRef.current?.fitNow())
  }, [visible])

  async function toggleTakeover() {
    setBusy(true)
    const method = takenOver ? 'terminal.handback' : 'terminal.takeover'
    const p = await attempt(takenOver ? 'Hand back failed' : 'Take over failed', () => getClient().call(method, { polecat: polecatId }))
    setBusy(false)
    if (p) usePolecats.getState().upsert(p)
    if (p && !p.takenOver && useUi.getState().takeoverFrom?.polecatId === polecatId) useUi.getState().setTakeoverFrom(null)
  }

  // A taken-over terminal sends every key to the agent, Tab and Esc included, so leaving it by keyboard needs
  // a chord no agent sees: Ctrl+Shift+H (terminals keep Ctrl+Shift+letter for themselves, like copy and paste).
  // It hands back, and returns to the inbox item the takeover started from.
  const takenOverRef = useRef(takenOver)
  takenOverRef.current = takenOver
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey && e.shiftKey && !e.altKey && !e.metaKey && e.key.toLowerCase() === 'h')) return
      if (!takenOverRef.current || !(e.target instanceof Node) || !paneRef.current?.contains(e.target)) return
      e.preventDefault()
      e.stopPropagation()
      const from = useUi.getState().takeoverFrom
      void (async () => {
        const p = await attempt('Hand back failed', () => getClient().call('terminal.handback', { polecat: polecatId }))
        if (!p) return
        usePolecats.getState().upsert(p)
        if (from?.polecatId === polecatId) {
          useUi.getState().setTakeoverFrom(null)
          useUi.getState().openInboxItem(from.itemId)
        }
      })()
    }
    // Capture phase: before xterm turns the chord into a control character for the agent.
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [polecatId])

  const key = polecatKey(polecatId)
  return (
    <div
      ref={paneRef}
      className={`term-pane${takenOver ? ' taken-over' : ''}`}
      data-testid={`terminal-${key}`}
      data-taken-over={takenOver ? 'true' : 'false'}
      data-phase={state.phase}
    >
      <div className="term-head">
        <span className="mono strong">{polecatId}</span>
        {polecat ? <StateBadge state={polecat.state} /> : null}
        {polecat?.branch ? <span className="mono muted ellipsis" title={polecat.branch}>{polecat.branch}</span> : null}
        {polecat?.beadId ? (
          <button className="link mono" onClick={() => { useUi.getState().select('work', polecat.beadId!); useUi.getState().setView('work') }}>
            {polecat.beadId}
          </button>
        ) : null}
        <span className="spacer" />
        {takenOver ? (
          <button className="small warn" data-testid="terminal-handback" onClick={() => void toggleTakeover()} disabled={busy}>
            Hand back
          </button>
        ) : live ? (
          <button className="small" data-testid="terminal-takeover" onClick={() => void toggleTakeover()} disabled={busy} title="Type into the agent's terminal yourself">
            Take over
          </button>
        ) : null}
        <button className="small danger-quiet" data-testid="terminal-stop" onClick={() => polecat && onStop(polecat)} disabled={!polecat || polecat.state === 'exited'}>
          Stop
        </button>
        <button className="icon" onClick={() => useUi.getState().closeTerminal(polecatId)} aria-label={`Close terminal ${polecatId}`} title="Close pane (the agent keeps running)">
          ×
        </button>
      </div>
      {takenOver ? (
        <div className="term-banner" data-testid="terminal-banner" role="status">
          TAKEN OVER — your keystrokes go to {polecatId}'s terminal; the agent waits. Hand back when done (Ctrl+Shift+H).
        </div>
      ) : null}
      <div className="term-host" ref={hostRef} onMouseDown={() => takenOver && sessionRef.current?.term.focus()} />
      <div className="term-status">
        {exit ? (
          <span className="exit" data-testid="terminal-exit">
            session ended: {exit.reason}
            {exit.exitCode !== null ? `, exit code ${exit.exitCode}` : ''}
          </span>
        ) : state.phase === 'attaching' ? (
          <span className="muted">attaching…</span>
        ) : state.phase === 'offline' ? (
          <span className="warn">offline — re-attaches when the core is back</span>
        ) : state.phase === 'error' ? (
          <span className="error">
            {state.error}{' '}
            <button className="link" onClick={() => void sessionRef.current?.attach()}>
              retry
            </button>
          </span>
        ) : state.running ? (
          <span className="muted">{takenOver ? 'input: you' : 'read-only · live'}</span>
        ) : (
          <span className="muted">not running</span>
        )}
        {state.error && state.phase !== 'error' ? <span className="error"> {state.error}</span> : null}
        {state.truncated ? <span className="muted"> · earlier output dropped from the replay buffer</span> : null}
      </div>
    </div>
  )
}

function usePastSession(sessionId: string | null): { reason: string; exitCode: number | null } | null {
  const session = useSessions((s) => (sessionId ? s.items.find((x) => x.id === sessionId) : undefined))
  if (!session?.endedAt) return null
  return { reason: session.endReason ?? 'ended', exitCode: session.exitCode }
}
