// Finding and ending an agent's processes after the control room that started them died.
//
// An agent is a session leader (node-pty calls setsid), so its process group has the agent's pid as its id.
// After a crash of the host the kernel hangs up the agent's terminal, but an agent that ignores SIGHUP keeps
// running, and so do processes it started. Two ways to find them, both immune to pid reuse:
//  - the recorded leader, if the process with that pid has the recorded identity (alive or zombie: while the
//    zombie holds the pid, its group id cannot be reused either), then its whole process group;
//  - every process whose environment carries the session's GT_SESSION (Linux): the agent's children inherit
//    it, whatever group they moved to.
import { isSameLiveProcess, liveProcesses, processCommand, processCwd, processEnv, processInfo } from './process-identity'

export interface RecordedAgent {
  sessionId: string
  pid: number | null
  identity: string | null
}

export interface EndedAgent {
  sessionId: string
  /** Processes found alive and ended. */
  pids: number[]
  /** Whether some needed SIGKILL after the grace period. */
  killed: boolean
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig)
  } catch {
    // gone already, or never ours
  }
}

/** Pids of live processes carrying GT_SESSION=<id>, for each of the given session ids (one scan of /proc). */
export function processesBySession(sessionIds: Iterable<string>): Map<string, number[]> {
  const wanted = new Set(sessionIds)
  const found = new Map<string, number[]>()
  if (wanted.size === 0) return found
  for (const p of liveProcesses()) {
    if (p.pid === process.pid) continue
    const session = processEnv(p.pid)?.get('GT_SESSION')
    if (session && wanted.has(session)) found.set(session, [...(found.get(session) ?? []), p.pid])
  }
  return found
}

/**
 * Ends every process of the recorded agents that is still alive: SIGTERM to the leader's group and to each
 * marked process, then SIGKILL to whatever is left after `graceMs`. Zombies count as gone.
 */
export async function endRecordedAgents(agents: RecordedAgent[], graceMs = 3000): Promise<EndedAgent[]> {
  const marked = processesBySession(agents.map((a) => a.sessionId))
  const plans = agents.map((a) => {
    const leaderIsOurs = a.pid !== null && !!a.identity && processInfo(a.pid)?.identity === a.identity
    return { agent: a, group: leaderIsOurs ? a.pid : null, pids: new Set(marked.get(a.sessionId) ?? []) }
  })
  const alive = (plan: (typeof plans)[number]): number[] => {
    const pids = [...plan.pids].filter((pid) => {
      const info = processInfo(pid)
      return !!info && !info.zombie
    })
    if (plan.group !== null && isSameLiveProcess(plan.group, plan.agent.identity) && !pids.includes(plan.group)) pids.push(plan.group)
    if (plan.group !== null) for (const p of groupMembers(plan.group)) if (!pids.includes(p)) pids.push(p)
    return pids
  }
  const results = plans.map((plan) => ({ plan, initial: alive(plan), killed: false }))
  for (const r of results) {
    if (r.initial.length === 0) continue
    if (r.plan.group !== null) signal(-r.plan.group, 'SIGTERM')
    for (const pid of r.initial) signal(pid, 'SIGTERM')
  }
  const deadline = Date.now() + graceMs
  while (results.some((r) => r.initial.length && alive(r.plan).length) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50))
  for (const r of results) {
    const left = r.initial.length ? alive(r.plan) : []
    if (left.length === 0) continue
    r.killed = true
    if (r.plan.group !== null) signal(-r.plan.group, 'SIGKILL')
    for (const pid of left) signal(pid, 'SIGKILL')
  }
  // SIGKILL cannot be ignored; wait (briefly) until the kernel has taken them down, so callers see them gone.
  const killDeadline = Date.now() + 2000
  while (results.some((r) => r.killed && alive(r.plan).length) && Date.now() < killDeadline) await new Promise((res) => setTimeout(res, 20))
  return results.filter((r) => r.initial.length).map((r) => ({ sessionId: r.plan.agent.sessionId, pids: r.initial, killed: r.killed }))
}

/** Live members of a process group (Linux; elsewhere only what kill(-pgid) reaches). */
function groupMembers(pgid: number): number[] {
  return liveProcesses()
    .filter((p) => p.pgid === pgid)
    .map((p) => p.pid)
}

export interface DirectoryHolder {
  pid: number
  command: string
}

/**
 * Live processes whose working directory is `dir` or inside it (Linux: /proc; elsewhere: none found) — but
 * not the core's own git commands: they run in the core's process group (agents run in a PTY session of
 * their own) and a recovery or a keeper may be working in that worktree at the same moment; they end by
 * themselves and are no agent.
 */
export function processesInside(dir: string): DirectoryHolder[] {
  const root = dir.endsWith('/') ? dir.slice(0, -1) : dir
  const ownGroup = processInfo(process.pid)?.pgid ?? null
  const out: DirectoryHolder[] = []
  for (const p of liveProcesses()) {
    if (p.pid === process.pid) continue
    const cwd = processCwd(p.pid)
    if (!cwd || (cwd !== root && !cwd.startsWith(root + '/'))) continue
    const command = processCommand(p.pid)
    if (ownGroup !== null && p.pgid === ownGroup && /^(?:\S*\/)?git(?:\s|$)/.test(command)) continue
    out.push({ pid: p.pid, command })
  }
  return out
}
