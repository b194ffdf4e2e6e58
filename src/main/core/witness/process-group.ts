// Ending everything a check command started. The command runs as the leader of its own session and process
// group (spawn's `detached`: setsid, so no controlling terminal either), and each of its processes carries a
// marker in its environment. To stop it, SIGTERM goes to the group and to every marked process (one that
// moved to a group of its own with setsid is still found by its marker), then SIGKILL to what is left after
// the grace period.
//
// "Left" is decided from /proc, never from kill(pid, 0): a killed process whose parent has died is re-parented
// to PID 1, and where PID 1 does not reap (a container's shell, this machine), it stays a zombie that still
// answers kill(0) and still holds its group's id, while it runs nothing and holds no file. Zombies count as
// gone. A group id is signalled only while a live member carries our marker or while our leader has not been
// reaped, so a reused group id of some other program is never hit.
import { liveProcesses, processEnv } from '../processes/process-identity'

export const CHECK_MARKER_VARIABLE = 'GT_CHECK_RUN'

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig)
  } catch {
    // already gone
  }
}

/** Live processes that belong to the command: members of its group, and any carrying its marker. */
export function liveMembers(pgid: number, marker: string): number[] {
  const out: number[] = []
  for (const p of liveProcesses()) {
    if (p.pid === process.pid) continue
    if (p.pgid === pgid || processEnv(p.pid)?.get(CHECK_MARKER_VARIABLE) === marker) out.push(p.pid)
  }
  return out
}

const procAvailable = (() => {
  try {
    return liveProcesses().length > 0
  } catch {
    return false
  }
})()

export interface EndGroupOptions {
  pgid: number
  marker: string
  /** True while our leader has not exited (its pid, so its group id, cannot have been reused). */
  leaderRunning: () => boolean
  graceMs: number
}

/** Sends `sig` to the group and every marked process; returns whether anything was alive to get it. */
function signalAll(opts: EndGroupOptions, sig: NodeJS.Signals): boolean {
  if (!procAvailable) {
    // No /proc (macOS): the group is all we can reach, and only while its leader is surely ours.
    if (opts.leaderRunning()) signal(-opts.pgid, sig)
    return opts.leaderRunning()
  }
  const members = liveMembers(opts.pgid, opts.marker)
  const groupIsOurs = opts.leaderRunning() || members.some((pid) => processEnv(pid)?.get(CHECK_MARKER_VARIABLE) === opts.marker)
  if (groupIsOurs) signal(-opts.pgid, sig)
  for (const pid of members) if (processEnv(pid)?.get(CHECK_MARKER_VARIABLE) === opts.marker) signal(pid, sig)
  return members.length > 0 || opts.leaderRunning()
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * SIGTERM, then SIGKILL after `graceMs` to whatever still lives; resolves once nothing of the command is
 * alive (or, if something survives SIGKILL — stuck in the kernel — after a further 2 s). Returns whether
 * SIGKILL was needed.
 */
export async function endProcessGroup(opts: EndGroupOptions): Promise<boolean> {
  if (!signalAll(opts, 'SIGTERM')) return false
  const deadline = Date.now() + opts.graceMs
  while (Date.now() < deadline) {
    await sleep(50)
    if (!stillAlive(opts)) return false
  }
  signalAll(opts, 'SIGKILL')
  const killDeadline = Date.now() + 2000
  while (stillAlive(opts) && Date.now() < killDeadline) {
    await sleep(20)
    signalAll(opts, 'SIGKILL')
  }
  return true
}

function stillAlive(opts: EndGroupOptions): boolean {
  if (!procAvailable) return opts.leaderRunning()
  return opts.leaderRunning() || liveMembers(opts.pgid, opts.marker).length > 0
}
