// The town's agent runtimes as <option>s (the command each runs on hover), for the forms that start agents.
import { useTown } from '../stores/town'

export function RuntimeOptions() {
  const runtimes = useTown((s) => s.info?.runtimes)
  return (
    <>
      {(runtimes ?? []).map((r) => (
        <option key={r.name} value={r.name} title={r.command.join(' ')}>
          {r.label}
        </option>
      ))}
    </>
  )
}
