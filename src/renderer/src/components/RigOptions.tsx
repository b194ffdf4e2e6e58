// The rigs as <option>s, for every form that picks a rig.
import { useRigs } from '../stores/rigs'

export function RigOptions() {
  const rigs = useRigs((s) => s.items)
  return (
    <>
      {rigs.map((r) => (
        <option key={r.name} value={r.name}>
          {r.name}
        </option>
      ))}
    </>
  )
}
