// `gt hook <Event>`: the one command every Claude Code hook of a polecat runs (see
// core/runtimes/claude/hooks-file.ts). It reads the hook's JSON on stdin, reports it to the core as the
// polecat (GT_TOKEN), waits for the answer — for a PermissionRequest, as long as the human takes — and
// prints what the core says Claude Code should do.
//
// Where GT_TOKEN or GT_ENDPOINT is missing (the worktree opened by hand) it does nothing and exits 0.
// When the core cannot be reached it also exits 0 with no answer: Claude Code then goes on as if there
// were no hook (for a permission, its own prompt in the terminal), so a stopped control room never wedges
// an agent. Killed by Claude Code (the user answered in the terminal, or the hook's timeout), it just
// dies: the core sees the connection close and resolves the inbox item. Claude Code itself killed (SIGHUP,
// a crash) leaves its hooks running, reparented (measured); gt hook watches its parent and grandparent
// (Claude Code runs hooks through `sh -c`, which stays between them) and ends when either changes, so no
// orphan keeps a permission open in the inbox.
//
// The call is `agent.hook {runtime: "claude", event, input}` on POST /rpc; its result is
// `{stdout?: string, exitCode?: number}` (exit code 2 is Claude Code's "block"). It uses node:http with no
// timeout at all: fetch() would give up on a quiet response after 5 minutes, and a human may take hours.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { isClaudeHookEvent } from '../core/runtimes/claude/hook-events'

export interface HookIo {
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export interface HookResult {
  stdout?: string
  exitCode?: number
}

/** Hook input over this many bytes is not read further: no real hook input comes near it. */
const MAX_INPUT = 8 * 1024 * 1024
/** Strings in the input longer than this are cut (a Write of a big file), to stay under the endpoint's 1 MiB. */
const MAX_STRING = 32 * 1024
/** How often a waiting hook checks that the Claude Code that ran it is still its parent. */
const PARENT_CHECK_MS = 1_000

export async function runGtHook(args: string[], io: HookIo): Promise<number> {
  const endpoint = io.env.GT_ENDPOINT
  const token = io.env.GT_TOKEN
  if (!endpoint || !token) return 0
  const event = args[0]
  if (!event || args.length !== 1 || !isClaudeHookEvent(event)) {
    io.stderr.write(`gt hook: expected one Claude Code hook event name (SessionStart, PermissionRequest, Stop, …), got ${JSON.stringify(args.join(' '))}\n`)
    return 1
  }
  let input: unknown
  try {
    const text = io.stdin.isTTY ? '{}' : await readAll(io.stdin)
    input = text.trim() ? JSON.parse(text) : {}
  } catch (err) {
    io.stderr.write(`gt hook ${event}: the hook input on stdin is not JSON (${(err as Error).message})\n`)
    return 1
  }
  let result: HookResult
  const parent = process.ppid
  const grandparent = parentOf(parent)
  const abort = new AbortController()
  const watch = setInterval(() => {
    if (process.ppid !== parent || (grandparent !== undefined && parentOf(parent) !== grandparent)) abort.abort()
  }, PARENT_CHECK_MS)
  try {
    result = await callCore(endpoint, token, { runtime: 'claude', event, input: shrink(input) }, abort.signal)
  } catch (err) {
    if (abort.signal.aborted) return 0 // nobody is left to read an answer
    io.stderr.write(`gt hook ${event}: ${(err as Error).message}; going on without the control room\n`)
    return 0
  } finally {
    clearInterval(watch)
  }
  if (typeof result.stdout === 'string' && result.stdout) io.stdout.write(result.stdout)
  return result.exitCode === 2 ? 2 : 0
}

/** The parent pid of `pid`, from /proc on Linux and `ps` elsewhere; undefined when it cannot be told. */
function parentOf(pid: number): number | undefined {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // pid (comm) state ppid …, where comm may hold spaces and parentheses
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    }
    const out = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim()
    return out ? Number(out) : undefined
  } catch {
    return undefined // gone: the next check sees the difference
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    stream.on('data', (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c
      size += b.length
      if (size > MAX_INPUT) {
        reject(new Error(`over ${MAX_INPUT} bytes`))
        return
      }
      chunks.push(b)
    })
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    stream.on('error', reject)
  })
}

function shrink(v: unknown): unknown {
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}… [${v.length - MAX_STRING} more characters not sent by gt hook]` : v
  if (Array.isArray(v)) return v.map(shrink)
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shrink(x)]))
  return v
}

function callCore(endpoint: string, token: string, params: unknown, signal: AbortSignal): Promise<HookResult> {
  let url: URL
  try {
    url = new URL('/rpc', endpoint)
  } catch {
    return Promise.reject(new Error(`GT_ENDPOINT ${JSON.stringify(endpoint)} is not a URL`))
  }
  const body = JSON.stringify({ method: 'agent.hook', params })
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', signal, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.setEncoding('utf8')
      let buffered = ''
      let settled = false
      res.on('data', (chunk: string) => {
        buffered += chunk
        let nl: number
        while (!settled && (nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl)
          buffered = buffered.slice(nl + 1)
          if (!line.trim()) continue
          let msg: { progress?: unknown; result?: unknown; error?: { message?: string } }
          try {
            msg = JSON.parse(line)
          } catch {
            settled = true
            reject(new Error(`the control room sent a line that is not JSON: ${line.slice(0, 80)}`))
            return
          }
          if (msg.progress !== undefined) continue // keep-alive while a human decides
          settled = true
          if (msg.error) reject(new Error(`the control room refused: ${msg.error.message ?? 'unknown error'}`))
          else {
            try {
              resolve(validResult(msg.result))
            } catch (err) {
              reject(err)
            }
          }
        }
      })
      res.on('end', () => {
        if (!settled) reject(new Error('the control room closed the connection without an answer'))
      })
      res.on('error', (err) => {
        if (!settled) reject(err)
      })
    })
    req.on('error', (err) => reject(new Error(`the control room at ${endpoint} is not answering (${(err as NodeJS.ErrnoException).code ?? err.message})`)))
    req.end(body)
  })
}

function validResult(v: unknown): HookResult {
  if (v === null || v === undefined) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error('the control room answered the hook with something that is not an object')
  const r = v as Record<string, unknown>
  return {
    stdout: typeof r.stdout === 'string' ? r.stdout : undefined,
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : undefined
  }
}
