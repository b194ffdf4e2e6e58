// Which rigs are twins (the mayor's router moves work between them): one spelling per source repository.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sourceKey } from '../../src/main/core/rigs/rigs'

test('a path with or without a trailing slash or /.git, and a URL with or without .git or a capitalised host, are one source', () => {
  assert.equal(sourceKey('/src/web'), sourceKey('/src/web/'))
  assert.equal(sourceKey('/src/web'), sourceKey('/src/web/.git'))
  assert.equal(sourceKey('https://GitHub.com/acme/web.git'), sourceKey('https://github.com/acme/web'))
  assert.equal(sourceKey('git@GitHub.com:acme/web.git'), sourceKey('git@github.com:acme/web'))
})

test('different repositories, and paths that differ only in case, stay apart', () => {
  assert.notEqual(sourceKey('/src/web'), sourceKey('/src/web2'))
  assert.notEqual(sourceKey('/src/web.git'), sourceKey('/src/web'), 'a bare web.git beside a working copy web/ is another repository')
  assert.notEqual(sourceKey('/src/Web'), sourceKey('/src/web'), 'paths are case-sensitive on Linux')
  assert.notEqual(sourceKey('https://github.com/acme/Web'), sourceKey('https://github.com/acme/web'), 'a URL path is the server’s to compare')
  assert.notEqual(sourceKey('https://github.com/acme/web'), sourceKey('https://gitlab.com/acme/web'))
})
