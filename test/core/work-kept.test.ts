// Work is kept in git whatever the agent does: commits are pushed by the app soon after they are made; before a
// session ends — stopped, the app quitting, the town drained, the agent gone by itself — what is uncommitted
// is committed as marked work in progress (never the ignored files, never on another branch) and pushed.
// The agent starts from instructions the user can edit, and `gt prime` tells it what was done and why the
// last session ended.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Polecat, PrimeContext } from '../../src/shared/domain'
import { createCore } from '../../src/main/core/core'
import { GT_SCRIPT, eventually, fakeAgentCmd, makeRepo, removeDir, sh, tempDir, waitForFile } from '../support/fixtures'
import { human, useTestTown } from '../support/town'

const t = useTestTown()
let n = 0

async function slingTo(script: unknown[], cues: string, repo = t.repo): Promise<{ rig: string; bead: string; pc: Polecat }> {
  const rig = `k${++n}`
  await t.core.dispatch('rigs.add', { name: rig, source: repo }, human)
  const bead = (await t.core.dispatch('beads.create', { title: `Keep ${rig}`, rig }, human)) as { id: string }
  const pc = (await t.core.dispatch('sling', { bead: bead.id, rig, agentCmd: fakeAgentCmd(cues, script) }, human)) as Polecat
  return { rig, bead: bead.id, pc }
}

