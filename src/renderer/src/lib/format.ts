// Small display helpers shared by the views.

/** Error text for people: the contract's message, plus field issues when the core sent them. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const issues = (err as Error & { issues?: { path: string; message: string }[] }).issues
    // Cores often put the first issue in the message already; only add what it doesn't say.
    const extra = (issues ?? []).filter((i) => !err.message.includes(i.message))
    if (extra.length > 0) return `${err.message} (${extra.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')})`
    return err.message
  }
  return String(err)
}

export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const now = new Date()
  const sameDay = d.toDateString() === now.toDateString()
  const hh = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
  return sameDay ? hh : `${d.toLocaleDateString(undefined, { month: 'short', day: '2-digit' })} ${hh}`
}

export function duration(fromIso: string, toIso: string | null): string {
  const ms = (toIso ? new Date(toIso).getTime() : Date.now()) - new Date(fromIso).getTime()
  if (!Number.isFinite(ms) || ms < 0) return '—'
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  return `${Math.floor(m / 60)}h ${m % 60}m`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

// CSI, OSC (BEL or ST terminated), and two-char escapes: what agent CLIs emit around their text.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g

/** Terminal output as plain text: escapes removed, CRLF folded, lone CR treated as a line reset. */
export function plainText(data: string): string {
  return data
    .replace(ANSI, '')
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const i = line.lastIndexOf('\r', line.length - 2)
      return (i >= 0 ? line.slice(i + 1) : line).replace(/\r$/, '')
    })
    .join('\n')
}

export function compactJson(value: unknown, max = 160): string {
  if (value === undefined || value === null) return ''
  let s: string
  try {
    s = typeof value === 'string' ? value : JSON.stringify(value)
  } catch {
    s = String(value)
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

/** Test ids and DOM ids can't contain the polecat id's slash. */
export function polecatKey(polecatId: string): string {
  return polecatId.replace(/\//g, '-')
}
