// Which process a pid is, beyond its number. A pid alone says nothing after a crash: the agent may be gone
// and the number reused by another program, or the agent may be a zombie that PID 1 has not reaped yet (then
// kill(pid, 0) still succeeds). A process is named by its pid plus its start time (and, on Linux, the boot it
// started in), so a reused pid never matches, and a zombie is reported as such.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export interface ProcessInfo {
  pid: number
  /** pid + start time (+ boot id): equal only for the very same process. */
  identity: string
  /** Dead but not yet reaped: it runs nothing, holds nothing but its pid (and its group's id). */
  zombie: boolean
  pgid: number
  sid: number
}

let bootId: string | null | undefined
function linuxBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    } catch {
      bootId = null
    }
  }
  return bootId ?? 'unknown-boot'
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

/** /proc/PID/stat: "pid (comm) state ppid pgrp session … starttime(22) …"; comm may hold spaces and parens. */
function linuxInfo(pid: number): ProcessInfo | null {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  if (state === 'X') return null
  return { pid, identity: `linux:${linuxBootId()}:${pid}:${fields[19]}`, zombie: state === 'Z', pgid: Number(fields[2]), sid: Number(fields[3]) }
}

function psInfo(pid: number): ProcessInfo | null {
  try {
    const out = execFileSync('ps', ['-o', 'stat=,pgid=,sess=,lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (!out) return null
    const [stat, pgid, sid, ...start] = out.split(/\s+/)
    return { pid, identity: `ps:${pid}:${start.join(' ')}`, zombie: stat.startsWith('Z'), pgid: Number(pgid), sid: Number(sid) }
  } catch {
    return null
  }
}

/** What the process with this pid is now, or null when there is none. */
export function processInfo(pid: number): ProcessInfo | null {
  if (!Number.isInteger(pid) || pid <= 0) return null
  return hasProc ? linuxInfo(pid) : psInfo(pid)
}

/** The identity to record for a process just started (null if it is already gone). */
export function identityOf(pid: number): string | null {
  return processInfo(pid)?.identity ?? null
}

/** True only while the very process recorded as `identity` exists and is not a zombie. */
export function isSameLiveProcess(pid: number, identity: string | null): boolean {
  if (!identity) return false
  const info = processInfo(pid)
  return !!info && !info.zombie && info.identity === identity
}

/** Live (non-zombie) processes on this machine, Linux only (an empty list elsewhere). */
export function liveProcesses(): ProcessInfo[] {
  if (!hasProc) return []
  const out: ProcessInfo[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const info = linuxInfo(Number(name))
    if (info && !info.zombie) out.push(info)
  }
  return out
}

/** The environment of a process of ours (null if it is gone or not readable). */
export function processEnv(pid: number): Map<string, string> | null {
  if (!hasProc) return null
  try {
    const env = new Map<string, string>()
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const eq = entry.indexOf('=')
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1))
    }
    return env
  } catch {
    return null
  }
}

/** The working directory of a process (null if it is gone, a zombie, or not readable). */
export function processCwd(pid: number): string | null {
  if (hasProc) {
    try {
      return readlinkSync(`/proc/${pid}/cwd`)
    } catch {
      return null
    }
  }
  try {
    const out = execFileSync('lsof', ['-a', '-p', String(pid), '-d', 'cwd', '-Fn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    const line = out.split('\n').find((l) => l.startsWith('n'))
    return line ? line.slice(1) : null
  } catch {
    return null
  }
}

/** The command line of a process, for messages (empty if unknown). */
export function processCommand(pid: number): string {
  if (hasProc) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
    } catch {
      return ''
    }
  }
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return ''
  }
}
