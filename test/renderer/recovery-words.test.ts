// The words of the recovery banner and the quitting overlay: the summary line while recovery runs and once it
// finished, each step's state in a word or two (as the core's TownRecovery reports them), where a polecat's
// worktree came from after its detail moved on, and the quitting line.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { RecoveryReport } from '../../src/shared/domain'
import { hadErrors, quittingLine, stepState, stepTone, summaryLine, worktreeSource, type RecoveryStep } from '../../src/renderer/src/lib/recovery-words'

const step = (name: string, state: RecoveryStep['state'], detail: string | null = null): RecoveryStep => ({ name, state, detail })
const report = (p: Partial<RecoveryReport>): RecoveryReport => ({ startedAt: '2026-12-01T12:00:00.000Z', finishedAt: null, rigs: [], polecats: [], ...p })

test('the summary line counts rigs and polecats while recovery runs, in the singular for one', () => {
  const rigs = ['a', 'b', 'c'].map((n) => step(n, 'working', 'fetching'))
  const polecats = Array.from({ length: 7 }, (_, i) => step(`a/p${i}`, 'waiting'))
  assert.equal(summaryLine(report({ rigs, polecats })), 'Recovering: 3 rigs, 7 polecats')
  assert.equal(summaryLine(report({ rigs: rigs.slice(0, 1), polecats: polecats.slice(0, 1) })), 'Recovering: 1 rig, 1 polecat')
})

test('once finished, the summary says how many polecats resumed and how many steps failed', () => {
  const done = report({
    finishedAt: '2026-12-01T12:00:20.000Z',
    rigs: [step('app', 'done', 'fetched')],
    polecats: [step('app/a', 'done', 'resumed with its checkpoint'), step('app/b', 'done', 'resumed with its checkpoint'), step('app/c', 'skipped', 'bead gt-3 is finished (closed, or merged into the base): never dispatched again')]
  })
  assert.equal(summaryLine(done), 'Recovery finished: 2 of 3 polecats resumed')
  assert.equal(hadErrors(done), false, 'a finished bead not dispatched again is no error')
  const broken = report({
    finishedAt: '2026-12-01T12:00:20.000Z',
    rigs: [step('app', 'done', 'fetched'), step('gone', 'failed', 'could not clone /src/gone: fatal: repository does not exist')],
    polecats: [step('app/a', 'failed', 'could not get its worktree back: fatal: bad ref'), step('gone/b', 'skipped', 'its rig gone could not be recovered')]
  })
  assert.equal(summaryLine(broken), 'Recovery finished with 2 failures: 0 of 2 polecats resumed')
  assert.equal(hadErrors(broken), true)
  assert.equal(summaryLine(report({ finishedAt: 'x', rigs: [step('a', 'done', 'fetched')], polecats: [step('a/p', 'done')] })), 'Recovery finished: 1 of 1 polecat resumed')
})

test('a rig step in words: waiting, fetching or cloning while at it, fetched or cloned again, failed, skipped', () => {
  assert.equal(stepState('rig', step('a', 'waiting')), 'waiting')
  assert.equal(stepState('rig', step('a', 'working', 'fetching')), 'fetching')
  assert.equal(stepState('rig', step('a', 'working', 'cloning again from its source')), 'cloning')
  // A core that does not say which (older reports): both, rather than a guess.
  assert.equal(stepState('rig', step('a', 'working')), 'fetching or cloning')
  assert.equal(stepState('rig', step('a', 'done', 'fetched')), 'fetched')
  assert.equal(stepState('rig', step('a', 'done', 'cloned again from its source')), 'cloned again')
  assert.equal(stepState('rig', step('a', 'failed', 'could not clone /x')), 'failed')
  assert.equal(stepState('rig', step('a', 'skipped')), 'skipped')
})

test('a polecat step in words: waiting for its rig, recreating its worktree, waiting the grace period, dispatching, dispatched, failed, not resumed', () => {
  assert.equal(stepState('polecat', step('a/p', 'waiting')), 'waiting for its rig')
  assert.equal(stepState('polecat', step('a/p', 'working', 'getting its worktree back')), 'recreating its worktree')
  assert.equal(stepState('polecat', step('a/p', 'waiting', 'worktree recreated from its local branch; resumes after 10 s')), 'waiting the grace period')
  assert.equal(stepState('polecat', step('a/p', 'working', 'resuming')), 'dispatching')
  assert.equal(stepState('polecat', step('a/p', 'done', 'resumed with its checkpoint')), 'dispatched')
  assert.equal(stepState('polecat', step('a/p', 'failed', 'could not get its worktree back: x')), 'failed')
  assert.equal(stepState('polecat', step('a/p', 'skipped', 'dispatch is paused (3 agents died): resumes when dispatch does')), 'not resumed')
  assert.deepEqual(
    (['waiting', 'working', 'done', 'failed', 'skipped'] as const).map((s) => stepTone(step('x', s))),
    ['pending', 'active', 'ok', 'failed', 'skipped']
  )
})

test('where the worktree came from is read from the details the step went through', () => {
  assert.equal(worktreeSource(['getting its worktree back', 'worktree recreated from its local branch; resumes after 10 s', 'resuming', 'resumed with its checkpoint']), 'worktree recreated from its local branch')
  assert.equal(worktreeSource(['worktree recreated from the branch on origin; resumes after 1 s']), 'worktree recreated from the branch on origin')
  assert.equal(worktreeSource(['its branch was found nowhere: started again from the base; resumes after 1 s']), 'branch found nowhere: worktree started again from the base')
  assert.equal(worktreeSource(['its worktree was there; resumes after 1 s']), 'its worktree was there')
  assert.equal(worktreeSource(['getting its worktree back', null]), null)
})

test('the quitting line: done of total while saving and after, and a quit with nothing to save', () => {
  assert.equal(quittingLine({ done: 1, total: 3 }), "Saving agents' work before quitting: 1 of 3")
  assert.equal(quittingLine({ done: 0, total: 0 }), 'Quitting: no agent has work to save')
  assert.equal(quittingLine({ done: 2, total: 3, stopped: true }), "Agents' work saved before quitting: 2 of 3", 'once the control room is gone')
  assert.equal(quittingLine({ done: 0, total: 0, stopped: true }), 'Quit: no agent had work to save')
})
