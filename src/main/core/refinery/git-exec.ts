// Runs git for the refinery where the exit code is the answer (diff --quiet, a rebase that stops on a
// conflict, a push whose lease fails) or where the input goes in on stdin (cat-file --batch-check, a commit
// message). simple-git resolves a failing command that printed nothing, so it cannot say "no" here.
// Same environment as every other git the core runs (gitEnv: no prompts, no inherited GIT_DIR), plus C
// messages, which the refinery reads.
import { spawn } from 'node:child_process'
import { gitEnv } from '../git/git'

export interface GitRun {
  code: number
  stdout: string
  stderr: string
}

export interface GitRunOptions {
  /** Added to the environment (identity variables). */
  env?: Record<string, string>
  /** Written to git's stdin, then closed. */
  input?: string
  /** Killed after this long (a push to a server that went quiet); reported as code -1. */
  timeoutMs?: number
}

export function runGit(dir: string, args: string[], opts: GitRunOptions = {}): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: dir,
      env: { ...gitEnv(), LC_ALL: 'C', LANGUAGE: 'C', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout?.on('data', (b: Buffer) => out.push(b))
    child.stderr?.on('data', (b: Buffer) => err.push(b))
    let timedOut = false
    const timer = opts.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs) : null
    child.on('error', (e) => {
      if (timer) clearTimeout(timer)
      reject(new Error(`git ${args[0]} could not start in ${dir}: ${e.message}`))
    })
    child.on('close', (code) => {
      if (timer) clearTimeout(timer)
      const stderr = Buffer.concat(err).toString('utf8')
      resolve({
        code: timedOut ? -1 : (code ?? -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: timedOut ? `${stderr}git ${args[0]} gave no answer within ${opts.timeoutMs} ms and was stopped` : stderr
      })
    })
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}) // git may exit before reading everything; its exit code says why
      child.stdin.end(opts.input)
    }
  })
}

/** git's own last error line, for a message that says what failed. */
export function gitFailure(r: GitRun): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'))
  const fatal = lines.find((l) => /^(fatal|error):/.test(l))
  return (fatal ?? lines[lines.length - 1] ?? `exit code ${r.code}`).replace(/^(fatal|error):\s*/, '')
}

/** Runs git and returns its stdout; a non-zero exit throws, naming the command, the folder and git's reason. */
export async function gitOk(dir: string, args: string[], opts: GitRunOptions = {}): Promise<string> {
  const r = await runGit(dir, args, opts)
  if (r.code !== 0) throw new Error(`git ${subcommand(args)} failed in ${dir}: ${gitFailure(r)}`)
  return r.stdout
}

/** The command's name without the leading `-c key=value` settings. */
function subcommand(args: string[]): string {
  let i = 0
  while (args[i] === '-c') i += 2
  return args.slice(i, i + 2).join(' ')
}
