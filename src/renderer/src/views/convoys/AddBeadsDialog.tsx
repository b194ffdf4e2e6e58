// Add beads to a convoy (convoys.add): beads free to travel, and the convoy's own stalled ones (skipped, held,
// stopped, blocked), which the core offers again. A landed convoy opens again when a bead is added.
import { useMemo, useState } from 'react'
import type { ConvoyStatus } from '../../../../shared/domain'
import { errorText } from '../../lib/format'
import { useBeads } from '../../stores/beads'
import { useConvoys } from '../../stores/convoys'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { BeadPicker } from './BeadPicker'
import { candidateBeads, emptyPick, type PickState } from './convoy-form'
import { FormDialog } from './FormDialog'

export function AddBeadsDialog({ convoy, onClose }: { convoy: ConvoyStatus; onClose(): void }) {
  const beads = useBeads((s) => s.items)
  const convoys = useConvoys((s) => s.items)
  const [pick, setPick] = useState<PickState>(emptyPick)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const candidates = useMemo(() => candidateBeads(beads, convoys, convoy), [beads, convoys, convoy])

  async function submit() {
    setBusy(true)
    setError(null)
    try {
      const c = await getClient().call('convoys.add', { id: convoy.id, beads: pick.selected })
      useConvoys.getState().upsert(c)
      useUi.getState().toast('info', `${pick.selected.length} bead${pick.selected.length === 1 ? '' : 's'} added to ${c.id}`)
      onClose()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <FormDialog title={`Add beads to ${convoy.title}`} testId="add-beads" submitLabel="Add" busy={busy} blocked={pick.selected.length ? null : 'Pick at least one bead.'} error={error} wide onSubmit={() => void submit()} onCancel={onClose}>
      <p className="muted small">
        {convoy.state === 'landed' ? 'The convoy landed: adding a bead opens it again. ' : ''}
        {convoy.molecule ? `Molecule ${convoy.molecule} is poured on each new bead that has none. ` : ''}A bead of this convoy that stalled (skipped, held, stopped) is offered again.
      </p>
      <BeadPicker candidates={candidates} pick={pick} onPick={setPick} testId="add-picker" />
    </FormDialog>
  )
}
