// When a snoozed inbox item comes back: a few common choices, or a time the user types (local time).

export interface SnoozeChoice {
  key: string
  label: string
  until: Date
}

/** 15 min, 1 h, 4 h, and tomorrow at 9:00 local time, each with the key that picks it. */
export function snoozeChoices(now: Date): SnoozeChoice[] {
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0)
  return [
    { key: '1', label: '15 min', until: new Date(now.getTime() + 15 * 60_000) },
    { key: '2', label: '1 h', until: new Date(now.getTime() + 60 * 60_000) },
    { key: '3', label: '4 h', until: new Date(now.getTime() + 4 * 60 * 60_000) },
    { key: '4', label: 'tomorrow 9:00', until: tomorrow }
  ]
}

/**
 * The value of an <input type="datetime-local"> ("2026-12-01T18:30", local time) as a Date; an error
 * message when it is empty, unreadable or not in the future.
 */
export function parseSnoozeTime(value: string, now: Date): Date | string {
  if (!value.trim()) return 'Pick a time to snooze until.'
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim())
  if (!m) return `"${value}" is not a time like 2026-12-01T18:30.`
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))
  if (Number.isNaN(d.getTime())) return `"${value}" is not a time like 2026-12-01T18:30.`
  if (d.getTime() <= now.getTime()) return 'That time has passed: pick one in the future.'
  return d
}

/** A Date as the value a datetime-local input shows (local time, minutes). */
export function toLocalInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}
