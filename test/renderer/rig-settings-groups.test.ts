// The Rigs view groups a rig's settings by what they are for: every setting the core has lands in a group of
// its own kind, none in "Other" (a new setting of the core must be given its group here).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RIG_SETTING_KEYS } from '../../src/main/core/rigs/rig-settings'
import { groupOf } from '../../src/renderer/src/lib/rig-settings'

test("every core setting has its group; the refinery's are the merge queue's", () => {
  const keys = Object.keys(RIG_SETTING_KEYS)
  assert.deepEqual(keys.filter((k) => groupOf(k) === 'other'), [], 'no setting left in Other')
  for (const k of ['merge_mode', 'bundle_size', 'merge_strategy', 'merge_parallel', 'target_branch']) {
    assert.ok(keys.includes(k), `the core has ${k}`)
    assert.equal(groupOf(k), 'merge', k)
  }
  assert.equal(groupOf('build'), 'checks')
  assert.equal(groupOf('stuck_s'), 'limits')
})
