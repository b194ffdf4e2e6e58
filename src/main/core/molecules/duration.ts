// A molecule's timeout as written in its template: "2h", "90m", "1h30m", "45s", "1d".

/** The longest timeout a template may set: past a month, the escalation would be forgotten anyway. */
export const MAX_TIMEOUT_SECONDS = 30 * 86_400

const FORM = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/** Seconds, or a message that says what is accepted. */
export function parseDuration(text: string): { seconds: number } | { problem: string } {
  const compact = text.trim().toLowerCase().replace(/\s+/g, '')
  const m = FORM.exec(compact)
  if (!compact || !m || m.slice(1).every((x) => x === undefined)) {
    return { problem: `${JSON.stringify(text)} is not a duration: write it like "2h", "90m", "1h30m", "45s" or "1d"` }
  }
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0))
  const seconds = d * 86_400 + h * 3_600 + min * 60 + s
  if (seconds <= 0) return { problem: `${JSON.stringify(text)} is no time at all: give a timeout above zero, or leave it out` }
  if (seconds > MAX_TIMEOUT_SECONDS) return { problem: `${JSON.stringify(text)} is longer than 30 days, the longest timeout a molecule may have` }
  return { seconds }
}

/** "2h", "1h30m", "45s": how long, for people. */
export function formatDuration(seconds: number): string {
  const parts: string[] = []
  let left = Math.round(seconds)
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`)
      left %= size
    }
  }
  return parts.join('') || '0s'
}