/** The commit the source repository (the rig's origin) has for the branch, or ''. */
const onOrigin = (repo: string, branch: string): string => {
  try {
    return sh(repo, 'git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).trim()
  } catch {
    return ''
  }
}

test('a commit is pushed to the rig’s origin by the app, soon after, whether or not the agent pushes', async () => {
  const cues = tempDir('cues')
  try {
    const { pc } = await slingTo([{ write: { path: 'a.txt', content: 'a\n' } }, { commit: 'First step' }, { signal: 'committed' }, { hang: true }], cues)
    await waitForFile(join(cues, 'committed'))
    const local = sh(pc.worktree, 'git', ['rev-parse', 'HEAD']).trim()
    await eventually(() => onOrigin(t.repo, pc.branch!) === local, 'the branch on the origin', 15_000)
  } finally {
    removeDir(cues)
  }
})

test('stopping an agent commits its uncommitted work as WIP (not the ignored files) and pushes it', async () => {
  const cues = tempDir('cues')
  try {
    const script = [{ write: { path: '.gitignore', content: 'build/\n' } }, { commit: 'ignore build' }, { run: 'mkdir -p build && echo x > build/out.bin' }, { write: { path: 'half-done.txt', content: 'draft\n' } }, { signal: 'dirty' }, { hang: true }]
    const { pc } = await slingTo(script, cues)
    await waitForFile(join(cues, 'dirty'))
    await t.core.dispatch('polecats.stop', { polecat: pc.id }, human)
    const log = sh(pc.worktree, 'git', ['log', '-1', '--format=%s%n%(trailers:key=Gas-Town-Polecat,valueonly,separator=)%n%(trailers:key=Gas-Town-WIP,valueonly,separator=)'])
    const [subject, polecat, wip] = log.split('\n')
    assert.equal(subject, `WIP(gastown): work in progress of ${pc.id}, saved when it was stopped`)
    assert.equal(polecat, pc.id)
    assert.equal(wip, 'true')
    const files = sh(pc.worktree, 'git', ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n')
    assert.deepEqual(files, ['half-done.txt'], 'the ignored build output and the hook folder stay out')
    await eventually(() => onOrigin(t.repo, pc.branch!) === sh(pc.worktree, 'git', ['rev-parse', 'HEAD']).trim(), 'the WIP commit pushed')
  } finally {
    removeDir(cues)
  }
})

test('an agent that switched branches gets no WIP commit on a branch that is not its own', async () => {
  const cues = tempDir('cues')
  try {
    const { pc, bead } = await slingTo([{ run: 'git checkout -q -b elsewhere' }, { write: { path: 'stray.txt', content: 'x\n' } }, { signal: 'strayed' }, { hang: true }], cues)
    await waitForFile(join(cues, 'strayed'))
    await t.core.dispatch('polecats.stop', { polecat: pc.id }, human)
    assert.equal(sh(pc.worktree, 'git', ['status', '--porcelain']).trim(), '?? stray.txt', 'left as it was')
    assert.ok(t.core.ledger.list({ subject: bead }).some((e) => e.kind === 'branch.wip-skipped'))
  } finally {
    removeDir(cues)
  }
})

test('an agent that exits by itself leaves no uncommitted work behind: it is committed and pushed after the exit', async () => {
  const cues = tempDir('cues')
  try {
    const { pc, bead } = await slingTo([{ write: { path: 'left.txt', content: 'x\n' } }, { exit: 0 }], cues)
    await eventually(() => t.core.ledger.list({ subject: bead }).some((e) => e.kind === 'branch.pushed'), 'the WIP commit of the exited agent pushed')
    assert.match(sh(pc.worktree, 'git', ['log', '-1', '--format=%s']), /saved when its agent exited/)
  } finally {
    removeDir(cues)
  }
})

// Found by bench/scheduler.ts: after gt done (which pushes the branch itself), the keeper's push still waited
// out its debounce, then read the polecat as it was by then — its name holding the next bead and branch — and
// pushed that branch, in the worktree the next sling was preparing (which refused it when they met: "still in
// use by git-receive-pack"). The pending push belongs to the session that committed: it runs as that ends.
test('a push pending when an agent finishes with gt done runs as it ends, not in the next bead its polecat takes', async () => {
  const cues = tempDir('cues')
  try {
    const first = await slingTo([{ write: { path: 'done.txt', content: 'x\n' } }, { commit: 'Finished' }, { run: 'gt done --summary "finished"' }, { exit: 0 }], cues)
    await eventually(() => t.core.sessions.list({ bead: first.bead, limit: 1 })[0]?.endedAt, 'the first agent ended')
    const next = (await t.core.dispatch('beads.create', { title: 'Next in the same rig', rig: first.rig }, human)) as { id: string }
    const pc = (await t.core.dispatch('sling', { bead: next.id, rig: first.rig, agentCmd: fakeAgentCmd(join(cues, 'next'), [{ hang: true }]) }, human)) as Polecat
    assert.equal(pc.id, first.pc.id, 'the free name is taken again (the case this test is about)')
    assert.equal(onOrigin(t.repo, first.pc.branch!), sh(first.pc.worktree, 'git', ['rev-parse', `refs/heads/${first.pc.branch}`]).trim(), 'gt done pushed the finished branch')
    // Past the keeper's debounce (3 s after the commit), with room for a loaded machine.
    const commitAt = Date.parse(t.core.ledger.list({ subject: first.bead }).find((e) => e.kind === 'agent.commit')!.at)
    await new Promise((r) => setTimeout(r, Math.max(0, commitAt + 4500 - Date.now())))
    assert.deepEqual(t.core.ledger.list({ subject: next.id }).filter((e) => e.kind === 'branch.pushed').map((e) => e.data), [], 'no push of a branch whose agent never committed')
    await t.core.dispatch('polecats.stop', { polecat: pc.id }, human)
  } finally {
    removeDir(cues)
  }
})

test('quitting the control room saves every agent’s work first, with progress; gt prime then tells the next agent what was done and why it ended', async () => {
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = tempDir('cues')
  try {
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Across a quit', rig: 'app' }, human)) as { id: string }
    const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ write: { path: 'done.txt', content: '1\n' } }, { commit: 'Step one done' }, { write: { path: 'wip.txt', content: '2\n' } }, { signal: 'ready' }, { hang: true }]) }, human)) as Polecat
    await waitForFile(join(cues, 'ready'))
    const progress: [number, number][] = []
    await core.close({ progress: (done, total) => progress.push([done, total]) })
    assert.deepEqual(progress, [[0, 1], [1, 1]])
    assert.match(sh(pc.worktree, 'git', ['log', '-1', '--format=%s']), /saved when the control room quit/)
    assert.equal(onOrigin(repo, pc.branch!), sh(pc.worktree, 'git', ['rev-parse', 'HEAD']).trim(), 'pushed before the quit finished')

    // The user's own instructions: edited in the town, used for the next session.
    const template = join(town, 'prompts', 'first-prompt.md')
    writeFileSync(template, readFileSync(template, 'utf8') + '\nHouse rule: write tests first.\n')
    core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, [{ run: 'gt prime --json > prime.json' }, { run: 'printenv GT_PROMPT > prompt.txt' }, { signal: 'primed' }, { hang: true }]) }, human)
      await waitForFile(join(cues, 'primed'))
      const prime = JSON.parse(readFileSync(join(pc.worktree, 'prime.json'), 'utf8')) as PrimeContext
      assert.deepEqual(prime.recentCommits.map((c) => c.subject.replace(/saved when .*/, 'saved when …')), [`WIP(gastown): work in progress of ${pc.id}, saved when …`, 'Step one done'])
      assert.equal(prime.attempts[0].endReason, 'app-quit')
      assert.ok(prime.directives.some((d) => /never switch branches/.test(d)))
      const prompt = readFileSync(join(pc.worktree, 'prompt.txt'), 'utf8')
      assert.match(prompt, /^You are resuming: the earlier session s-\S+ on this bead ended \(app-quit\)\./)
      assert.match(prompt, /House rule: write tests first\.$/m)
    } finally {
      await core.close()
    }
  } finally {
    removeDir(town)
    removeDir(repo)
    removeDir(cues)
  }
})

test('gt town drain saves and stops every agent and pauses dispatch until resumed', async () => {
  const cues = tempDir('cues')
  try {
    const { pc } = await slingTo([{ write: { path: 'drain.txt', content: 'x\n' } }, { signal: 'up' }, { hang: true }], cues)
    await waitForFile(join(cues, 'up'))
    const r = (await t.core.dispatch('town.drain', {}, human)) as { stopped: string[]; committed: string[] }
    assert.ok(r.stopped.includes(pc.id))
    assert.ok(r.committed.includes(pc.id))
    assert.equal(t.core.polecats.isRunning(pc.id), false)
    assert.match(String(t.core.dispatchSwitch.paused()), /drained/)
    await t.core.dispatch('town.resume', {}, human)
  } finally {
    removeDir(cues)
  }
})
