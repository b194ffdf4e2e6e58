// The first prompt reaches the agent's argv literally, whatever the bead title holds: the real core slings
// to a runtime from settings.json whose program records the argv it was started with, in a real PTY.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import { fillCommand } from '../../src/main/core/polecats/prompt'
import { GT_SCRIPT, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { human } from '../support/town'

let town: string
let repo: string
let work: string
let core: Core
// Records its argv and GT_PROMPT in <its folder>/<bead id>.json, whole (write, then rename).
const RECORDER = `import { renameSync, writeFileSync } from 'node:fs'
const out = new URL(process.env.GT_BEAD + '.json', import.meta.url).pathname
writeFileSync(out + '.tmp', JSON.stringify({ args: process.argv.slice(2), prompt: process.env.GT_PROMPT }))
renameSync(out + '.tmp', out)
`

before(async () => {
  requireBuild()
  gitIdentityEnv()
  town = tempDir('town')
  repo = makeRepo()
  work = tempDir('recorder')
  writeFileSync(join(work, 'recorder.mjs'), RECORDER)
  const command = [process.execPath, join(work, 'recorder.mjs'), '{prompt}', 'x{command}y{prompt}z']
  writeFileSync(join(town, 'settings.json'), JSON.stringify({ runtimes: { recorder: { command, promptMode: 'arg' } } }))
  core = await createCore({ town, gtScript: GT_SCRIPT })
  await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
})
after(async () => {
  await core?.close()
  for (const d of [town, repo, work]) removeDir(d)
})

/** Slings a bead with `title` to the recorder and returns what the recorder was started with. */
async function slingAndRecord(title: string): Promise<{ args: string[]; prompt: string }> {
  // Through the core's own class: a title with NUL is one stored before the contract refused it.
  const bead = core.beads.create({ title, description: '', priority: 2, type: 'task', rig: 'app', labels: [], deps: [] }, 'human')
  await core.dispatch('sling', { bead: bead.id, rig: 'app', agent: 'recorder' }, human)
  return JSON.parse(await waitForFile(join(work, `${bead.id}.json`)))
}

test('$&, $`, $\' and {command} in a bead title reach the agent as typed, and every {prompt} is filled', async () => {
  const title = "Use $& and $` and $' and $$ with {command} and {prompt} in it"
  const r = await slingAndRecord(title)
  assert.ok(r.prompt.includes(`: "${title}".`), r.prompt)
  assert.deepEqual(r.args, [r.prompt, `xy${r.prompt}z`])
})

test('a NUL or a control character stored in an old title does not cut or drive the prompt', async () => {
  const r = await slingAndRecord('before\x00after\r\x1b[2J\x03end')
  assert.ok(r.prompt.includes(': "before\uFFFDafter\uFFFD\uFFFD[2J\uFFFDend".'), JSON.stringify(r.prompt))
  assert.equal(r.args[0], r.prompt, 'the whole prompt, to its last sentence, is in the argv')
  assert.match(r.args[0], /[Ff]inish with `gt done --summary "…"`\.$/)
})

test('fillCommand fills each placeholder once, in one pass, and leaves $ patterns and unknown braces alone', () => {
  assert.deepEqual(fillCommand(['sh', '-c', '{command}'], { prompt: 'p', command: "echo '$&' \"$1\" {prompt}" }), ['sh', '-c', "echo '$&' \"$1\" {prompt}"])
  assert.deepEqual(fillCommand(['--a={prompt}', '{prompt}{prompt}', '{other}', '{command}'], { prompt: '$`{command}', command: 'C' }), ['--a=$`{command}', '$`{command}$`{command}', '{other}', 'C'])
})
