// Sling: hand a bead to a new polecat on a rig and start its agent with a runtime preset, or with
// a custom command line when one is typed (it wins over the preset).
import { useEffect, useState, type FormEvent } from 'react'
import type { Bead } from '../../../../shared/domain'
import { GLOSSARY } from '../../../../shared/domain'
import { usePolecats } from '../../stores/polecats'
import { useRigs } from '../../stores/rigs'
import { RigOptions } from '../../components/RigOptions'
import { RuntimeOptions } from '../../components/RuntimeOptions'
import { useTown } from '../../stores/town'
import { attempt, useUi } from '../../stores/ui'
import { getClient } from '../../transport'

export function SlingForm({ bead }: { bead: Bead }) {
  const rigs = useRigs((s) => s.items)
  const town = useTown((s) => s.info)
  const [rig, setRig] = useState(bead.rig ?? '')
  const [runtime, setRuntime] = useState('')
  const [agentCmd, setAgentCmd] = useState('')
  const [busy, setBusy] = useState(false)
  // What a sling waiting in the scheduler's queue hears: why it waits, or where the router started it.
  const [waiting, setWaiting] = useState<string | null>(null)

  useEffect(() => setRig(bead.rig ?? rigs[0]?.name ?? ''), [bead.id, bead.rig, rigs.length > 0]) // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!runtime && town) setRuntime(town.defaultRuntime)
  }, [town, runtime])

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (busy || !rig) return
    setBusy(true)
    setWaiting(null)
    const cmd = agentCmd.trim()
    const polecat = await attempt('Sling failed', () =>
      getClient().call('sling', { bead: bead.id, rig, ...(cmd ? { agentCmd: cmd } : runtime ? { agent: runtime } : {}) }, { onProgress: (message) => setWaiting(message) })
    )
    setBusy(false)
    setWaiting(null)
    if (!polecat) return
    usePolecats.getState().upsert(polecat)
    useUi.getState().toast('info', `${bead.id} slung to ${polecat.id}${polecat.rig !== rig ? ` (started in a twin of ${rig})` : ''}`)
    // The command stays: re-slinging after a crash usually wants the same one.
  }

  // The custom runtime is nothing without a command line.
  const needsCmd = runtime === 'custom' && !agentCmd.trim()

  return (
    <form className="sling" onSubmit={submit} aria-label="Sling bead">
      <h4 title={GLOSSARY.Sling}>
        Sling <span className="muted">— hand it to a new polecat and start its agent</span>
      </h4>
      <div className="fields">
        <label className="field">
          <span>rig</span>
          <select data-testid="sling-rig" value={rig} onChange={(e) => setRig(e.target.value)}>
            {rig === '' ? <option value="">— choose —</option> : null}
            <RigOptions />
          </select>
        </label>
        <label className="field grow">
          <span>runtime</span>
          <select data-testid="sling-runtime" value={runtime} onChange={(e) => setRuntime(e.target.value)} className={agentCmd.trim() ? "overridden" : undefined}>
            <RuntimeOptions />
          </select>
        </label>
      </div>
      <div className="fields">
        <label className="field grow">
          <span>or custom command (overrides runtime)</span>
          <input
            data-testid="sling-agent-cmd"
            className="mono"
            value={agentCmd}
            onChange={(e) => setAgentCmd(e.target.value)}
            placeholder="e.g. my-agent --yolo"
            spellCheck={false}
            autoComplete="off"
          />
        </label>
        <button type="submit" className="primary" data-testid="sling-submit" disabled={busy || !rig || needsCmd} title={needsCmd ? 'type the command to run' : undefined}>
          {busy ? 'Slinging…' : 'Sling'}
        </button>
      </div>
      {busy && waiting ? (
        <p className="muted sling-waiting" role="status" aria-live="polite" data-testid="sling-waiting">
          {waiting}
        </p>
      ) : null}
    </form>
  )
}
