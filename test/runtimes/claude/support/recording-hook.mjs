#!/usr/bin/env node
// A Claude Code hook command for tests: it appends the hook's stdin JSON, with the event name it was
// registered for, to a log file (one JSON line each), and answers a PermissionRequest as the test says.
//
//   node recording-hook.mjs EVENT --log FILE [--decide allow|deny|ask] [--message TEXT] [--wait-for FILE]
//
// --wait-for FILE: a PermissionRequest holds (as a human would) until FILE exists; its content, if any, is the decision
// ("allow", "deny" or "deny:reason"), else --decide. Nothing here sleeps for a fixed time.
import { appendFileSync, existsSync, readFileSync, watch } from 'node:fs'
import { dirname, basename } from 'node:path'

const [event, ...rest] = process.argv.slice(2)
const opt = (name) => {
  const i = rest.indexOf(`--${name}`)
  return i >= 0 ? rest[i + 1] : undefined
}
const log = opt('log')
if (!event || !log) {
  process.stderr.write('usage: recording-hook.mjs EVENT --log FILE [--decide allow|deny|ask] [--message TEXT] [--wait-for FILE]\n')
  process.exit(1)
}

const chunks = []
for await (const c of process.stdin) chunks.push(c)
const raw = Buffer.concat(chunks).toString('utf8')
let input
try {
  input = JSON.parse(raw)
} catch {
  input = { unparsed: raw }
}
const record = (extra) => appendFileSync(log, JSON.stringify({ event, pid: process.pid, at: Date.now(), input, ...extra }) + '\n')
record({ phase: 'start' })
process.on('SIGTERM', () => {
  record({ phase: 'killed', signal: 'SIGTERM' })
  process.exit(143)
})

let decision = opt('decide')
let message = opt('message') ?? 'Denied by the recording hook'
// Only a permission waits for a decision; every other event just records and returns.
const waitFor = event === 'PermissionRequest' ? opt('wait-for') : undefined
if (waitFor) {
  await new Promise((resolve) => {
    const check = () => {
      if (!existsSync(waitFor)) return false
      w.close()
      resolve()
      return true
    }
    const w = watch(dirname(waitFor), () => check())
    check()
  })
  const said = readFileSync(waitFor, 'utf8').trim()
  if (said) {
    const [d, ...why] = said.split(':')
    decision = d
    if (why.length) message = why.join(':')
  }
}

if (event === 'PermissionRequest' && (decision === 'allow' || decision === 'deny')) {
  const out = { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message } } }
  process.stdout.write(JSON.stringify(out))
}
record({ phase: 'end', decision: decision ?? null })
process.exit(0)
