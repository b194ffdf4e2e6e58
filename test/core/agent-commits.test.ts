// Polecats commit under an identity even on a machine with no git identity at all (seen: a real agent's first
// commit failed with "Author identity unknown"), under the user's own where git has one, and every commit
// records which polecat wrote it — while the repository's own hooks still run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Polecat } from '../../src/shared/domain'
import { startServe } from '../../e2e/support/serve'
import { endpointRpc } from '../support/endpoint-rpc'
import { fakeAgentCmd, makeRepo, removeDir, requireBuild, sh, tempDir, waitForFile } from '../support/fixtures'

/** The environment of a fresh machine: its own HOME, and nothing that gives git an identity. */
function freshMachineEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_') && !k.startsWith('GT_') && k !== 'XDG_CONFIG_HOME' && k !== 'EMAIL') env[k] = v
  return { ...env, HOME: home, GIT_CONFIG_NOSYSTEM: '1' }
}

const lastCommit = (worktree: string) => {
  const [author, email, polecat] = sh(worktree, 'git', ['log', '-1', '--format=%an%n%ae%n%(trailers:key=Gas-Town-Polecat,valueonly,separator=)']).split('\n')
  return { author, email, polecat }
}

async function slingACommit(town: string, home: string, cues: string, before?: (rig: string) => void): Promise<Polecat> {
  const repo = makeRepo()
  const serve = await startServe(town, { env: freshMachineEnv(home) })
  try {
    const rpc = endpointRpc(town)
    await rpc('rigs.add', { name: 'app', source: repo })
    before?.(join(town, 'rigs', 'app', 'repo'))
    const bead = await rpc('beads.create', { title: 'Commit something', rig: 'app' })
    const script = [{ write: { path: 'work.txt', content: 'done\n' } }, { commit: 'Do the work' }, { signal: 'committed' }, { hang: true }]
    const pc: Polecat = await rpc('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, script) })
    await waitForFile(join(cues, 'committed'))
    return pc
  } finally {
    await serve.stop('SIGTERM')
    removeDir(repo)
  }
}

test('on a machine with no git identity, polecats commit under the town default, and each commit names the polecat', async () => {
  requireBuild()
  const [town, home, cues] = [tempDir('town'), tempDir('home'), tempDir('cues')]
  try {
    const pc = await slingACommit(town, home, cues)
    assert.deepEqual(lastCommit(pc.worktree), { author: 'Gas Town polecat', email: 'polecat@gastown.invalid', polecat: 'app/nux' })
  } finally {
    for (const d of [town, home, cues]) removeDir(d)
  }
})

test("where git has the user's identity, polecats commit under it; the repository's own commit-msg hook still runs", async () => {
  requireBuild()
  const [town, home, cues, hooks] = [tempDir('town'), tempDir('home'), tempDir('cues'), tempDir('hooks')]
  try {
    writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Jane Doe\n\temail = jane@example.com\n')
    const marker = join(hooks, 'ran')
    mkdirSync(hooks, { recursive: true })
    writeFileSync(join(hooks, 'commit-msg'), `#!/bin/sh\necho "$1" > ${JSON.stringify(marker)}\n`)
    chmodSync(join(hooks, 'commit-msg'), 0o755)
    const pc = await slingACommit(town, home, cues, (clone) => sh(clone, 'git', ['config', 'core.hooksPath', hooks]))
    assert.deepEqual(lastCommit(pc.worktree), { author: 'Jane Doe', email: 'jane@example.com', polecat: 'app/nux' })
    assert.ok(existsSync(marker), "the repository's own commit-msg hook ran too")
  } finally {
    for (const d of [town, home, cues, hooks]) removeDir(d)
  }
})
