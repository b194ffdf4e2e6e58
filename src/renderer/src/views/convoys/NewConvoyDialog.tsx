// New convoy: a title, a molecule (its description, steps and variables; the required ones asked for), the
// mode (the molecule's by default), the runtime or a custom agent command (as Sling offers), and the beads.
// It calls convoys.create; a refusal (a bead in another convoy, a cycle, a pour that failed) shows in the
// core's words and the form stays as it was.
import { useEffect, useMemo, useState } from 'react'
import { CONVOY_MODES, type ConvoyMode, type MoleculeDetail, type MoleculeEntry } from '../../../../shared/domain'
import { errorText } from '../../lib/format'
import { useBeads } from '../../stores/beads'
import { useConvoys } from '../../stores/convoys'
import { useTown } from '../../stores/town'
import { RuntimeOptions } from '../../components/RuntimeOptions'
import { useUi } from '../../stores/ui'
import { getClient } from '../../transport'
import { BeadPicker } from './BeadPicker'
import { askedVars, candidateBeads, createParams, emptyPick, moleculeChoices, type PickState } from './convoy-form'
import { FormDialog } from './FormDialog'

export function NewConvoyDialog({ onClose }: { onClose(): void }) {
  const beads = useBeads((s) => s.items)
  const convoys = useConvoys((s) => s.items)
  const town = useTown((s) => s.info)
  const [title, setTitle] = useState('')
  const [molecules, setMolecules] = useState<MoleculeEntry[] | null>(null)
  const [moleculeError, setMoleculeError] = useState<string | null>(null)
  const [molecule, setMolecule] = useState('')
  const [detail, setDetail] = useState<MoleculeDetail | null>(null)
  const [detailError, setDetailError] = useState<string | null>(null)
  const [vars, setVars] = useState<Record<string, string>>({})
  const [mode, setMode] = useState<'' | ConvoyMode>('')
  const [runtime, setRuntime] = useState(town?.defaultRuntime ?? '')
  const [agentCmd, setAgentCmd] = useState('')
  const [pick, setPick] = useState<PickState>(emptyPick)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    getClient()
      .call('molecules.list', {})
      .then((list) => live && setMolecules(moleculeChoices(list)))
      .catch((err) => live && setMoleculeError(`Could not list molecules: ${errorText(err)}`))
    return () => {
      live = false
    }
  }, [])
  useEffect(() => {
    if (!runtime && town) setRuntime(town.defaultRuntime)
  }, [town, runtime])
  useEffect(() => {
    setDetail(null)
    setDetailError(null)
    setVars({})
    if (!molecule) return
    let live = true
    getClient()
      .call('molecules.show', { name: molecule })
      .then((d) => live && setDetail(d))
      .catch((err) => live && setDetailError(`Could not read molecule ${molecule}: ${errorText(err)}`))
    return () => {
      live = false
    }
  }, [molecule])

  const candidates = useMemo(() => candidateBeads(beads, convoys), [beads, convoys])
  const template = detail && detail.template.name === molecule ? detail.template : null
  // The town's default runtime is not named: the convoy then follows the default (agent null), as gt convoy create does.
  const form = { title, molecule, template, vars, mode, runtime: runtime === town?.defaultRuntime ? '' : runtime, agentCmd, beads: pick.selected }
  const built = createParams(form)
  const moleculeMode = template?.convoy?.mode ?? null

  async function submit() {
    if (!('params' in built)) return
    setBusy(true)
    setError(null)
    try {
      const convoy = await getClient().call('convoys.create', built.params)
      useConvoys.getState().upsert(convoy)
      useUi.getState().select('convoys', convoy.id)
      useUi.getState().toast('info', `Convoy ${convoy.id} created: ${convoy.beads.length} bead${convoy.beads.length === 1 ? '' : 's'} in ${convoy.waves.length} wave${convoy.waves.length === 1 ? '' : 's'}`)
      onClose()
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <FormDialog title="New convoy" testId="new-convoy" submitLabel="Create" busy={busy} blocked={'problem' in built ? built.problem : null} error={error} wide onSubmit={() => void submit()} onCancel={onClose}>
      <div className="fields">
        <label className="field grow">
          <span>title</span>
          <input data-testid="new-convoy-title" value={title} onChange={(e) => setTitle(e.target.value)} placeholder="What this batch delivers" maxLength={300} autoComplete="off" />
        </label>
      </div>
      <div className="fields">
        <label className="field grow">
          <span>molecule (task template)</span>
          <select data-testid="new-convoy-molecule" value={molecule} onChange={(e) => setMolecule(e.target.value)} disabled={!molecules}>
            <option value="">— none: each bead as it is —</option>
            {(molecules ?? []).map((m) => (
              <option key={m.name} value={m.name}>
                {m.name} · {m.steps} step{m.steps === 1 ? '' : 's'} · {m.rig ? `rig ${m.rig}` : m.origin}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>mode</span>
          <select data-testid="new-convoy-mode" value={mode} onChange={(e) => setMode(e.target.value as '' | ConvoyMode)}>
            <option value="">{moleculeMode ? `${moleculeMode} (the molecule's)` : 'mountain (default)'}</option>
            {CONVOY_MODES.map((m) => (
              <option key={m} value={m}>
                {m === 'mountain' ? 'mountain — each wave starts on its own' : 'gated — each wave waits for approval'}
              </option>
            ))}
          </select>
        </label>
      </div>
      {moleculeError ? <div className="inline-error">{moleculeError}</div> : null}
      {detailError ? <div className="inline-error">{detailError}</div> : null}
      {molecule && !template && !detailError ? <div className="muted small">Reading {molecule}…</div> : null}
      {template ? (
        <div className="panel small molecule-summary" data-testid="new-convoy-molecule-detail">
          <div>{template.description || <span className="muted">no description</span>}</div>
          <div className="muted">
            {template.steps.map((s) => s.title).join(' → ')}
            {template.timeout ? ` · timeout ${template.timeout.text}` : ''} · poured on each bead that has no molecule yet
          </div>
          {askedVars(template).map((v) => (
            <label className="field" key={v.name}>
              <span>
                {v.name}
                {v.required && v.default === null ? ' (required)' : ''}
                {v.description ? <span className="muted"> — {v.description}</span> : null}
              </span>
              <input data-testid={`new-convoy-var-${v.name}`} value={vars[v.name] ?? ''} onChange={(e) => setVars({ ...vars, [v.name]: e.target.value })} placeholder={v.default !== null ? `default: ${v.default || '(empty)'}` : ''} autoComplete="off" />
            </label>
          ))}
        </div>
      ) : null}
      <div className="fields">
        <label className="field">
          <span>runtime</span>
          <select data-testid="new-convoy-runtime" value={runtime} onChange={(e) => setRuntime(e.target.value)} className={agentCmd.trim() ? 'overridden' : undefined}>
            <RuntimeOptions />
          </select>
        </label>
        <label className="field grow">
          <span>or custom command (overrides runtime)</span>
          <input data-testid="new-convoy-agent-cmd" className="mono" value={agentCmd} onChange={(e) => setAgentCmd(e.target.value)} placeholder="e.g. my-agent --yolo" spellCheck={false} autoComplete="off" />
        </label>
      </div>
      <BeadPicker candidates={candidates} pick={pick} onPick={setPick} />
    </FormDialog>
  )
}
