// Who holds a worktree (sling refuses one that a live process still holds): any process working in it —
// except the core's own git commands, which a recovery or the branch keeper may be running there at the
// same moment as a sling (seen: a sling right after a restart refused because of recovery's git checkout).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { processesInside } from '../../src/main/core/processes/agent-processes'
import { eventually, removeDir, tempDir } from '../support/fixtures'

function started(cmd: string, args: string[], cwd: string, detached = false): ChildProcess {
  const child = spawn(cmd, args, { cwd, stdio: ['pipe', 'ignore', 'ignore'], detached })
  return child
}

test('a process working in the folder holds it; the core’s own git there does not; a git in a group of its own does', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, async () => {
  const dir = tempDir('holders')
  const kids: ChildProcess[] = []
  try {
    // git hash-object --stdin waits on its stdin: a git command of ours that is still running.
    const ownGit = started('git', ['hash-object', '--stdin'], dir)
    const agent = started('sleep', ['30'], dir)
    const foreignGit = started('git', ['hash-object', '--stdin'], dir, true)
    kids.push(ownGit, agent, foreignGit)
    const pids = () => processesInside(dir).map((h) => h.pid)
    await eventually(() => pids().includes(agent.pid!) && pids().includes(foreignGit.pid!), 'the sleep and the detached git seen in the folder')
    assert.equal(pids().includes(ownGit.pid!), false, 'our own git command is no holder')
    assert.equal(processesInside(dir).find((h) => h.pid === agent.pid)?.command, 'sleep 30')
  } finally {
    for (const k of kids) k.kill('SIGKILL')
    removeDir(dir)
  }
})
