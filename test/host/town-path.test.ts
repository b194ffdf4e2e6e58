import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { resolveTown } from '../../src/main/host/town-path'

const env = { HOME: '/home/alice' }

test('--town wins over GT_TOWN, which wins over ~/gt', () => {
  assert.equal(resolveTown([], env), '/home/alice/gt')
  assert.equal(resolveTown([], { ...env, GT_TOWN: '/srv/town' }), '/srv/town')
  assert.equal(resolveTown(['--town', '/tmp/t'], { ...env, GT_TOWN: '/srv/town' }), '/tmp/t')
  assert.equal(resolveTown(['--town=/tmp/u'], env), '/tmp/u')
})

test('paths are made absolute and ~ is expanded', () => {
  assert.equal(resolveTown(['--town', 'rel/town'], env), resolve('rel/town'))
  assert.equal(resolveTown(['--town=~/towns/a'], env), '/home/alice/towns/a')
  assert.equal(resolveTown([], { ...env, GT_TOWN: '~' }), '/home/alice')
  assert.equal(resolveTown(['--town', '/a/../b/'], env), '/b')
})

test('odd argv: empty values are ignored, the last --town counts, nothing after --', () => {
  assert.equal(resolveTown(['--town'], env), join('/home/alice', 'gt'))
  assert.equal(resolveTown(['--town='], { ...env, GT_TOWN: '' }), '/home/alice/gt')
  assert.equal(resolveTown(['--town', '/a', '--town', '/b'], env), '/b')
  assert.equal(resolveTown(['--', '--town', '/x'], env), '/home/alice/gt')
})
