// Start-up recovery, as it happens: "Recovering: 1 rig, 2 polecats" under the header in every view, with each
// rig and polecat step, its state in words and the core's detail (git's own message when something failed).
// Everything here is text nodes: a detail can carry what an agent or a remote wrote, never markup.
// Dismissed with its button, or Esc while nothing else has the keyboard; it comes back only if more fails.
import { useEffect, useRef, useState } from 'react'
import { hadErrors, stepState, stepTone, summaryLine, worktreeSource, type RecoveryStep, type StepKind } from '../lib/recovery-words'
import { bannerShown, stepKey, useRecovery } from '../stores/recovery'
import { typingTarget } from './keys'
import './recovery.css'

export function RecoveryBanner() {
  const report = useRecovery((s) => s.report)
  const shown = useRecovery(bannerShown)
  const trail = useRecovery((s) => s.trail)
  const dismiss = useRecovery((s) => s.dismiss)
  const [open, setOpen] = useState(true)
  const ref = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!shown) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return
      // Esc belongs to whatever has the keyboard (a field, a dialog, a panel, the diff view); from the banner
      // itself, or from nowhere in particular, it dismisses the banner.
      const inBanner = e.target instanceof Node && !!ref.current?.contains(e.target)
      const nowhere = e.target === document.body || e.target === document.documentElement
      if (!inBanner && (!nowhere || typingTarget(e.target) || document.querySelector('.diff-view'))) return
      e.preventDefault()
      dismiss()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [shown, dismiss])

  if (!shown || !report) return null
  const running = !report.finishedAt
  const failed = hadErrors(report)
  return (
    <div
      ref={ref}
      className={`recovery-banner${failed ? ' has-errors' : ''}${running ? ' running' : ''}`}
      role={failed ? 'alert' : 'status'}
      aria-live="polite"
      data-testid="recovery-banner"
      data-running={running ? 'true' : 'false'}
    >
      <div className="recovery-head">
        <strong data-testid="recovery-summary">{summaryLine(report)}</strong>
        <span className="muted">
          {running ? 'The control room restarted while agents worked: their rigs and worktrees come back, then they resume with their checkpoints.' : failed ? 'What could not be recovered is in the Inbox too.' : ''}
        </span>
        <span className="spacer" />
        <button className="small" aria-expanded={open} data-testid="recovery-toggle" onClick={() => setOpen(!open)}>
          {open ? 'Hide steps' : 'Show steps'}
        </button>
        <button className="small" data-testid="recovery-dismiss" aria-keyshortcuts="Escape" title="Dismiss (Esc)" onClick={dismiss}>
          Dismiss
        </button>
      </div>
      {open ? (
        <ul className="recovery-steps" data-testid="recovery-steps">
          {report.rigs.map((s) => (
            <Step key={stepKey('rig', s.name)} kind="rig" step={s} trail={trail[stepKey('rig', s.name)] ?? []} />
          ))}
          {report.polecats.map((s) => (
            <Step key={stepKey('polecat', s.name)} kind="polecat" step={s} trail={trail[stepKey('polecat', s.name)] ?? []} />
          ))}
        </ul>
      ) : null}
    </div>
  )
}

function Step({ kind, step, trail }: { kind: StepKind; step: RecoveryStep; trail: string[] }) {
  const id = `recovery-${kind}-${step.name.replace(/\//g, '-')}`
  // Once dispatched, the worktree's origin is no longer in the detail: say it from what the step went through.
  const source = kind === 'polecat' && step.state !== 'waiting' ? worktreeSource(trail) : null
  return (
    <li className={`recovery-step tone-${stepTone(step)}`} data-testid={id} data-state={step.state}>
      <span className="recovery-kind muted">{kind}</span>
      <span className="recovery-name mono">{step.name}</span>
      <span className="badge recovery-state" data-testid={`${id}-state`}>
        {stepState(kind, step)}
      </span>
      <span className="recovery-detail" data-testid={`${id}-detail`}>
        {step.detail ?? ''}
        {source && source !== step.detail ? <span className="muted"> · {source}</span> : null}
      </span>
    </li>
  )
}
