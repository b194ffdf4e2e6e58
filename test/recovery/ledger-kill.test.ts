// A crash of the app at any moment loses nothing that was acknowledged: a child process appends ledger events
// through the real store (WAL, synchronous=FULL) and reports each commit on stdout; the parent kills it with
// SIGKILL at random moments, 100 times; every reported event is there, and PRAGMA integrity_check is ok.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/main/core/store/db'
import { integrityCheck } from '../../src/main/core/store/db-check'
import { ROOT, removeDir, tempDir } from '../support/fixtures'

const WRITER = `
import { openDatabase } from ${JSON.stringify(join(ROOT, 'src/main/core/store/db'))}
import { Ledger } from ${JSON.stringify(join(ROOT, 'src/main/core/ledger/ledger'))}
import { inTransaction } from ${JSON.stringify(join(ROOT, 'src/main/core/store/db'))}
const db = openDatabase(process.argv[2])
const ledger = new Ledger(db)
process.stdout.write('ready\\n')
for (let i = 0; ; i++) {
  // A state change and its event in one transaction, as the core writes them; reported once committed.
  const e = inTransaction(db, () => ledger.append('writer', 'test.event', 'kill', { i, pad: 'x'.repeat(i % 500) }))
  process.stdout.write(e.id + '\\n')
}
`

test('100 SIGKILLs at random moments: every acknowledged event survives and the database is intact', { timeout: 300_000 }, async () => {
  const dir = tempDir('kill')
  const file = join(dir, 'town.db')
  const writer = join(dir, 'writer.ts')
  writeFileSync(writer, WRITER)
  openDatabase(file).close()
  const acknowledged: number[] = []
  try {
    for (let round = 0; round < 100; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      let buf = ''
      let ready = false
      // The kill comes after a random number of commits (then a random moment more), not after a fixed time:
      // on a loaded machine the writer may need all of a fixed window just to start writing.
      const killAfter = acknowledged.length + 1 + Math.floor(Math.random() * 15)
      let reached: () => void = () => {}
      const enough = new Promise<void>((r) => (reached = r))
      const readyOrExit = new Promise<void>((res) => {
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          buf += d
          const lines = buf.split('\n')
          buf = lines.pop()!
          for (const l of lines) {
            if (l === 'ready') {
              ready = true
              res()
            } else if (l) {
              acknowledged.push(Number(l))
              if (acknowledged.length >= killAfter) reached()
            }
          }
        })
        child.once('exit', () => {
          res()
          reached()
        })
      })
      await readyOrExit
      assert.ok(ready, `round ${round}: the writer started`)
      await enough
      await new Promise((r) => setTimeout(r, Math.random() * 5))
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
    const db = openDatabase(file)
    try {
      assert.deepEqual(integrityCheck(db), [])
      const ids = new Set((db.prepare("SELECT id FROM events WHERE kind = 'test.event'").all() as { id: number }[]).map((r) => r.id))
      const lost = acknowledged.filter((id) => !ids.has(id))
      assert.ok(acknowledged.length >= 100, `${acknowledged.length} events acknowledged (at least one per round)`)
      assert.deepEqual(lost, [], `${lost.length} acknowledged events lost`)
    } finally {
      db.close()
    }
  } finally {
    removeDir(dir)
  }
})
