// The town-wide stop, impossible to miss: after a mass death (several agents dying together) nothing is
// slung and nothing restarted until the human resumes dispatch. Shown under the header in every view.
import { useState } from 'react'
import { useTown } from '../stores/town'
import { attempt, useUi } from '../stores/ui'

export function DispatchBanner() {
  const paused = useTown((s) => s.dispatchPaused)
  const [busy, setBusy] = useState(false)
  if (paused === null) return null
  return (
    <div className="dispatch-banner" role="alert" data-testid="dispatch-banner">
      <strong>Dispatch is paused town-wide.</strong>
      <span className="dispatch-why" data-testid="dispatch-why">
        {paused}
      </span>
      <span className="muted">Nothing is slung or restarted until you resume (or: gt town resume).</span>
      <span className="spacer" />
      <button className="primary small" data-testid="dispatch-resume" disabled={busy} onClick={() => void resumeDispatch(setBusy)}>
        {busy ? 'Resuming…' : 'Resume dispatch'}
      </button>
    </div>
  )
}

/** Resume, from the banner or a mass-death item in the Inbox. */
export async function resumeDispatch(setBusy: (b: boolean) => void = () => {}): Promise<void> {
  setBusy(true)
  const resumed = await attempt('Resume dispatch failed', () => useTown.getState().resume())
  setBusy(false)
  if (resumed !== undefined) useUi.getState().toast('info', resumed ? 'Dispatch resumed: agents may be slung and restarted again' : 'Dispatch was not paused')
}
