// A rig's recent check runs (checkpoints, gt done, gt check, the Run checks button here), newest first: when,
// whose worktree, why, the result and its severity, the reasons, the coverage; opened, each check's command,
// result and the tail of its output, as inert monospace text. "Run checks" queues a run for a polecat.
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { CheckRun } from '../../../../shared/domain'
import { SeverityBadge } from '../../components/Badges'
import { elapsed } from '../../lib/activity'
import { shortTime } from '../../lib/format'
import { hasCheckCommands } from '../../lib/rig-settings'
import { useNow } from '../../lib/use-now'
import { useCheckRuns } from '../../stores/check-runs'
import { usePolecats } from '../../stores/polecats'
import { useRigConfig } from '../../stores/rig-config'
import { attempt, useUi } from '../../stores/ui'

const NO_RUNS: CheckRun[] = []

export function CheckRuns({ rig }: { rig: string }) {
  const runs = useCheckRuns((s) => (s.rig === rig ? s.runs : NO_RUNS))
  const loaded = useCheckRuns((s) => s.rig === rig && s.loaded)
  const error = useCheckRuns((s) => (s.rig === rig ? s.error : null))
  const openRun = useCheckRuns((s) => s.openRun)
  const config = useRigConfig((s) => (s.rig === rig ? s.config : null))
  const now = useNow(10_000)

  // Read while shown; once the view is left, the topics re-read nothing for it.
  useEffect(() => {
    void useCheckRuns.getState().show(rig)
    return () => void useCheckRuns.getState().show(null)
  }, [rig])

  // The newest run is open until the user picks one (or closes it), so the latest result is in view.
  const shownOpen = openRun === '' ? null : openRun && runs.some((r) => r.id === openRun) ? openRun : (runs[0]?.id ?? null)

  return (
    <section className="panel check-runs" data-testid={`check-runs-${rig}`} aria-label={`Check runs of ${rig}`}>
      <h4>
        Check runs of <span className="mono">{rig}</span> <span className="muted">— at each checkpoint, at gt done, and on demand (gt check)</span>
      </h4>
      <RunChecksForm rig={rig} hasCommands={config ? hasCheckCommands(config) : true} />
      {error ? <div className="inline-error">Could not read the check runs: {error}</div> : null}
      {loaded && runs.length === 0 ? (
        <div className="muted small" data-testid="check-runs-empty">
          No check runs yet.
        </div>
      ) : null}
      <ul className="runs">
        {runs.map((r) => (
          <RunRow key={r.id} run={r} now={now} open={r.id === shownOpen} onToggle={() => useCheckRuns.getState().setOpenRun(r.id === shownOpen ? '' : r.id)} />
        ))}
      </ul>
    </section>
  )
}

function RunChecksForm({ rig, hasCommands }: { rig: string; hasCommands: boolean }) {
  const all = usePolecats((s) => s.items)
  const polecats = all.filter((p) => p.rig === rig)
  const [chosen, setChosen] = useState('')
  const [busy, setBusy] = useState(false)
  const target = polecats.some((p) => p.id === chosen) ? chosen : (polecats[0]?.id ?? '')
  if (!hasCommands) {
    return (
      <div className="muted small" data-testid="check-runs-no-commands">
        No check commands yet: set build, test or coverage in the settings (or gt rig config {rig} build &apos;npm run build&apos;).
      </div>
    )
  }
  if (polecats.length === 0) return <div className="muted small">No polecats in this rig: checks run in a polecat’s worktree.</div>
  async function run() {
    setBusy(true)
    const r = await attempt(`Run checks in ${target} failed`, () => useCheckRuns.getState().run(target))
    setBusy(false)
    if (r) useUi.getState().toast('info', `Checks queued for ${target} (${r.id})`)
  }
  return (
    <div className="fields run-checks">
      <label className="field">
        <span>worktree of</span>
        <select data-testid="check-run-polecat" value={target} onChange={(e) => setChosen(e.target.value)}>
          {polecats.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id}
              {p.beadId ? ` (${p.beadId})` : ''}
            </option>
          ))}
        </select>
      </label>
      <button className="primary" data-testid="check-run-submit" disabled={busy || !target} onClick={() => void run()}>
        {busy ? 'Queuing…' : 'Run checks'}
      </button>
    </div>
  )
}

