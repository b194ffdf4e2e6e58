// The check runner against real processes: results, time limits that end whole process groups (zombies
// count as gone), bounded output from a command that prints forever, one run per worktree with newer
// requests superseding waiting ones, cancellation, and an environment that cannot prompt.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CheckRunner, type CheckEvent, type CheckOutcome } from '../../src/main/core/witness/check-runner'
import type { CheckRunResult } from '../../src/main/core/witness/check-result'
import { liveProcesses, processInfo } from '../../src/main/core/processes/process-identity'
import { eventually, makeRepo, removeDir, tempDir } from '../support/fixtures'

const NODE = JSON.stringify(process.execPath)

/** Collects events; waitFor resolves when one matching arrives (or has). */
function recorder() {
  const events: CheckEvent[] = []
  const waiters: Array<{ match: (e: CheckEvent) => boolean; resolve: (e: CheckEvent) => void }> = []
  return {
    events,
    push: (e: CheckEvent) => {
      events.push(e)
      for (const w of [...waiters]) if (w.match(e)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(e)
    },
    waitFor(match: (e: CheckEvent) => boolean, timeoutMs = 20_000): Promise<CheckEvent> {
      const seen = events.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a check event')), timeoutMs)
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) })
      })
    }
  }
}

function completed(o: CheckOutcome): CheckRunResult {
  assert.equal(o.status, 'completed', JSON.stringify(o).slice(0, 2000))
  return (o as { result: CheckRunResult }).result
}

const isGone = (pid: number) => {
  const info = processInfo(pid)
  return !info || info.zombie
}

/** A command that waits until `file` exists: tests release it, never sleep. */
const waitForFileCmd = (file: string) => `while [ ! -e ${JSON.stringify(file)} ]; do sleep 0.02; done`

