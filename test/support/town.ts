// A real control room on a temp town with one sample repository, opened before a test file's tests and
// closed after them (node:test hooks). Tests read `t.core`, `t.town`, `t.repo` once `before` has run.
import { before, after } from 'node:test'
import { createCore, type Core } from '../../src/main/core/core'
import { GT_SCRIPT, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir } from './fixtures'

/** The caller context of a human using the control room. */
export const human = { caller: { kind: 'human' as const } }

export interface TestTown {
  town: string
  repo: string
  core: Core
}

export function useTestTown(): TestTown {
  const t = {} as TestTown
  before(async () => {
    requireBuild()
    gitIdentityEnv()
    t.town = tempDir('town')
    t.repo = makeRepo()
    t.core = await createCore({ town: t.town, gtScript: GT_SCRIPT })
  })
  after(async () => {
    await t.core?.close()
    removeDir(t.town)
    removeDir(t.repo)
  })
  return t
}
