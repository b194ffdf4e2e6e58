// No agent can reach another agent's terminal. node-pty's fork used to leave every PTY master inheritable,
// so each agent held the masters of the agents started before it (microsoft/node-pty#657); node-pty's Linux
// prebuild still leaked them after a gap in the descriptor table. A gap is made here on purpose.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { Polecat } from '../../src/shared/domain'
import { fakeAgentCmd, tempDir, removeDir, waitForFile } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const t = useTestTown()

function descriptors(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      return '?'
    }
  })
}

test('an agent holds no PTY master, not even one of an agent started before it (Linux)', { skip: process.platform !== 'linux' && 'reads /proc (Linux only)' }, async () => {
  const cues = tempDir('cues')
  try {
    await t.core.dispatch('rigs.add', { name: 'iso', source: t.repo }, human)
    const pids: number[] = []
    for (const i of [0, 1, 2]) {
      // Descriptors opened before an agent and closed after it leave a gap below its master.
      const filler = Array.from({ length: 24 }, () => openSync('/dev/null', 'r'))
      const bead = (await t.core.dispatch('beads.create', { title: `Isolated ${i}`, rig: 'iso' }, human)) as { id: string }
      const pc = (await t.core.dispatch('sling', { bead: bead.id, rig: 'iso', agentCmd: fakeAgentCmd(join(cues, String(i)), [{ signal: 'up' }, { hang: true }]) }, human)) as Polecat
      for (const fd of filler) closeSync(fd)
      await waitForFile(join(cues, String(i), 'up'))
      pids.push(pc.pid!)
    }
    for (const pid of pids) {
      const fds = descriptors(pid)
      assert.ok(!fds.some((l) => l === '/dev/ptmx' || l.endsWith('/ptmx')), `agent ${pid} holds a PTY master: ${fds.join(' ')}`)
    }
  } finally {
    removeDir(cues)
  }
})
