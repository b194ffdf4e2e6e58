// gt town config: the town's ledger settings in settings.json, by key, validated before anything is written,
// the file's other keys left as they were; a settings.json with a bad ledger key stops the control room with
// the key named.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { GT_SCRIPT, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { runGt } from '../support/run-gt'

const settingsOf = (town: string) => JSON.parse(readFileSync(join(town, 'settings.json'), 'utf8'))

test('gt town config lists, sets and unsets the ledger keys, refuses bad values before writing, and keeps the other settings', async () => {
  requireBuild()
  const town = tempDir('town')
  try {
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ beadPrefix: 'app', recoveryGraceSeconds: 3 }))
    const list = await runGt(['town', 'config', '--town', town], {})
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /^KEY\s+VALUE\s+MEANING/)
    assert.match(list.stdout, /ledger\.remote\s+\(none\)\s+default\s+one git URL/)
    assert.match(list.stdout, /ledger\.branch\s+gt\/ledger\s+default/)

    const set = await runGt(['town', 'config', 'ledger.remote', 'git@example.com:me/town-ledger.git', '--town', town], {})
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stdout, /ledger\.remote\s+git@example\.com:me\/town-ledger\.git\s+set/)
    assert.match(set.stdout, /a running control room uses it from its next ledger commit/)
    assert.deepEqual(settingsOf(town), { beadPrefix: 'app', recoveryGraceSeconds: 3, ledger: { remote: 'git@example.com:me/town-ledger.git' } })
    assert.equal(statSync(join(town, 'settings.json')).mode & 0o777, 0o600)

    const json = await runGt(['town', 'config', 'ledger.debounceSeconds', '30', '--json', '--town', town], {})
    assert.deepEqual(JSON.parse(json.stdout), [{ key: 'ledger.debounceSeconds', value: 30, isSet: true, help: 'how long after the last change the ledger is written (changes within it are one commit)' }])

    // Refused, with the reason, and nothing written.
    const before = readFileSync(join(town, 'settings.json'), 'utf8')
    const relative = await runGt(['town', 'config', 'ledger.remote', 'some/relative/path', '--town', town], {})
    assert.equal(relative.code, 1)
    assert.match(relative.stderr, /ledger\.remote: a remote is a git URL or an absolute path/)
    const option = await runGt(['town', 'config', 'ledger.branch', 'gt/../x', '--town', town], {})
    assert.match(option.stderr, /a branch name git accepts/)
    const enabled = await runGt(['town', 'config', 'ledger.enabled', 'yes', '--town', town], {})
    assert.match(enabled.stderr, /ledger\.enabled takes true or false, not "yes"/)
    const unknown = await runGt(['town', 'config', 'beadPrefix', 'x', '--town', town], {})
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /"beadPrefix" is not a town setting gt town config knows: ledger\.remote, ledger\.branch, ledger\.enabled, ledger\.debounceSeconds/)
    const noValue = await runGt(['town', 'config', 'ledger.remote', '--town', town], {})
    assert.equal(noValue.code, 2)
    assert.match(noValue.stderr, /give a value for ledger\.remote \(or --unset/)
    assert.equal(readFileSync(join(town, 'settings.json'), 'utf8'), before)

    const unset = await runGt(['town', 'config', 'ledger.remote', '--unset', '--town', town], {})
    assert.equal(unset.code, 0, unset.stderr)
    assert.match(unset.stdout, /ledger\.remote\s+\(none\)\s+default/)
    assert.deepEqual(settingsOf(town).ledger, { debounceSeconds: 30 })
    const none = await runGt(['town', 'config', 'ledger.remote', 'none', '--town', town], {})
    assert.equal(none.code, 0, none.stderr)
    assert.equal(settingsOf(town).ledger.remote, null)

    // A bad ledger key written by hand: the control room refuses to start and names it.
    writeFileSync(join(town, 'settings.json'), JSON.stringify({ ledger: { remote: 'relative' } }))
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), /settings\.json: ledger\.remote: a remote is a git URL or an absolute path/)
  } finally {
    removeDir(town)
  }
})
