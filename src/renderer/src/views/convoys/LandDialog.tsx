// Land a convoy by hand (convoys.land). It lands on its own once every bead is closed; landing sooner is
// refused with the core's reasons, and then offered with force, which records the open beads as left out.
import { useState } from 'react'
import type { ConvoyStatus } from '../../../../shared/domain'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { errorText } from '../../lib/format'
import { useConvoys } from '../../stores/convoys'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'

export function LandDialog({ convoy, onClose }: { convoy: ConvoyStatus; onClose(): void }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [refused, setRefused] = useState(false)
  const open = convoy.beads.filter((b) => b.state !== 'landed')

  async function land(force: boolean) {
    setBusy(true)
    try {
      const c = await getClient().call('convoys.land', { id: convoy.id, force })
      useConvoys.getState().upsert(c)
      useUi.getState().toast('info', `Convoy ${c.id} landed${c.leftOut.length ? `, leaving out ${c.leftOut.join(', ')}` : ''}`)
      onClose()
    } catch (err) {
      setError(errorText(err))
      setRefused(true)
      setBusy(false)
    }
  }

  return (
    <ConfirmDialog
      title={`Land ${convoy.title}?`}
      confirmLabel="Land"
      busy={busy}
      error={error}
      extra={refused && open.length ? { label: `Land anyway, leaving ${open.length} out`, onClick: () => void land(true) } : null}
      onConfirm={() => void land(false)}
      onCancel={onClose}
    >
      {open.length ? (
        <>
          <p>
            {open.length} of {convoy.beads.length} beads are not closed:
          </p>
          <ul className="small" data-testid="land-not-landing">
            {convoy.notLanding.map((n) => (
              <li key={n.bead}>
                <span className="mono">{n.bead}</span> {n.why}
              </li>
            ))}
          </ul>
          <p className="muted small">Landing with them open records them as left out; they stay open beads.</p>
        </>
      ) : (
        <p>Every bead is closed: the convoy lands.</p>
      )}
    </ConfirmDialog>
  )
}
