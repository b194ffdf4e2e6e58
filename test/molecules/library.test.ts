// The template library: a rig's templates win over the town's, the town's over the shipped ones; the list
// says where each comes from and what overrides it; a broken file is listed with its error, hides nothing
// else, and cannot be poured in place of the one it was meant to replace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MoleculeLibrary } from '../../src/main/core/molecules/library'
import { removeDir, tempDir } from '../support/fixtures'

const template = (name: string, title: string) => `[molecule]\nname = "${name}"\ndescription = "${title}"\n\n[[steps]]\nid = "only"\ntitle = "${title}"\n`

function town(): { dir: string; lib: MoleculeLibrary; write: (where: string, file: string, text: string) => string } {
  const dir = tempDir('mol-town')
  const shipped = join(dir, 'shipped')
  mkdirSync(shipped)
  writeFileSync(join(shipped, 'feature.toml'), template('feature', 'shipped feature'))
  writeFileSync(join(shipped, 'bugfix.toml'), template('bugfix', 'shipped bugfix'))
  const write = (where: string, file: string, text: string) => {
    const folder = where === 'town' ? join(dir, 'molecules') : join(dir, 'rigs', where, 'molecules')
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, file), text)
    return join(folder, file)
  }
  return { dir, lib: new MoleculeLibrary(dir, shipped), write }
}

test('precedence: rig > town > shipped, for the rig the bead belongs to only', () => {
  const t = town()
  try {
    t.write('town', 'feature.toml', template('feature', 'town feature'))
    t.write('web', 'feature.toml', template('feature', 'web feature'))
    assert.equal(t.lib.resolve('feature', 'web').template.description, 'web feature')
    assert.equal(t.lib.resolve('feature', 'web').origin, 'rig')
    assert.equal(t.lib.resolve('feature', 'api').template.description, 'town feature', "another rig's template does not apply")
    assert.equal(t.lib.resolve('feature', null).origin, 'town')
    assert.equal(t.lib.resolve('bugfix', 'web').origin, 'shipped')
    assert.throws(() => t.lib.resolve('refactor', 'web'), /no molecule template "refactor" for rig web: the templates are bugfix, feature \(gt mol list\)/)

    const forWeb = t.lib.list('web').map((e) => [e.name, e.origin, e.overriddenBy])
    assert.deepEqual(forWeb, [
      ['bugfix', 'shipped', null],
      ['feature', 'rig', null],
      ['feature', 'town', 'rig web'],
      ['feature', 'shipped', 'rig web']
    ])
    // Town-wide, a rig's template overrides nothing: it is listed with its rig.
    const all = t.lib.list(null, ['web', 'api']).map((e) => [e.name, e.origin, e.rig, e.overriddenBy])
    assert.deepEqual(all, [
      ['bugfix', 'shipped', null, null],
      ['feature', 'rig', 'web', null],
      ['feature', 'town', null, null],
      ['feature', 'shipped', null, 'town']
    ])
  } finally {
    removeDir(t.dir)
  }
})

test('a broken file is listed with its error and hides no other; the name it was meant to override cannot be poured', () => {
  const t = town()
  try {
    const broken = t.write('town', 'bugfix.toml', '[molecule]\nname = "bugfix"\n[[steps]]\nid = "a"\n')
    t.write('town', 'notes.toml', 'this is not = = toml')
    t.write('town', 'review.toml', template('review', 'town review'))
    const list = t.lib.list(null)
    const bad = list.find((e) => e.file === broken)!
    assert.equal(bad.name, 'bugfix')
    assert.equal(bad.error, `${broken}:3: steps[0].title: is missing: give the step a title: what it does, in a few words`)
    assert.match(list.find((e) => e.name === 'notes')!.error ?? '', /notes\.toml:1: is not valid TOML/)
    assert.deepEqual(list.filter((e) => !e.error).map((e) => e.name).sort(), ['bugfix', 'feature', 'review'], 'the others are all there')
    assert.equal(list.find((e) => e.name === 'bugfix' && e.origin === 'shipped')!.overriddenBy, 'town')
    // The town's bugfix was meant to win: the shipped one is not poured in its place.
    assert.throws(() => t.lib.resolve('bugfix', null), (err: Error) => {
      assert.match(err.message, /the molecule template "bugfix" of town does not load, so it cannot be poured: .*bugfix\.toml:3: steps\[0\]\.title/)
      return true
    })
    assert.equal(t.lib.resolve('review', null).template.description, 'town review')
  } finally {
    removeDir(t.dir)
  }
})

test('two files of one folder with the same name: the second is an error, the first is used', () => {
  const t = town()
  try {
    t.write('town', 'a.toml', template('shared-name', 'first'))
    t.write('town', 'b.toml', template('shared-name', 'second'))
    const list = t.lib.list(null).filter((e) => e.name === 'shared-name')
    assert.equal(list.length, 2)
    assert.match(list.find((e) => e.error)!.error!, /b\.toml: the name "shared-name" is taken in this folder by a\.toml/)
    assert.equal(t.lib.resolve('shared-name', null).template.description, 'first')
  } finally {
    removeDir(t.dir)
  }
})
