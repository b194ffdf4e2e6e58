// `gt serve` as a user starts it: a real child process on a temp town, its URL read from what it prints.
import { spawn, type ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, waitForFile } from '../../test/support/fixtures'

/** Commits made by agents in their worktrees need an identity even where the machine has no git config. */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Fake Agent',
  GIT_AUTHOR_EMAIL: 'fake-agent@example.com',
  GIT_COMMITTER_NAME: 'Fake Agent',
  GIT_COMMITTER_EMAIL: 'fake-agent@example.com'
}

export interface Served {
  url: string
  proc: ChildProcess
  /** Everything it printed so far (stdout + stderr), for failure messages. */
  output(): string
  /** Sends `signal` and resolves with the exit code once the process is gone. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<number | null>
}

/**
 * `port`: 0 (a free one) unless a test needs the host back where a page last saw it. `env`: the whole
 * environment of gt serve, for tests about what it inherits (HOME, git identity); by default the tests' own
 * plus a git identity.
 */
export async function startServe(town: string, opts: { port?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const timeoutMs = opts.timeoutMs ?? 20_000
  // process.execPath: the Node that runs the tests (npx node → the project's Node 22), never the system one.
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'gt.cjs'), 'serve', '--town', town, '--port', String(opts.port ?? 0)], {
    cwd: ROOT,
    env: opts.env ?? { ...process.env, ...GIT_IDENTITY, GT_TOWN: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)))

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish()
      proc.kill('SIGKILL')
      reject(new Error(`gt serve printed no URL within ${timeoutMs} ms:\n${out}`))
    }, timeoutMs)
    const onData = () => {
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out)
      if (m) {
        finish()
        resolve(m[1])
      }
    }
    const onExit = (code: number | null) => {
      finish()
      reject(new Error(`gt serve exited (${code}) before printing its URL:\n${out}`))
    }
    const finish = () => {
      clearTimeout(timer)
      proc.stdout!.off('data', onData)
      proc.off('exit', onExit)
    }
    proc.stdout!.on('data', onData)
    proc.once('exit', onExit)
  })

  return {
    url,
    proc,
    output: () => out,
    async stop(signal, stopTimeoutMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
      proc.kill(signal)
      let timer: ReturnType<typeof setTimeout> | undefined
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), stopTimeoutMs)))
      ])
      clearTimeout(timer)
      if (code === 'timeout') {
        proc.kill('SIGKILL')
        await exited
        throw new Error(`gt serve did not exit within ${stopTimeoutMs} ms of ${signal}:\n${out}`)
      }
      return code
    }
  }
}

/** Pids of live processes whose command line mentions `marker` (a unique temp path): agents a killed host left behind. */
export function pidsMentioning(marker: string): number[] {
  let ps: string
  try {
    ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  } catch {
    return []
  }
  return ps
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes(' ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid)
}

/** Ends the processes `pidsMentioning(marker)` finds, one by one, by pid. */
export function killLeftovers(marker: string): number[] {
  const pids = pidsMentioning(marker)
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  return pids
}

/**
 * The content of a cue file the fake agent drops, once it has some. (fixtures' waitForFile resolves as soon
 * as the file exists, which can be before writeFileSync has written it, and then reads "".)
 */
export async function readCue(file: string, timeoutMs = 20_000): Promise<string> {
  await waitForFile(file, timeoutMs)
  const end = Date.now() + 2_000
  for (;;) {
    const text = readFileSync(file, 'utf8')
    if (text !== '' || Date.now() > end) return text
    await new Promise((r) => setTimeout(r, 10))
  }
}
