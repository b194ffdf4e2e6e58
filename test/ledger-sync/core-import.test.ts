// gt bead import / export with a control room running: the files are read by the core (gt cannot open the
// ledger beside it: the town lock), the reference samples of a real Gas Town town import as they are, and a
// bad record refuses the whole import, naming its file and line, with nothing half-imported.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { CoreError } from '../../src/shared/contract'
import type { ImportReport } from '../../src/shared/beads-jsonl'
import { GT_SCRIPT, gitIdentityEnv, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { runGt } from '../support/run-gt'
import { REFERENCE, jsonl } from './helpers'

const human = { caller: { kind: 'human' as const } }

test('gt bead import of the reference samples goes through the running control room; a bad record names its line and nothing is imported', async () => {
  requireBuild()
  gitIdentityEnv()
  const town = tempDir('town')
  const core = await createCore({ town, gtScript: GT_SCRIPT })
  const samples = readdirSync(REFERENCE).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(REFERENCE, f))
  try {
    const dry = await runGt(['bead', 'import', ...samples, '--dry-run', '--town', town], {})
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /^Dry run, nothing written: would import 7 new beads/)
    assert.equal(core.beads.list({ includeClosed: true }).length, 0, 'a dry run writes nothing')

    const run = await runGt(['bead', 'import', ...samples, '--json', '--town', town], {})
    assert.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout) as ImportReport
    assert.equal(report.dryRun, false)
    assert.equal(report.beads.created, 7, 'six Gas Town issues and one bd export issue')
    assert.equal(report.events.added, 8)
    assert.equal(core.beads.get('gt-qdia9').type, 'convoy')
    assert.equal(core.beads.list({ includeClosed: true }).length, 7)
    const imported = core.ledger.list({ kinds: ['bead.imported'] })
    assert.equal(imported.length, 7)
    assert.ok(imported.every((e) => e.actor === 'human'))

    // A file whose first record is good and whose third is not: nothing of it is imported.
    const bad = join(tempDir('beads'), 'mixed.jsonl')
    writeFileSync(
      bad,
      [
        JSON.stringify({ id: 'gt-good1', title: 'A good bead', status: 'open', priority: 2, issue_type: 'task', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }),
        JSON.stringify({ id: 'gt-good2', title: 'Another good bead', status: 'open', priority: 1, issue_type: 'bug', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }),
        JSON.stringify({ id: 'gt-bad3', title: 'A bad priority', status: 'open', priority: 9, issue_type: 'task', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' })
      ].join('\n') + '\n'
    )
    const refused = await runGt(['bead', 'import', bad, '--town', town], {})
    assert.equal(refused.code, 1)
    assert.ok(refused.stderr.includes(`${bad}:3 priority: is above 4`), refused.stderr)
    assert.equal(core.beads.find('gt-good1'), null, 'the good records of a refused file are not imported either')
    assert.equal(core.beads.list({ includeClosed: true }).length, 7)
    assert.equal(core.ledger.list({ kinds: ['bead.imported'] }).length, 7)

    // The contract itself: relative paths are refused (the core's cwd is not gt's), missing files named.
    await assert.rejects(core.dispatch('beads.import', { paths: ['beads.jsonl'] }, human), (e: unknown) => e instanceof CoreError && e.code === 'invalid_params' && /absolute path/.test(e.message))
    await assert.rejects(core.dispatch('beads.import', { paths: [join(town, 'nope.jsonl')] }, human), (e: unknown) => e instanceof CoreError && e.code === 'not_found' && /nope\.jsonl: no such file or folder/.test(e.message))
    await assert.rejects(core.dispatch('beads.import', { paths: [] }, human), /name the Beads files/)

    // gt bead export through the control room: what was imported, as bd export lines.
    const out = await runGt(['bead', 'export', '--town', town], {})
    assert.equal(out.code, 0, out.stderr)
    const ids = jsonl(out.stdout).map((r) => r.id).sort()
    assert.deepEqual(ids, core.beads.list({ includeClosed: true }).map((b) => b.id).sort())
    const folder = join(tempDir('export'), 'backup') + '/'
    const backup = await runGt(['bead', 'export', '--out', folder, '--town', town], {})
    assert.equal(backup.code, 0, backup.stderr)
    assert.deepEqual(readdirSync(folder).sort(), ['comments.jsonl', 'dependencies.jsonl', 'events.jsonl', 'issues.jsonl', 'labels.jsonl'])
    const noRig = await runGt(['bead', 'export', '--rig', 'nope', '--town', town], {})
    assert.equal(noRig.code, 1)
    assert.match(noRig.stderr, /no rig nope/)
    removeDir(join(bad, '..'))
    removeDir(join(folder, '..'))
  } finally {
    await core.close()
    removeDir(town)
  }
})
