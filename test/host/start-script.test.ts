// scripts/start.mjs: which Electron binary `npm start` (and the Electron e2e) would run, if any.
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'

type Located = { path: string | null; reason: string | null }

async function findElectron(env: Record<string, string | undefined>): Promise<Located> {
  // A computed specifier keeps TypeScript from wanting type declarations for a .mjs file.
  const script: string = join(__dirname, '..', '..', 'scripts', 'start.mjs')
  const mod = (await import(script)) as { findElectron(env: Record<string, string | undefined>): Located }
  return mod.findElectron(env)
}

test('a binary that runs is used; one that is missing or fails is reported with a reason', { skip: process.platform === 'win32' && 'shell script stand-ins' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gt-start-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const works = join(dir, 'electron')
  await writeFile(works, '#!/bin/sh\necho v45.4.1\n')
  await chmod(works, 0o755)
  const broken = join(dir, 'broken')
  await writeFile(broken, '#!/bin/sh\necho "cannot open shared object" >&2\nexit 127\n')
  await chmod(broken, 0o755)
  const display = { DISPLAY: ':0' }

  assert.deepEqual(await findElectron({ ...display, ELECTRON_PATH: works }), { path: works, reason: null })
  const failed = await findElectron({ ...display, ELECTRON_PATH: broken })
  assert.equal(failed.path, null)
  assert.match(failed.reason ?? '', /cannot open shared object/)
  const missing = await findElectron({ ...display, ELECTRON_PATH: join(dir, 'nope') })
  assert.equal(missing.path, null)
  assert.match(missing.reason ?? '', /does not exist/)
  if (process.platform === 'linux') {
    const headless = await findElectron({ ELECTRON_PATH: works })
    assert.equal(headless.path, null)
    assert.match(headless.reason ?? '', /DISPLAY/)
  }
})
