// A new bead: title first (the only required field), the rest defaulted the way the core does.
import { useState, type FormEvent } from 'react'
import { BEAD_TYPES, type BeadType } from '../../../../shared/domain'
import { useBeadDetail, useBeads } from '../../stores/beads'
import { RigOptions } from '../../components/RigOptions'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'

// Escalations and merge requests are made by the core and agents, not by hand.
const CREATABLE = BEAD_TYPES.filter((t) => t !== 'merge-request' && t !== 'escalation')

export function CreateBeadForm() {
  const [title, setTitle] = useState('')
  const [description, setDescription] = useState('')
  const [priority, setPriority] = useState(2)
  const [type, setType] = useState<BeadType>('task')
  const [rig, setRig] = useState('')
  const [labels, setLabels] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (busy) return
    setBusy(true)
    const bead = await attempt('Create bead failed', () =>
      getClient().call('beads.create', {
        title,
        description,
        priority,
        type,
        rig: rig || null,
        labels: labels
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean)
      })
    )
    setBusy(false)
    if (!bead) return
    useBeads.getState().upsert(bead)
    useUi.getState().select('work', bead.id)
    void useBeadDetail.getState().show(bead.id)
    setTitle('')
    setDescription('')
    setLabels('')
  }

  return (
    <form className="panel create-bead" onSubmit={submit} aria-label="Create bead">
      <div className="fields">
        <label className="field grow">
          <span>new bead</span>
          <input
            data-testid="bead-create-title"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="Title: what should get done"
            maxLength={300}
            autoComplete="off"
          />
        </label>
        <label className="field">
          <span>priority</span>
          <select data-testid="bead-create-priority" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
            {[0, 1, 2, 3, 4].map((p) => (
              <option key={p} value={p}>
                P{p}
                {p === 0 ? ' highest' : p === 4 ? ' lowest' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>type</span>
          <select data-testid="bead-create-type" value={type} onChange={(e) => setType(e.target.value as BeadType)}>
            {CREATABLE.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>rig</span>
          <select data-testid="bead-create-rig" value={rig} onChange={(e) => setRig(e.target.value)}>
            <option value="">— none —</option>
            <RigOptions />
          </select>
        </label>
        <label className="field" style={{ width: 150 }}>
          <span>labels</span>
          <input
            data-testid="bead-create-labels"
            value={labels}
            onChange={(e) => setLabels(e.target.value)}
            placeholder="ui, backend"
            autoComplete="off"
          />
        </label>
      </div>
      <div className="fields">
        <label className="field grow">
          <span className="sr-only">description</span>
          <textarea
            data-testid="bead-create-description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            placeholder="Description (optional): context, acceptance criteria, links"
            rows={2}
          />
        </label>
        <button type="submit" className="primary" data-testid="bead-create-submit" disabled={busy || !title.trim()}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  )
}