const STATUS_WORDS: Record<CheckRun['status'], string> = {
  queued: 'queued',
  running: 'running',
  passed: 'passed',
  failed: 'failed',
  superseded: 'superseded by a newer run',
  cancelled: 'cancelled',
  error: 'could not run'
}

function RunRow({ run, now, open, onToggle }: { run: CheckRun; now: number; open: boolean; onToggle(): void }) {
  return (
    <li className={`run${open ? ' open' : ''}`} data-testid={`check-run-${run.id}`} data-status={run.status} data-severity={run.severity ?? ''} data-trigger={run.trigger}>
      <button className="run-head" aria-expanded={open} data-testid="check-run-toggle" onClick={onToggle}>
        <span className="run-caret" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className={`badge run-${run.status}`}>{STATUS_WORDS[run.status] ?? run.status}</span>
        {run.severity ? <SeverityBadge severity={run.severity} /> : null}
        <span className="mono">{run.polecatId ?? '—'}</span>
        <span className="muted">{run.trigger}</span>
        {run.coverage !== null ? <span className="muted">coverage {run.coverage}%</span> : null}
        <span className="run-reason ellipsis">{run.reasons[0] ?? ''}</span>
        <span className="spacer" />
        <span className="muted small nowrap" title={run.startedAt}>
          {elapsed(run.startedAt, now)} ago
        </span>
      </button>
      {open ? <RunDetail run={run} /> : null}
    </li>
  )
}

function RunDetail({ run }: { run: CheckRun }) {
  return (
    <div className="run-detail" data-testid="check-run-detail">
      <div className="muted small">
        {run.id} · started {shortTime(run.startedAt)}
        {run.finishedAt ? ` · finished ${shortTime(run.finishedAt)}` : ''}
        {run.head ? (
          <>
            {' '}
            · commit <span className="mono">{run.head.slice(0, 10)}</span>
          </>
        ) : null}
        {run.beadId ? (
          <>
            {' '}
            · bead <span className="mono">{run.beadId}</span>
          </>
        ) : null}
      </div>
      {run.reasons.length ? (
        <ul className="run-reasons" data-testid="check-run-reasons">
          {run.reasons.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      ) : null}
      {run.checks.length === 0 && (run.status === 'queued' || run.status === 'running') ? <div className="muted small">waiting for its result…</div> : null}
      {run.checks.map((c) => (
        <CheckResult key={c.check} check={c} />
      ))}
    </div>
  )
}

function CheckResult({ check }: { check: CheckRun['checks'][number] }) {
  const ref = useRef<HTMLPreElement>(null)
  // The end of a failing command's output is where it says why.
  useLayoutEffect(() => {
    if (ref.current) ref.current.scrollTop = ref.current.scrollHeight
  }, [check.outputTail])
  const exit = check.exitCode !== null && check.status !== 'ok' && check.status !== 'skipped' ? ` (exit ${check.exitCode})` : ''
  return (
    <div className="check-result" data-testid={`check-run-check-${check.check}`} data-status={check.status}>
      <div className="check-line">
        <span className="strong">{check.check}</span> <span className={`badge check-${check.status}`}>{check.status}{exit}</span>{' '}
        <span className="muted small">{(check.durationMs / 1000).toFixed(1)} s</span>
      </div>
      {check.command ? (
        <pre className="mono-block command" data-testid={`check-run-command-${check.check}`}>
          {check.command}
        </pre>
      ) : null}
      {check.outputTail ? (
        <pre ref={ref} className="mono-block output" data-testid={`check-run-output-${check.check}`}>
          {check.outputTail}
        </pre>
      ) : check.status !== 'skipped' ? (
        <div className="muted small">no output</div>
      ) : null}
    </div>
  )
}
