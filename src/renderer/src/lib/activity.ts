// A polecat's activity in words, with how long it has been so: from its runtime's hooks, or (a runtime
// without hooks) only from its process, which says less, so the view labels it as such.
import type { AgentActivity, Polecat } from '../../../shared/domain'

const WORDS: Record<AgentActivity, string> = {
  starting: 'starting',
  working: 'working',
  waiting_permission: 'waiting for permission',
  at_prompt: 'at its prompt',
  blocked_screen: 'stuck on a blocking screen',
  done: 'done',
  exited: 'exited'
}

/** Activities whose length matters to the human (a finished agent's "for how long" does not). */
const TIMED: ReadonlySet<AgentActivity> = new Set(['starting', 'working', 'waiting_permission', 'at_prompt', 'blocked_screen'])

/** "30 s", "2 min", "1 h 5 min", "3 d 2 h": how long since `iso`, rounded down, never negative. */
export function elapsed(iso: string, now: number): string {
  const ms = now - Date.parse(iso)
  if (!Number.isFinite(ms)) return '—'
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`
  const d = Math.floor(h / 24)
  return `${d} d${h % 24 ? ` ${h % 24} h` : ''}`
}

export interface ActivityText {
  activity: AgentActivity
  words: string
  /** How long, for activities where that matters; null otherwise. */
  duration: string | null
  /** What it asks or uses (e.g. "Bash: npm test"), when the core said. */
  detail: string | null
  /** The activity is only what the process shows (no runtime hooks): started, running, exited. */
  processOnly: boolean
}

export function activityText(p: Pick<Polecat, 'activity' | 'activitySince' | 'activityDetail' | 'activitySource'>, now: number): ActivityText {
  const activity = WORDS[p.activity] ? p.activity : 'working'
  return {
    activity,
    words: WORDS[activity],
    duration: TIMED.has(activity) ? elapsed(p.activitySince, now) : null,
    detail: p.activityDetail,
    processOnly: p.activitySource === 'process'
  }
}

/** The whole line: "waiting for permission · 2 min · Bash: npm test". */
export function activityLine(t: ActivityText): string {
  return [t.words, t.duration, t.detail].filter(Boolean).join(' · ')
}
