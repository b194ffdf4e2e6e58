// An agent walks its bead's molecule with the real gt in a real PTY (the fake agent): gt prime shows the
// checklist, gt mol current the step with its description and acceptance, gt mol advance closes it with
// the summary and checkpoints. After the control room restarts, the new session's prime says where to go on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import type { MoleculeAdvance, MoleculeInstance, Polecat } from '../../src/shared/domain'
import { GT_SCRIPT, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { human } from '../support/town'

const THREE_STEPS = `[molecule]
name = "three"
description = "Three steps for {{bead}}"

[[steps]]
id = "design"
title = "Design it"
description = "Write the design down."
acceptance = "docs/design.md is committed"

[[steps]]
id = "code"
title = "Code it"
needs = ["design"]
description = "Write the code the design describes."
acceptance = "the code builds"

[[steps]]
id = "test"
title = "Test it"
needs = ["code"]
acceptance = "the tests pass"
`

const read = (file: string) => readFileSync(file, 'utf8')

test('gt mol current and advance walk the steps; prime shows the checklist; a session after a restart resumes at the current step', async () => {
  requireBuild()
  gitIdentityEnv()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = join(tempDir('cues'), 'cues')
  mkdirSync(cues, { recursive: true })
  const at = (name: string) => join(cues, name)
  let core: Core | null = null
  try {
    core = await createCore({ town, gtScript: GT_SCRIPT })
    mkdirSync(join(town, 'molecules'))
    writeFileSync(join(town, 'molecules', 'three.toml'), THREE_STEPS)
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Walk the molecule', rig: 'app' }, human)) as { id: string }
    const m = (await core.dispatch('molecules.pour', { name: 'three', bead: bead.id, vars: {} }, human)) as MoleculeInstance

    const first = [
      { run: `gt prime > ${JSON.stringify(at('prime-1.txt'))}` },
      { run: `gt mol current > ${JSON.stringify(at('current-1.txt'))} 2>&1` },
      { run: `gt mol advance --summary "wrote docs/design.md" > ${JSON.stringify(at('advance-1.txt'))} 2>&1` },
      { run: `gt mol current --json > ${JSON.stringify(at('current-2.json'))}` },
      { signal: 'walked' },
      { hang: true }
    ]
    const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, first) }, human)) as Polecat
    await waitForFile(at('walked'), 30_000)

    const prime1 = read(at('prime-1.txt'))
    assert.match(prime1, /## Molecule three: step 1 of 3\nThree steps for gt-/)
    assert.match(prime1, /→ design — Design it\n· code — Code it\n· test — Test it\n/)
    assert.match(prime1, /### Now: design — Design it\nWrite the design down\.\nDone when: docs\/design\.md is committed\n/)
    assert.doesNotMatch(prime1, /You are resuming/, 'a first session is not told it resumes')

    const current1 = read(at('current-1.txt'))
    assert.match(current1, new RegExp(`^Molecule three on ${bead.id} — step 1 of 3: design — Design it\\n\\nWrite the design down\\.\\n\\nDone when: docs/design\\.md is committed\\n`))

    const advance1 = read(at('advance-1.txt'))
    assert.match(advance1, /^Closed step 1 of 3: design — Design it \(checkpoint at \d{4}-/)
    assert.match(advance1, /step 2 of 3: code — Code it\n\nWrite the code the design describes\.\n\nDone when: the code builds\n\nAfter: design \(done\)/)

    const current2 = JSON.parse(read(at('current-2.json'))) as MoleculeInstance
    assert.equal(current2.current, 'code')
    assert.deepEqual(current2.steps.map((s) => [s.id, s.state, s.summary]), [['design', 'done', 'wrote docs/design.md'], ['code', 'current', null], ['test', 'waiting', null]])
    assert.equal(core.beads.get(m.steps[0]!.beadId).status, 'closed')
    assert.equal(core.beads.get(m.steps[0]!.beadId).closeReason, 'wrote docs/design.md')
    // The advance is a checkpoint: the next session's prime starts from it.
    const cp = core.db.prepare('SELECT polecat_id, data FROM checkpoints WHERE bead_id = ? ORDER BY id DESC LIMIT 1').get(bead.id) as { polecat_id: string; data: string }
    assert.equal(cp.polecat_id, pc.id)
    assert.deepEqual(JSON.parse(cp.data), { molecule: 'three', step: 'design', summary: 'wrote docs/design.md', next: 'code', done: 1, of: 3 })
    const kinds = core.ledger.list({ subject: bead.id }).map((e) => e.kind)
    for (const k of ['molecule.poured', 'agent.mol.current', 'molecule.advanced', 'agent.checkpoint']) assert.ok(kinds.includes(k), `ledger has ${k}`)

    // The control room quits and starts again; the bead is slung again: a new session on the same hook.
    await core.close()
    core = await createCore({ town, gtScript: GT_SCRIPT })
    const second = [
      { run: `gt prime > ${JSON.stringify(at('prime-2.txt'))}` },
      { run: `gt mol advance --summary "code written" > /dev/null` },
      { run: `gt mol advance > ${JSON.stringify(at('advance-3.txt'))} 2>&1` },
      { run: `gt mol advance > ${JSON.stringify(at('advance-4.txt'))} 2>&1` },
      { run: `gt prime > ${JSON.stringify(at('prime-3.txt'))}` },
      { signal: 'finished' },
      { hang: true }
    ]
    const again = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, second) }, human)) as Polecat
    assert.equal(again.id, pc.id)
    await waitForFile(at('finished'), 30_000)
    const prime2 = read(at('prime-2.txt'))
    assert.match(prime2, /## Molecule three: step 2 of 3/)
    assert.match(prime2, /You are resuming: 1 of 3 steps are done \(✓ below, with their summaries\)\. Continue at step "code"; do not redo done steps\./)
    assert.match(prime2, /✓ design — Design it \(done: wrote docs\/design\.md\)\n→ code — Code it\n· test — Test it/)
    assert.match(prime2, /## Latest checkpoint\n.*"step":"design"/)

    assert.match(read(at('advance-3.txt')), /^Closed step 3 of 3: test — Test it .*\nAll 3 steps of three are done\. Finish with gt done/)
    assert.match(read(at('advance-4.txt')), /every step of the molecule three on gt-\w+ is done: finish with gt done/)
    assert.equal(core.beads.get(m.steps[2]!.beadId).closeReason, 'step test done', 'an advance without a summary says which step')
    assert.match(read(at('prime-3.txt')), /## Molecule three: all 3 steps done\n[^]*✓ test — Test it \(done: step test done\)\nEvery step is done: finish with gt done/)
    await core.polecats.stopAndWait(again.id, 'test')
  } finally {
    await core?.close()
    removeDir(town)
    removeDir(repo)
    removeDir(join(cues, '..'))
  }
})

