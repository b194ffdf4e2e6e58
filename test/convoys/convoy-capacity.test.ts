// A convoy's slings go through the scheduler, which may hold them until there is room: the convoy's pass
// does not wait with them. Seen: with the town at its limit, a pass waited on its first queued sling, so a
// bead added to the convoy meanwhile was not even queued until an agent ended.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Bead, ConvoyStatus, Polecat } from '../../src/shared/domain'
import type { SchedulerStatus } from '../../src/shared/scheduler'
import { eventually, fakeAgentCmd, tempDir } from '../support/fixtures'
import { human, useTestTown } from '../support/town'
import { bareOrigin } from '../support/merge-fixtures'

const ctx = useTestTown()
const call = <T>(method: string, params: unknown): Promise<T> => ctx.core.dispatch(method, params, human) as Promise<T>

test('with the town full, every ready bead of a convoy waits in the scheduler’s queue, one added later too', async () => {
  const o = bareOrigin()
  await call('rigs.add', { name: 'full', source: o.source })
  await call('scheduler.limit', { limit: 1 })
  const beads = await Promise.all(['a', 'b', 'c'].map((t) => call<Bead>('beads.create', { title: t, rig: 'full' })))
  const hang = fakeAgentCmd(join(tempDir('cues'), 'cues'), [{ hang: true }])
  const convoy = await call<ConvoyStatus>('convoys.create', { title: 'Full town', beads: beads.map((b) => b.id), agentCmd: hang })
  const queued = async () => (await call<SchedulerStatus>('scheduler.status', {})).queue.length
  await eventually(async () => (await call<Polecat[]>('polecats.list', {})).filter((p) => p.state === 'working').length === 1 && (await queued()) === 2, 'one agent running, two waiting for room')
  const d = await call<Bead>('beads.create', { title: 'd', rig: 'full' })
  await call('convoys.add', { id: convoy.id, beads: [d.id] })
  await eventually(async () => (await queued()) === 3, 'the added bead waiting for room too, while the first agent still runs')
  assert.equal((await call<Polecat[]>('polecats.list', {})).filter((p) => p.state === 'working').length, 1, 'within the limit')
  await call('scheduler.limit', { limit: 4 })
  await eventually(async () => (await call<Polecat[]>('polecats.list', {})).filter((p) => p.state === 'working').length === 4, 'all four running once there is room')
})
