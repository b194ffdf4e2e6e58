// What the witness found, in words a human reads at a glance, and what the Dogs (automatic retries) do about
// each kind — so the Inbox can say what "Retry now" will do before the user presses it. The kinds and the
// Dogs' actions are the core's (src/main/core/witness/incidents.ts); test/renderer/incident-words.test.ts
// fails when a kind of the core's is missing here or its action differs. A kind the core does not have (yet)
// is harmless: it is never seen.

export type DogAction = 'nudge' | 'restart' | 'none'

interface IncidentInfo {
  /** The incident as a phrase: "its agent crashed". */
  words: string
  /** What the Dogs do with it when they may (P1, P2): nudge a live agent, restart a dead one, or nothing. */
  dogs: DogAction
  /** Judged from the agent's output alone when its runtime has no hooks (quiet, or never a sign of life). */
  outputHeuristic: boolean
}

export const INCIDENTS: Record<string, IncidentInfo> = {
  crashed: { words: 'its agent crashed', dogs: 'restart', outputHeuristic: false },
  exited_without_done: { words: 'its agent exited without gt done', dogs: 'restart', outputHeuristic: false },
  never_started: { words: 'its agent never started', dogs: 'restart', outputHeuristic: true },
  blocked_screen: { words: 'its agent is stuck on a screen that waits for a human', dogs: 'none', outputHeuristic: false },
  at_prompt_without_done: { words: 'its agent stopped at its prompt without finishing its bead', dogs: 'nudge', outputHeuristic: false },
  stuck: { words: 'its agent looks stuck: no activity for too long', dogs: 'nudge', outputHeuristic: true },
  no_progress: { words: 'its agent is busy but makes no progress (no commit, checkpoint or note)', dogs: 'nudge', outputHeuristic: false },
  check_failed: { words: "the rig's checks failed on its worktree", dogs: 'nudge', outputHeuristic: false },
  escalated: { words: 'its agent escalated to you', dogs: 'none', outputHeuristic: false },
  mass_death: { words: 'several agents died together: dispatch is paused town-wide', dogs: 'none', outputHeuristic: false },
  branch_unsafe: { words: 'its branch is not safe on its remote: a push or a save of its work failed', dogs: 'none', outputHeuristic: false },
  merge_failed: { words: "its merge request failed the rig's checks in the merge queue", dogs: 'nudge', outputHeuristic: false },
  merge_conflict: { words: 'its merge request conflicts with the target or the batch', dogs: 'nudge', outputHeuristic: false },
  molecule_timeout: { words: "its bead's molecule ran past its timeout", dogs: 'none', outputHeuristic: false },
  ledger_unwritten: { words: "the town's ledger could not be written to its git branch: a lost disk would lose what changed since", dogs: 'none', outputHeuristic: false }
}

export function incidentWords(kind: string): string {
  return INCIDENTS[kind]?.words ?? kind.replace(/_/g, ' ')
}

/** What the Dogs would do for this kind; 'none' for a kind the renderer does not know. */
export function dogActionOf(kind: string): DogAction {
  return INCIDENTS[kind]?.dogs ?? 'none'
}

/**
 * "the Dogs tried 2 times before it came to you", or why they did not; null where the Dogs have nothing to
 * do with it (an escalation, a mass death, a blocking screen: only a human can help).
 */
export function attemptsText(attempts: number, kind: string, severity: string): string | null {
  if (attempts > 0) return `the Dogs tried ${attempts} time${attempts === 1 ? '' : 's'} before it came to you`
  if (dogActionOf(kind) === 'none') return null
  return severity === 'P0' ? 'a P0 comes to you at once: the Dogs did not retry it' : 'the Dogs did not retry it before it came to you'
}

/** "raised a level after waiting unacknowledged", twice at most; null when it never was. */
export function raisedText(levels: number): string | null {
  if (levels <= 0) return null
  return levels === 1 ? 'raised a level after waiting unacknowledged' : `raised ${levels} levels after waiting unacknowledged`
}

/** One item for the same failure seen several times: "seen 3 times, on app/a, app/b, app/c"; null for once. */
export function mergedText(count: number, affected: readonly string[]): string | null {
  if (count <= 1 && affected.length <= 1) return null
  const times = `seen ${count} time${count === 1 ? '' : 's'}`
  return affected.length ? `${times}, on ${affected.join(', ')}` : times
}

/** What Retry now does for this kind, said on its button's title. */
export function retryMeaning(kind: string): string {
  switch (dogActionOf(kind)) {
    case 'nudge':
      return 'The Dogs act now, whatever their backoff: the agent is told what went wrong (restarted with it if it is gone)'
    case 'restart':
      return 'The Dogs act now, whatever their backoff: a new session on its worktree and branch, told what went wrong'
    case 'none':
      return 'The Dogs cannot help with this: only a human can'
  }
}

/** What the Dogs did, from the newest `dogs.*` ledger event after a Retry now, in words. */
export function dogsOutcome(kind: string, data: unknown): string | null {
  const d = (data && typeof data === 'object' ? data : {}) as { polecat?: string; attempt?: number; why?: string; error?: string }
  const who = d.polecat ?? 'the agent'
  const attempt = typeof d.attempt === 'number' ? ` (attempt ${d.attempt})` : ''
  switch (kind) {
    case 'dogs.nudged':
      return `the Dogs told ${who} what went wrong${attempt}`
    case 'dogs.restarted':
      return `the Dogs restarted ${who}${attempt}`
    case 'dogs.held':
      return `the Dogs held back: ${d.why ?? 'not now'}`
    case 'dogs.skipped':
      return `the Dogs did nothing: ${d.why ?? 'nothing to do'}`
    case 'dogs.failed':
      return `the Dogs could not act: ${d.error ?? 'unknown error'}`
    default:
      return null
  }
}