test('mol current and advance are agent commands: refused to humans, and to an agent whose bead has no molecule', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  const cues = join(tempDir('cues'), 'cues')
  let core: Core | null = null
  try {
    core = await createCore({ town, gtScript: GT_SCRIPT })
    await assert.rejects(core.dispatch('agent.mol.current', {}, human), /agent\.mol\.current is for agents/)
    await assert.rejects(core.dispatch('agent.mol.advance', { summary: 'x' }, human), /is for agents/)
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    const bead = (await core.dispatch('beads.create', { title: 'Plain work', rig: 'app' }, human)) as { id: string }
    const script = [{ run: `gt mol current > ${JSON.stringify(join(cues, 'current.txt'))} 2>&1` }, { run: `gt mol advance --json > ${JSON.stringify(join(cues, 'advance.txt'))} 2>&1` }, { signal: 'tried' }, { hang: true }]
    const pc = (await core.dispatch('sling', { bead: bead.id, rig: 'app', agentCmd: fakeAgentCmd(cues, script) }, human)) as Polecat
    await waitForFile(join(cues, 'tried'), 30_000)
    const expected = `no molecule is poured on ${bead.id}: work from the bead's description (gt prime); a human pours one with gt mol pour NAME ${bead.id}`
    assert.equal(read(join(cues, 'current.txt')).trim(), `gt: ${expected}`)
    assert.equal(read(join(cues, 'advance.txt')).trim(), `gt: ${expected}`)
    assert.ok(core.ledger.list({ subject: bead.id }).some((e) => e.kind === 'agent.mol.advance.refused'), 'the refusal is in the ledger')
    await core.polecats.stopAndWait(pc.id, 'test')
  } finally {
    await core?.close()
    removeDir(town)
    removeDir(repo)
    removeDir(join(cues, '..'))
  }
})
