// Seance: every agent session, and for the one selected its transcript (output in a terminal,
// human input and lifecycle events as a timeline beside it).
import { useEffect, useMemo } from 'react'
import type { SessionTranscript } from '../../../../shared/contract'
import { GLOSSARY, type SessionLogLine } from '../../../../shared/domain'
import { useListKeys } from '../../components/keys'
import { compactJson, duration, formatBytes, plainText, shortTime } from '../../lib/format'
import { useSessions, useTranscript } from '../../stores/sessions'
import { useUi } from '../../stores/ui'
import { TranscriptTerm } from './TranscriptTerm'

export function HistoryView() {
  const { items, loaded, error } = useSessions()
  const selected = useUi((s) => s.selection.history)
  const select = useUi((s) => s.select)

  useEffect(() => {
    void useTranscript.getState().show(selected ?? null)
  }, [selected])

  useListKeys({
    active: true,
    ids: items.map((s) => s.id),
    selected,
    onSelect: (id) => select('history', id),
    onOpen: (id) => {
      const s = items.find((x) => x.id === id)
      if (s && !s.endedAt) useUi.getState().openTerminal(s.polecatId)
    }
  })

  return (
    <section className="view-body history">
      <div className="table-wrap session-list">
        {error ? <div className="inline-error">Could not list sessions: {error}</div> : null}
        <table className="table">
          <thead>
            <tr>
              <th style={{ width: 120 }}>session</th>
              <th style={{ width: 170 }}>polecat</th>
              <th style={{ width: 110 }}>bead</th>
              <th style={{ width: 100 }}>runtime</th>
              <th style={{ width: 120 }}>started</th>
              <th style={{ width: 80 }}>took</th>
              <th>ended</th>
              <th style={{ width: 80 }}>output</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr
                key={s.id}
                data-testid={`session-row-${s.id}`}
                data-row-key={s.id}
                className={selected === s.id ? 'selected' : undefined}
                onClick={() => select('history', s.id)}
              >
                <td className="mono ellipsis" title={s.id}>
                  {s.id}
                </td>
                <td className="mono">{s.polecatId}</td>
                <td className="mono">{s.beadId ?? '—'}</td>
                <td className="mono muted">{s.runtime}</td>
                <td className="muted">{shortTime(s.startedAt)}</td>
                <td className="muted">{duration(s.startedAt, s.endedAt)}</td>
                <td>
                  {s.endedAt ? (
                    <span className={s.exitCode === 0 ? 'ok' : 'warn'}>
                      {s.endReason ?? 'ended'}
                      {s.exitCode !== null ? `, exit ${s.exitCode}` : ''}
                    </span>
                  ) : (
                    <span className="live">● live</span>
                  )}
                </td>
                <td className="muted">{formatBytes(s.outputBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {loaded && items.length === 0 ? <div className="empty">No sessions yet. {GLOSSARY.Seance}.</div> : null}
      </div>
      <TranscriptPane />
    </section>
  )
}

function TranscriptPane() {
  const { id, transcript, error, loading } = useTranscript()
  if (!id) return <div className="transcript empty">Select a session to read its transcript.</div>
  return (
    <div className="transcript" data-testid="session-transcript">
      {error ? <div className="inline-error">{error}</div> : null}
      {loading && !transcript ? <div className="muted pad">loading transcript…</div> : null}
      {transcript ? <TranscriptBody transcript={transcript} /> : null}
    </div>
  )
}

/** Keystrokes typed in one go show as one entry: consecutive input lines are joined. */
function coalesceInput(lines: SessionLogLine[]): SessionLogLine[] {
  const out: SessionLogLine[] = []
  for (const l of lines) {
    const prev = out[out.length - 1]
    if (l.kind === 'input' && prev?.kind === 'input') out[out.length - 1] = { ...prev, data: prev.data + l.data }
    else out.push(l)
  }
  return out
}

function TranscriptBody({ transcript }: { transcript: SessionTranscript }) {
  const { session, lines } = transcript
  const output = useMemo(
    () =>
      lines
        .filter((l) => l.kind === 'output')
        .sort((a, b) => a.seq - b.seq)
        .map((l) => l.data)
        .join(''),
    [lines]
  )
  const text = useMemo(() => plainText(output), [output])
  const timeline = useMemo(() => coalesceInput(lines.filter((l) => l.kind !== 'output')), [lines])
  return (
    <>
      <div className="transcript-head">
        <span className="mono strong">{session.id}</span>
        <span className="mono">{session.polecatId}</span>
        <span className="mono muted ellipsis" title={session.command}>
          $ {session.command}
        </span>
        <span className="spacer" />
        <span className="muted">
          {shortTime(session.startedAt)} → {session.endedAt ? shortTime(session.endedAt) : 'live'}
        </span>
      </div>
      <div className="transcript-body">
        <TranscriptTerm data={output} />
        <ol className="timeline" aria-label="Events and input">
          {timeline.length === 0 ? <li className="muted">no events</li> : null}
          {timeline.map((l, i) => (
            <li key={i} className={l.kind === 'input' ? 'tl-input' : 'tl-event'}>
              <span className="muted ts">{shortTime(l.t)}</span>
              {l.kind === 'input' ? (
                <>
                  <span className="kind">human input</span>
                  <code className="data">{JSON.stringify(l.data)}</code>
                </>
              ) : l.kind === 'event' ? (
                <>
                  <span className="kind">{l.event}</span>
                  {l.data !== undefined ? <code className="data">{compactJson(l.data, 240)}</code> : null}
                </>
              ) : null}
            </li>
          ))}
        </ol>
      </div>
      <pre className="sr-only" data-testid="session-transcript-text">
        {text}
      </pre>
    </>
  )
}
