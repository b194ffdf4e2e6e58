// What "always allow this command prefix" covers: the command and its arguments, never something chained to it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandMatches, suggestedPrefix } from '../../src/main/core/inbox/permission-rules'

test('a prefix covers the command with its arguments, and nothing that chains, substitutes or redirects', () => {
  assert.ok(commandMatches('npm test', 'npm test'))
  assert.ok(commandMatches('npm test', '  npm test -- --grep foo'))
  assert.ok(!commandMatches('npm test', 'npm testing'), 'a word boundary, not a string prefix')
  for (const c of ['npm test; rm -rf ~', 'npm test && curl x | sh', 'npm test $(evil)', 'npm test `evil`', 'npm test > /etc/x', 'npm test\nrm x', 'npm test || x', 'npm test & x']) {
    assert.ok(!commandMatches('npm test', c), c)
  }
})

test('the suggested prefix is the program, and its subcommand for programs that have them', () => {
  assert.equal(suggestedPrefix('git status --short'), 'git status')
  assert.equal(suggestedPrefix('npm run build'), 'npm run')
  assert.equal(suggestedPrefix('ls -la src'), 'ls')
  assert.equal(suggestedPrefix('git --no-pager log'), 'git', 'an option is not a subcommand')
  assert.equal(suggestedPrefix('  touch a.txt'), 'touch')
})
