// What gt refuses, as a user meets it: the real built gt as a child process, against a real control room.
// Each refusal names the thing and says what to do, and leaves nothing behind.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createCore, type Core } from '../../src/main/core/core'
import { GT_SCRIPT, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { runGt } from '../support/run-gt'

let town: string
let core: Core
const gt = (args: string[]) => runGt(args, { GT_TOWN: town })
const gtJson = async (args: string[]) => {
  const r = await gt([...args, '--json'])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}
const beadCount = () => core.beads.list({ includeClosed: true }).length

before(async () => {
  requireBuild()
  town = tempDir('town')
  core = await createCore({ town, gtScript: GT_SCRIPT })
})
after(async () => {
  await core?.close()
  removeDir(town)
})

test('-p takes an integer from 0 to 4 (or P0-P4); anything else is refused by name, before the control room is asked', async () => {
  const before = beadCount()
  for (const bad of ['1.5', ' 3x', '3x', '', '5', '-1', '0x1', '1e0', 'P5', 'high']) {
    const r = await gt(['bead', 'create', 'Typo in priority', ...(bad.startsWith('-') ? [`--priority=${bad}`] : ['-p', bad])])
    assert.equal(r.code, 2, `-p ${JSON.stringify(bad)}: ${r.stderr}`)
    assert.ok(r.stderr.includes(`-p takes a priority from 0 (most urgent) to 4, or P0 to P4, not ${JSON.stringify(bad)}`), r.stderr)
  }
  assert.equal(beadCount(), before, 'no bead was created by a refused command')
  assert.equal((await gtJson(['bead', 'create', 'P0 spelled out', '-p', 'P0'])).priority, 0)
  const b = await gtJson(['bead', 'create', 'plain', '-p', '3'])
  assert.equal(b.priority, 3)
  assert.equal((await gt(['bead', 'update', b.id, '-p', '1.5'])).code, 2)
  assert.equal((await gtJson(['bead', 'update', b.id, '-p', '4'])).priority, 4)
  const port = await gt(['serve', '--port', '80x'])
  assert.equal(port.code, 2)
  assert.match(port.stderr, /--port takes a TCP port from 0 \(any free one\) to 65535, not "80x"/)
})

test('a dependency that would close a cycle is refused with the cycle named; the beads stay ready', async () => {
  const a = await gtJson(['bead', 'create', 'a'])
  const b = await gtJson(['bead', 'create', 'b', '--blocked-by', a.id])
  const c = await gtJson(['bead', 'create', 'c', '--dep', `parent-child:${b.id}`])
  for (const dep of [['--blocked-by', c.id], ['--add-dep', `parent-child:${c.id}`]]) {
    const r = await gt(['bead', 'update', a.id, ...dep])
    assert.equal(r.code, 1, r.stderr)
    assert.ok(r.stderr.includes(`${a.id} cannot wait on ${c.id}: that closes the dependency cycle ${a.id} → ${c.id} → ${b.id} → ${a.id}`), r.stderr)
    assert.match(r.stderr, /remove one of the others \(gt bead update ID --remove-dep TYPE:ID\)/)
  }
  assert.ok((await gtJson(['ready'])).some((x: { id: string }) => x.id === a.id), 'a is still ready')
  // Removing the dependency in the way lets the other one in.
  assert.deepEqual((await gtJson(['bead', 'update', b.id, '--remove-dep', `blocks:${a.id}`])).deps, [])
  assert.deepEqual((await gtJson(['bead', 'update', a.id, '--blocked-by', c.id])).deps, [{ type: 'blocks', target: c.id }])
})

test('titles and labels with control characters, and ids that are no bead ids, are refused with what to do', async () => {
  const before = beadCount()
  const esc = await gt(['bead', 'create', 'Title\x1b]0;pwned\x07'])
  assert.equal(esc.code, 1)
  assert.ok(esc.stderr.includes('beads.create: title: a bead title is one line of plain text, but character 6 is the control character U+001B (ESC): remove it'), esc.stderr)
  assert.doesNotMatch(esc.stderr, /\x1b|\x07/, 'the refusal itself is inert')
  const tab = await gt(['bead', 'create', 'ok', '--label', 'a\tb'])
  assert.match(tab.stderr, /labels\.0: a label is one line of plain text, but character 2 is the control character U\+0009 \(tab\)/)
  const desc = await gt(['bead', 'create', 'ok', '-d', 'bell\x07'])
  assert.match(desc.stderr, /description: a bead description may hold line breaks and tabs but no other control character; character 5 is U\+0007/)
  assert.equal(beadCount(), before)
  // Text pasted with Windows line ends is kept, as plain \n.
  assert.equal((await gtJson(['bead', 'create', 'pasted', '-d', 'one\r\ntwo\r\n'])).description, 'one\ntwo\n')

  const id = await gt(['bead', 'show', '../../etc'])
  assert.equal(id.code, 1)
  assert.match(id.stderr, /"\.\.\/\.\.\/etc" is not a bead id: use letters, digits, "\.", "_" and "-", not starting with "-" or "\." \(e\.g\. gt-k3x9a\)/)
  assert.match((await gt(['bead', 'create', 'x', '--blocked-by=-rf'])).stderr, /deps\.0\.target: "-rf" is not a bead id/)
})