test('a green run: each check in order, its output, exit code and duration; the coverage figure; events', async () => {
  const wt = makeRepo()
  const rec = recorder()
  const runner = new CheckRunner({ onEvent: rec.push })
  try {
    writeFileSync(join(wt, 'README.md'), 'changed\n')
    const ticket = runner.request({ worktree: wt, reason: 'checkpoint', commands: { build: 'echo building', test: 'echo "2 passed, 0 failed"', coverage: 'echo "Lines        : 71.2% ( 712/1000 )"' } })
    const r = completed(await ticket.outcome)
    assert.equal(r.overall, 'ok')
    assert.deepEqual(
      r.checks.map((c) => [c.check, c.status, c.exitCode, c.outputHead]),
      [
        ['build', 'ok', 0, 'building\n'],
        ['test', 'ok', 0, '2 passed, 0 failed\n'],
        ['coverage', 'ok', 0, 'Lines        : 71.2% ( 712/1000 )\n']
      ]
    )
    assert.ok(r.checks.every((c) => c.durationMs >= 0 && c.timeoutMs > 0 && c.outputTail === '' && !c.outputTruncated))
    assert.equal(r.coverage?.percent, 71.2)
    assert.equal(r.coverage?.format, 'istanbul-summary')
    assert.match(r.head ?? '', /^[0-9a-f]{40}$/)
    assert.equal(r.dirty, true, 'the worktree had an uncommitted change')
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'a plain object, ready to store')
    const mine = rec.events.filter((e) => e.runId === ticket.runId)
    assert.deepEqual(
      mine.map((e) => e.type + ('check' in e ? `:${e.check}` : e.type === 'command-finished' ? `:${e.result.check}` : '')),
      ['queued', 'started', 'command-started:build', 'output:build', 'command-finished:build', 'command-started:test', 'output:test', 'command-finished:test', 'command-started:coverage', 'output:coverage', 'command-finished:coverage', 'finished']
    )
    // Live output (the merge queue shows a candidate's checks as they print), each command's own.
    const printed = (check: string) => mine.filter((e) => e.type === 'output' && e.check === check).map((e) => (e as { text: string }).text).join('')
    assert.equal(printed('build'), 'building\n')
    assert.equal(printed('test'), '2 passed, 0 failed\n')
    assert.ok(mine.every((e) => e.reason === 'checkpoint'))
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('a failing build stops the run: tests and coverage are skipped, saying why; empty commands are skipped', async () => {
  const wt = tempDir('chk-build')
  const runner = new CheckRunner()
  try {
    const r = completed(await runner.request({ worktree: wt, commands: { build: 'echo "src/a.ts(3,7): error TS2322: nope" >&2; exit 2', test: 'echo never', coverage: 'echo never' } }).outcome)
    assert.equal(r.overall, 'failed')
    const [build, tests, coverage] = r.checks
    assert.equal(build?.status, 'failed')
    assert.equal(build?.exitCode, 2)
    assert.equal(build?.note, 'exit code 2')
    assert.match(build?.outputHead ?? '', /error TS2322/, 'stderr is captured')
    assert.deepEqual([tests?.status, tests?.note], ['skipped', 'not run: the build check did not pass'])
    assert.equal(coverage?.status, 'skipped')
    assert.equal(r.coverage, null)
    assert.equal(r.head, null, 'not a git work tree')

    const t = completed(await runner.request({ worktree: wt, commands: { build: '', test: 'echo "1 passed, 1 failed"; exit 1', coverage: 'echo never' } }).outcome)
    assert.deepEqual(
      t.checks.map((c) => [c.check, c.status, c.note]),
      [
        ['build', 'skipped', 'no command is set for this check'],
        ['test', 'failed', 'exit code 1'],
        ['coverage', 'skipped', 'not run: the test check did not pass']
      ]
    )
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('the environment cannot prompt: no TTY, stdin at end of file, CI=1, git never asks; the core’s tokens stay out', async () => {
  const wt = tempDir('chk-env')
  const runner = new CheckRunner()
  const saved = process.env.GT_TOKEN
  process.env.GT_TOKEN = 'secret-of-the-core'
  try {
    const script = [
      '[ -t 0 ] || echo stdin-not-a-tty',
      'cat', // would wait forever on an open stdin
      '(exec 3</dev/tty) 2>/dev/null || echo no-controlling-terminal',
      'echo "CI=$CI GIT_TERMINAL_PROMPT=$GIT_TERMINAL_PROMPT GIT_EDITOR=$GIT_EDITOR NO_COLOR=$NO_COLOR token=${GT_TOKEN:-none}"'
    ].join('\n')
    const r = completed(await runner.request({ worktree: wt, commands: { build: script }, timeouts: { build: 15_000 } }).outcome)
    assert.equal(r.checks[0]?.status, 'ok', r.checks[0]?.outputHead)
    assert.equal(r.checks[0]?.outputHead, 'stdin-not-a-tty\nno-controlling-terminal\nCI=1 GIT_TERMINAL_PROMPT=0 GIT_EDITOR=true NO_COLOR=1 token=none\n')
  } finally {
    if (saved === undefined) delete process.env.GT_TOKEN
    else process.env.GT_TOKEN = saved
    await runner.close()
    removeDir(wt)
  }
})

test('warnings are counted per check with the stated rule, from a real tool (Node)', async () => {
  const wt = tempDir('chk-warn')
  const runner = new CheckRunner()
  try {
    // --trace-warnings prints each warning's stack instead of a hint line (which says "the warning" too).
    const build = `${NODE} --trace-warnings -e "process.emitWarning('old API'); process.emitWarning('older API')"; echo "Found 0 warnings"; echo "ExperimentalWarning is a word of its own"; echo "run with --trace-warnings"`
    const r = completed(await runner.request({ worktree: wt, commands: { build, test: 'echo "warning: flaky test retried"' } }).outcome)
    assert.equal(r.checks[0]?.warnings, 2, r.checks[0]?.outputHead)
    assert.equal(r.checks[1]?.warnings, 1)
    assert.equal(r.warnings, 3)
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test("the coverage of a real tool's run is read: Node's --experimental-test-coverage", async () => {
  const wt = tempDir('chk-cov')
  const runner = new CheckRunner()
  try {
    writeFileSync(join(wt, 'lib.js'), 'exports.abs = (x) => {\n  if (x < 0) return -x\n  return x\n}\nexports.unused = (x) => {\n  return x * 2\n}\n')
    writeFileSync(join(wt, 'lib.test.js'), "const { test } = require('node:test')\nconst assert = require('node:assert')\ntest('abs', () => assert.equal(require('./lib').abs(-1), 1))\n")
    const r = completed(await runner.request({ worktree: wt, commands: { test: `${NODE} --test lib.test.js`, coverage: `${NODE} --test --experimental-test-coverage lib.test.js` } }).outcome)
    assert.equal(r.overall, 'ok', r.checks.map((c) => c.outputHead + c.outputTail).join('\n'))
    assert.equal(r.coverage?.format, 'coverage-table')
    assert.ok(r.coverage?.percent !== null && r.coverage!.percent! > 50 && r.coverage!.percent! < 100, JSON.stringify(r.coverage))
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('a command that hangs is stopped at its time limit, and its whole process group with it, TERM ignored or not', async () => {
  const wt = tempDir('chk-hang')
  const runner = new CheckRunner({ graceMs: 300 })
  try {
    const pids = join(wt, 'pids')
    // Everything here ignores SIGTERM (an ignored signal stays ignored across fork and exec): only SIGKILL ends
    // it. One sleep leaves the group (setsid: found by the marker in its environment), one clears its
    // environment (env -i: found as a member of the group).
    const script = [`trap '' TERM`, `echo $$ > ${pids}`, `sleep 300 & echo $! >> ${pids}`, `(sleep 300; echo never) & echo $! >> ${pids}`, `setsid sleep 300 & echo $! >> ${pids}`, `env -i /bin/sleep 300 & echo $! >> ${pids}`, 'wait'].join('\n')
    const started = Date.now()
    const r = completed(await runner.request({ worktree: wt, commands: { build: script, test: 'echo never' }, timeouts: { build: 800 } }).outcome)
    const build = r.checks[0]!
    assert.equal(build.status, 'timed-out')
    assert.equal(build.exitCode, null)
    assert.equal(build.signal, 'SIGKILL')
    assert.equal(build.note, 'stopped at its time limit of 0.8 s (it ignored SIGTERM and was killed)')
    assert.ok(build.durationMs >= 800, `ran ${build.durationMs} ms`)
    assert.ok(Date.now() - started < 15_000)
    assert.equal(r.checks[1]?.status, 'skipped')
    const all = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
    assert.equal(all.length, 5)
    for (const pid of all) assert.ok(isGone(pid), `process ${pid} is still alive (${JSON.stringify(processInfo(pid))})`)
    assert.deepEqual(liveProcesses().filter((p) => p.pgid === all[0]), [], 'nothing alive in its group')
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('a command that prints forever is stopped at the limit; its output is bounded; the event loop keeps running', async () => {
  const wt = tempDir('chk-flood')
  const runner = new CheckRunner({ outputHeadBytes: 1000, outputTailBytes: 4000, graceMs: 500 })
  let maxGap = 0
  let last = Date.now()
  const ticker = setInterval(() => {
    const now = Date.now()
    maxGap = Math.max(maxGap, now - last)
    last = now
  }, 20)
  try {
    const r = completed(await runner.request({ worktree: wt, commands: { build: 'yes "0123456789 a line of output that never ends"' }, timeouts: { build: 3000 } }).outcome)
    clearInterval(ticker)
    const b = r.checks[0]!
    assert.equal(b.status, 'timed-out')
    assert.ok(b.outputBytes > 1_000_000, `printed ${b.outputBytes} bytes`)
    assert.equal(Buffer.byteLength(b.outputHead), 1000)
    assert.equal(Buffer.byteLength(b.outputTail), 4000)
    assert.equal(b.outputTruncated, true)
    assert.ok(b.outputHead.startsWith('0123456789 a line'))
    assert.ok(maxGap < 1500, `the event loop stalled for ${maxGap} ms`)
  } finally {
    clearInterval(ticker)
    await runner.close()
    removeDir(wt)
  }
})

test('what a command leaves running in the background is ended when it exits', async () => {
  const wt = tempDir('chk-bg')
  const runner = new CheckRunner({ graceMs: 300 })
  try {
    const r = completed(await runner.request({ worktree: wt, commands: { build: `sleep 300 & echo $! > ${join(wt, 'pid')}; echo done` } }).outcome)
    assert.equal(r.checks[0]?.status, 'ok')
    assert.equal(r.checks[0]?.outputHead, 'done\n')
    const pid = Number(readFileSync(join(wt, 'pid'), 'utf8'))
    assert.ok(isGone(pid), `the background sleep ${pid} still runs`)
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('one run per worktree: a request while one runs waits; a newer one supersedes it, and its caller is told', async () => {
  const wt = tempDir('chk-queue')
  const other = tempDir('chk-other')
  const rec = recorder()
  const runner = new CheckRunner({ maxConcurrent: 4, onEvent: rec.push })
  try {
    const log = join(wt, 'log')
    const build = (name: string) => `echo "start ${name}" >> ${log}; ${waitForFileCmd(join(wt, `go-${name}`))}; echo "end ${name}" >> ${log}`
    const a = runner.request({ worktree: wt, commands: { build: build('a') } })
    await rec.waitFor((e) => e.type === 'command-started' && e.runId === a.runId)
    const b = runner.request({ worktree: wt, commands: { build: build('b') }, reason: 'checkpoint' })
    assert.deepEqual(runner.state(wt), { running: a.runId, queued: b.runId })
    const c = runner.request({ worktree: wt + '/', commands: { build: build('c') }, reason: 'done' })
    assert.deepEqual(await b.outcome, { status: 'superseded', runId: b.runId, by: c.runId })
    assert.ok(rec.events.some((e) => e.type === 'superseded' && e.runId === b.runId && e.by === c.runId))
    assert.deepEqual(runner.state(wt), { running: a.runId, queued: c.runId }, 'the same folder however it is spelled')
    // Another worktree is not held up by this one.
    const z = runner.request({ worktree: other, commands: { build: 'echo other' } })
    completed(await z.outcome)
    assert.equal(rec.events.some((e) => e.type === 'started' && e.runId === c.runId), false, 'c waits for a')
    writeFileSync(join(wt, 'go-a'), '')
    writeFileSync(join(wt, 'go-c'), '')
    completed(await a.outcome)
    const rc = completed(await c.outcome)
    assert.equal(rc.checks[0]?.status, 'ok')
    assert.equal(readFileSync(log, 'utf8'), 'start a\nend a\nstart c\nend c\n')
    assert.deepEqual(runner.state(wt), { running: null, queued: null })
  } finally {
    await runner.close()
    removeDir(wt)
    removeDir(other)
  }
})

test('at most maxConcurrent runs at once: the next worktree waits for a free slot, oldest request first', async () => {
  const x = tempDir('chk-x')
  const y = tempDir('chk-y')
  const rec = recorder()
  const runner = new CheckRunner({ maxConcurrent: 1, onEvent: rec.push })
  try {
    const a = runner.request({ worktree: x, commands: { build: waitForFileCmd(join(x, 'go')) } })
    const b = runner.request({ worktree: y, commands: { build: 'echo y' } })
    await rec.waitFor((e) => e.type === 'command-started' && e.runId === a.runId)
    assert.deepEqual(runner.state(y), { running: null, queued: b.runId })
    writeFileSync(join(x, 'go'), '')
    completed(await a.outcome)
    completed(await b.outcome)
    const order = rec.events.filter((e) => e.type === 'started' || e.type === 'finished').map((e) => `${e.type}:${e.runId === a.runId ? 'a' : 'b'}`)
    assert.deepEqual(order, ['started:a', 'finished:a', 'started:b', 'finished:b'])
  } finally {
    await runner.close()
    removeDir(x)
    removeDir(y)
  }
})

test('cancelling a worktree stops its running run (its group ends) and drops the waiting one', async () => {
  const wt = tempDir('chk-cancel')
  const rec = recorder()
  const runner = new CheckRunner({ graceMs: 300, onEvent: rec.push })
  try {
    const pidFile = join(wt, 'pid')
    const a = runner.request({ worktree: wt, commands: { build: `sleep 300 & echo $! > ${pidFile}; wait`, test: 'echo never' } })
    await rec.waitFor((e) => e.type === 'command-started' && e.runId === a.runId)
    const b = runner.request({ worktree: wt, commands: { build: 'echo never' } })
    await eventually(() => {
      try {
        return readFileSync(pidFile, 'utf8').trim()
      } catch {
        return ''
      }
    }, 'the background pid')
    const sleeper = Number(readFileSync(pidFile, 'utf8'))
    assert.deepEqual(runner.cancel(wt), { running: a.runId, queued: b.runId })
    assert.deepEqual(await b.outcome, { status: 'cancelled', runId: b.runId, result: null })
    const oa = await a.outcome
    assert.equal(oa.status, 'cancelled')
    const result = (oa as { result: CheckRunResult }).result
    assert.equal(result.overall, 'cancelled')
    assert.deepEqual(
      result.checks.map((c) => [c.status, c.note]),
      [
        ['cancelled', 'stopped: the run was cancelled'],
        ['skipped', 'the run was cancelled before this check'],
        ['skipped', 'no command is set for this check']
      ]
    )
    assert.ok(isGone(sleeper), 'the background sleep ended too')
    assert.ok(rec.events.some((e) => e.type === 'cancelled' && e.runId === b.runId))
    assert.ok(rec.events.some((e) => e.type === 'finished' && e.runId === a.runId))
    assert.equal(runner.cancelRun(a.runId), false, 'a finished run is not known any more')
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('cancelling one waiting run by id leaves the running one alone', async () => {
  const wt = tempDir('chk-cancel-one')
  const rec = recorder()
  const runner = new CheckRunner({ onEvent: rec.push })
  try {
    const a = runner.request({ worktree: wt, commands: { build: waitForFileCmd(join(wt, 'go')) } })
    await rec.waitFor((e) => e.type === 'command-started' && e.runId === a.runId)
    const b = runner.request({ worktree: wt, commands: { build: 'echo b' } })
    assert.equal(runner.cancelRun(b.runId), true)
    assert.equal((await b.outcome).status, 'cancelled')
    writeFileSync(join(wt, 'go'), '')
    assert.equal(completed(await a.outcome).overall, 'ok')
  } finally {
    await runner.close()
    removeDir(wt)
  }
})

test('close() cancels everything and waits for every command to end; then requests are refused', async () => {
  const wt = tempDir('chk-close')
  const rec = recorder()
  const runner = new CheckRunner({ graceMs: 300, onEvent: rec.push })
  try {
    const a = runner.request({ worktree: wt, commands: { build: `echo $$ > ${join(wt, 'pid')}; ${waitForFileCmd(join(wt, 'never'))}` } })
    await rec.waitFor((e) => e.type === 'command-started' && e.runId === a.runId)
    await eventually(() => {
      try {
        return readFileSync(join(wt, 'pid'), 'utf8').trim()
      } catch {
        return ''
      }
    }, 'the pid file')
    await runner.close()
    assert.equal((await a.outcome).status, 'cancelled')
    assert.ok(isGone(Number(readFileSync(join(wt, 'pid'), 'utf8'))))
    assert.throws(() => runner.request({ worktree: wt, commands: { build: 'true' } }), /closed/)
  } finally {
    removeDir(wt)
  }
})

test('a worktree that is gone is an error of the first check, not a hang; a throwing listener changes nothing', async () => {
  const base = tempDir('chk-gone')
  const runner = new CheckRunner({
    onEvent: () => {
      throw new Error('a buggy listener')
    }
  })
  try {
    const r = completed(await runner.request({ worktree: join(base, 'missing'), commands: { build: 'true', test: 'true' } }).outcome)
    assert.equal(r.overall, 'failed')
    assert.equal(r.checks[0]?.status, 'error')
    assert.match(r.checks[0]?.note ?? '', /does not exist or is not a folder/)
    assert.equal(r.checks[1]?.status, 'skipped')
  } finally {
    await runner.close()
    removeDir(base)
  }
})

test('requests are validated at the boundary', () => {
  const runner = new CheckRunner()
  const dir = tempDir('chk-valid')
  try {
    mkdirSync(join(dir, 'x'))
    assert.throws(() => runner.request({ worktree: 'relative/path', commands: {} }), /absolute path/)
    assert.throws(() => runner.request({ worktree: dir, commands: { tests: 'npm test' } as never }), /"tests" is not a check; the checks are build, test, coverage/)
    assert.throws(() => runner.request({ worktree: dir, commands: { build: 'make\x1b[2J' } }), /control character U\+001B/)
    assert.throws(() => runner.request({ worktree: dir, commands: { build: 'make' }, timeouts: { build: 5 } }), /the build time limit \(ms\) must be a whole number from 100/)
    assert.throws(() => new CheckRunner({ maxConcurrent: 0 }), /maxConcurrent must be a whole number from 1/)
  } finally {
    void runner.close()
    removeDir(dir)
  }
})
