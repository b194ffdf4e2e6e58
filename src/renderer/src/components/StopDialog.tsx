// Stopping an agent asks first (from the Polecats view, its terminal, or an inbox item): what ends and what is kept.
import { useState } from 'react'
import type { Polecat } from '../../../shared/domain'
import { errorText } from '../lib/format'
import { usePolecats } from '../stores/polecats'
import { getClient } from '../transport'
import { ConfirmDialog } from './ConfirmDialog'

export function StopDialog({ polecat, onDone }: { polecat: Polecat; onDone(stopped: boolean): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  async function stop() {
    setBusy(true)
    try {
      usePolecats.getState().upsert(await getClient().call('polecats.stop', { polecat: polecat.id }))
      onDone(true)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }
  return (
    <ConfirmDialog title={`Stop ${polecat.id}?`} confirmLabel="Stop agent" danger busy={busy} error={error} onConfirm={() => void stop()} onCancel={() => onDone(false)}>
      <p>
        The agent process is ended. Its hook (worktree <span className="mono">{polecat.worktree}</span>, branch and session log) is kept, and{' '}
        {polecat.beadId ? <span className="mono">{polecat.beadId}</span> : 'its bead'} can be slung again.
      </p>
    </ConfirmDialog>
  )
}
