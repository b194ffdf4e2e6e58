#!/usr/bin/env node
// The fake agent: the one stand-in for an AI coding CLI in tests. It is a real program, run in the real PTY
// of a polecat, calling the real `gt` on its PATH. It follows a JSON script of steps and never sleeps to
// wait: it waits for cue files the test creates (`waitFor`) and drops cue files of its own (`signal`)
// so the test knows where it is.
//
//   node fake-agent.mjs --script script.json --cues DIR
//
// Steps: {say}, {run: "shell command"}, {write: {path, content}}, {commit: "message"}, {ask: "prompt"}
// (reads one line from the terminal; later steps can use {{answer}}), {flood: bytes}, {waitFor: "cue"},
// {signal: "cue"}, {hang: true}, {crash: exitCode}, {exit: exitCode}, {ignoreHup: true} (survives its
// terminal hanging up, like an agent that ignores SIGHUP: it ignores the signal and the I/O errors after it),
// {tick: ms} (prints a line every ms, forever: busy, making no progress),
// {hook: "Event", input?: {...}} (calls `gt hook Event` with the input, as Claude Code's hooks do),
// {permission: {tool, input}} (asks through `gt hook PermissionRequest`; on allow it runs input.command,
// on deny it prints the message; either way it drops the cue permission-<n> with "allow" or "deny: …", and
// permission-<n>.asked / .ran with the times it asked and it began the allowed call, in ms since the epoch).
import { existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'

const args = process.argv.slice(2)
const opt = (name) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const cues = opt('cues') ?? process.env.FAKE_AGENT_CUES ?? join(process.cwd(), '.gt', 'cues')
const scriptFile = opt('script') ?? process.env.FAKE_AGENT_SCRIPT
mkdirSync(cues, { recursive: true })

const DEFAULT_SCRIPT = [
  { say: 'fake-agent: starting on {{GT_BEAD}} as {{GT_POLECAT}}' },
  { run: 'gt prime' },
  { signal: 'primed' },
  { ask: 'fake-agent: what should I write? ' },
  { write: { path: 'answer.txt', content: '{{answer}}\n' } },
  { commit: 'Write the answer: {{answer}}' },
  { run: 'gt checkpoint \'{"step":"committed","answer":"{{answer}}"}\'' },
  { run: 'gt note "fake-agent wrote answer.txt"' },
  { waitFor: 'finish' },
  { run: 'gt done --summary "answer.txt written by fake-agent"' },
  { signal: 'done' },
  { say: 'fake-agent: finished' },
  { exit: 0 }
]

const script = scriptFile ? JSON.parse(readFileSync(scriptFile, 'utf8')) : DEFAULT_SCRIPT
const vars = { ...process.env, answer: '' }
const fill = (s) => String(s).replace(/\{\{(\w+)\}\}/g, (_, k) => vars[k] ?? '')

// Cue files appear whole (write, then rename), so a test that sees one can read it at once.
function cue(name, content) {
  const tmp = join(cues, `.${name}.tmp`)
  writeFileSync(tmp, content)
  renameSync(tmp, join(cues, name))
}

const print = (s) => process.stdout.write(s.replace(/\n/g, '\r\n'))

function waitForFile(file) {
  if (existsSync(file)) return Promise.resolve()
  return new Promise((resolve) => {
    const w = watch(dirname(file), () => {
      if (existsSync(file)) {
        w.close()
        resolve()
      }
    })
    // watch can miss an event on some filesystems; the existence check after arming closes the race.
    if (existsSync(file)) {
      w.close()
      resolve()
    }
  })
}

const lines = createInterface({ input: process.stdin, terminal: false })
const pendingLines = []
const lineWaiters = []
lines.on('line', (l) => {
  const w = lineWaiters.shift()
  if (w) w(l)
  else pendingLines.push(l)
})
const readLine = () => (pendingLines.length ? Promise.resolve(pendingLines.shift()) : new Promise((r) => lineWaiters.push(r)))

async function step(s) {
  if (s.say !== undefined) print(fill(s.say) + '\n')
  else if (s.run !== undefined) {
    const r = spawnSync('sh', ['-c', fill(s.run)], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
    print(r.stdout + r.stderr)
    print(`fake-agent: \`${fill(s.run)}\` exited ${r.status}\n`)
    cue(`run-${s.run.split(' ')[1] ?? 'cmd'}.status`, String(r.status))
  } else if (s.write !== undefined) {
    writeFileSync(fill(s.write.path), fill(s.write.content))
    print(`fake-agent: wrote ${fill(s.write.path)}\n`)
  } else if (s.commit !== undefined) {
    spawnSync('git', ['add', '-A'], { stdio: 'ignore' })
    const r = spawnSync('git', ['commit', '-q', '-m', fill(s.commit)], { encoding: 'utf8' })
    print(`fake-agent: commit ${r.status === 0 ? 'ok' : 'failed: ' + r.stderr}\n`)
  } else if (s.ask !== undefined) {
    print(fill(s.ask))
    vars.answer = (await readLine()).trim()
    print(`fake-agent: got "${vars.answer}"\n`)
    cue('answer', vars.answer)
  } else if (s.flood !== undefined) {
    const line = 'flood '.padEnd(79, 'x') + '\r\n'
    let left = s.flood
    const chunk = line.repeat(800)
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.slice(0, left)
      if (!process.stdout.write(part)) await new Promise((r) => process.stdout.once('drain', r))
      left -= part.length
    }
  } else if (s.waitFor !== undefined) await waitForFile(join(cues, fill(s.waitFor)))
  else if (s.signal !== undefined) cue(fill(s.signal), new Date().toISOString())
  // A timer keeps the process alive even once its terminal is gone (a pending promise alone would not).
  else if (s.hang) await new Promise(() => setInterval(() => {}, 1 << 30))
  else if (s.hook !== undefined) {
    const r = spawnSync('gt', ['hook', s.hook], { input: JSON.stringify({ session_id: process.env.GT_SESSION, hook_event_name: s.hook, ...(s.input ?? {}) }), encoding: 'utf8' })
    print(`fake-agent: hook ${s.hook} answered ${r.status}: ${r.stdout.trim()}\n`)
  } else if (s.permission !== undefined) {
    const n = (vars.permissions = (Number(vars.permissions) || 0) + 1)
    const input = JSON.parse(fill(JSON.stringify(s.permission.input ?? {})))
    // When it asked and when the allowed call began, in ms since the epoch (for the bench's latencies).
    cue(`permission-${n}.asked`, String(Date.now()))
    const r = spawnSync('gt', ['hook', 'PermissionRequest'], {
      input: JSON.stringify({ session_id: process.env.GT_SESSION, hook_event_name: 'PermissionRequest', tool_name: s.permission.tool, tool_input: input }),
      encoding: 'utf8'
    })
    const decision = r.stdout.trim() ? JSON.parse(r.stdout).hookSpecificOutput?.decision : null
    if (decision?.behavior === 'allow') {
      cue(`permission-${n}.ran`, String(Date.now()))
      const run = spawnSync('sh', ['-c', input.command ?? 'true'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
      print(`fake-agent: allowed; ran it (${run.status})\n${run.stdout}${run.stderr}`)
      cue(`permission-${n}`, 'allow')
    } else {
      print(`fake-agent: not allowed: ${decision?.message ?? 'no answer'}\n`)
      cue(`permission-${n}`, `deny: ${decision?.message ?? 'no answer'}`)
    }
  } else if (s.tick !== undefined) {
    let n = 0
    setInterval(() => print(`fake-agent: still busy (${++n})\n`), s.tick)
    await new Promise(() => {})
  } else if (s.ignoreHup) {
    process.on('SIGHUP', () => {})
    for (const stream of [process.stdin, process.stdout, process.stderr]) stream.on('error', () => {})
    lines.on('error', () => {})
  }
  else if (s.crash !== undefined) {
    print('fake-agent: crashing\n')
    process.exit(s.crash)
  } else if (s.exit !== undefined) process.exit(s.exit)
  else throw new Error(`fake-agent: unknown step ${JSON.stringify(s)}`)
}

for (const s of script) await step(s)
process.exit(0)
