// The town on disk: a folder others can write is refused, secrets are owner-only even when they existed
// before, a damaged or lost ledger is never used silently (nothing is written into it), and start-up errors
// name the file and the real cause.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../../src/main/core/core'
import { GT_SCRIPT, ROOT, makeRepo, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { runGt } from '../support/run-gt'

const human = { caller: { kind: 'human' as const } }
const mode = (path: string) => statSync(path).mode & 0o777
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const isRoot = process.getuid?.() === 0

test('a town folder others can write is refused with what to do, and nothing is created in it', async () => {
  requireBuild()
  for (const m of [0o777, 0o775]) {
    const town = tempDir('town')
    try {
      chmodSync(town, m)
      await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), (err: Error) => {
        assert.match(err.message, new RegExp(`the town folder ${town} can be written by ${m === 0o777 ? 'every user' : 'its group'}`))
        assert.match(err.message, new RegExp(`chmod 700 ${town}`))
        return true
      })
      assert.equal(existsSync(join(town, 'town.db')), false)
      assert.equal(existsSync(join(town, 'bin')), false, 'no gt launcher was written where others could replace it')
    } finally {
      removeDir(town)
    }
  }
})

test("a town folder that belongs to another user is refused", { skip: !isRoot && 'needs root to hand a folder to another user' }, async () => {
  requireBuild()
  const town = tempDir('town')
  try {
    chownSync(town, 65534, 65534)
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), /belongs to user 65534, not to you/)
  } finally {
    removeDir(town)
  }
})

test('the town and its secrets are made owner-only even when they existed before with open modes', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  try {
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    await core.close()
    // As an older version (or a careless copy) left them.
    const logDir = join(town, 'rigs', 'app', 'polecats', 'nux', '.gt', 'sessions')
    mkdirSync(logDir, { recursive: true })
    writeFileSync(join(logDir, 's-old.jsonl'), '{"t":"x","kind":"event","event":"session.started"}\n')
    chmodSync(join(logDir, 's-old.jsonl'), 0o644)
    chmodSync(logDir, 0o755)
    chmodSync(town, 0o755)
    for (const f of ['town.db', 'settings.json']) chmodSync(join(town, f), 0o644)
    core = await createCore({ town, gtScript: GT_SCRIPT })
    try {
      assert.equal(mode(town), 0o700)
      for (const f of ['town.db', 'settings.json', 'endpoint.json', 'town.lock']) assert.equal(mode(join(town, f)), 0o600, f)
      assert.equal(mode(join(logDir, 's-old.jsonl')), 0o600)
      assert.equal(mode(logDir), 0o700)
    } finally {
      await core.close()
    }
  } finally {
    removeDir(town)
    removeDir(repo)
  }
})

test('a lost or empty ledger beside existing rigs is refused, and left as it is', async () => {
  requireBuild()
  const town = tempDir('town')
  const repo = makeRepo()
  try {
    const core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.dispatch('rigs.add', { name: 'app', source: repo }, human)
    await core.close()
    writeFileSync(join(town, 'town.db'), '')
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), (err: Error) => {
      assert.match(err.message, /town\.db is empty \(0 bytes\), but .*rigs holds 1 rig \(app\)/)
      assert.match(err.message, /Restore .*town\.db from a backup/)
      return true
    })
    assert.equal(statSync(join(town, 'town.db')).size, 0, 'nothing was written into it')
    assert.equal(existsSync(join(town, 'town.db-wal')), false)
    removeDir(join(town, 'town.db'))
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), /town\.db is missing, but .* holds 1 rig/)
  } finally {
    removeDir(town)
    removeDir(repo)
  }
})

test('8 KB of garbage in the middle of town.db is noticed at start; nothing is written into it; gt town check lists it', async () => {
  requireBuild()
  const town = tempDir('town')
  try {
    let core = await createCore({ town, gtScript: GT_SCRIPT })
    // Enough rows for the file to have many pages, so the middle is inside the tables.
    for (let i = 0; i < 400; i++) await core.dispatch('beads.create', { title: `Bead ${i}`, description: 'x'.repeat(400) }, human)
    const healthy = (await core.dispatch('town.check', {}, human)) as { ok: boolean; problems: string[] }
    assert.deepEqual(healthy, { ...healthy, ok: true, problems: [] })
    await core.close()
    const file = join(town, 'town.db')
    const size = statSync(file).size
    assert.ok(size > 200_000, `the ledger is ${size} bytes`)
    const fd = openSync(file, 'r+')
    // A fixed pattern, so the test damages the same pages on every run.
    writeSync(fd, Buffer.from(createHash('sha512').update('garbage').digest().toString('hex').repeat(64).slice(0, 8192)), 0, 8192, Math.floor(size / 2 / 4096) * 4096)
    closeSync(fd)
    const before = sha(file)
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), (err: Error) => {
      assert.match(err.message, /town\.db is damaged \(/)
      assert.match(err.message, /will not use it/)
      return true
    })
    assert.equal(sha(file), before, 'the damaged ledger was not written to')
    const check = await runGt(['town', 'check', '--town', town], {})
    assert.equal(check.code, 1, check.stderr)
    assert.match(check.stdout, /DAMAGED/)
    const asJson = JSON.parse((await runGt(['town', 'check', '--town', town, '--json'], {})).stdout)
    assert.equal(asJson.ok, false)
    assert.ok(asJson.problems.length > 0)
    assert.equal(sha(file), before, 'gt town check reads only')
    // Something that is not a database at all.
    writeFileSync(file, randomBytes(4096))
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), /town\.db is not an SQLite database/)
    core = null as never
  } finally {
    removeDir(town)
  }
})

// Real file-system failures need a file system of their own: a tmpfs mounted for the test (root only).
function mountTmpfs(dir: string, size: string): string | null {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' })
  return r.status === 0 ? null : `cannot mount a tmpfs here (${(r.stderr || r.error?.message || 'mount failed').trim()})`
}

function unmount(dir: string): void {
  const r = spawnSync('umount', [dir], { encoding: 'utf8' })
  // Lazily, if something of the test still holds a file there: the mount must never outlive the test.
  if (r.status !== 0) spawnSync('umount', ['-l', dir])
  removeDir(dir)
}

test('a town on a read-only file system says so, naming the file', { skip: !isRoot && 'needs root to mount a file system' }, async (t) => {
  requireBuild()
  const mnt = tempDir('mnt')
  const why = mountTmpfs(mnt, '16m')
  if (why) return t.skip(why)
  try {
    const town = join(mnt, 'town')
    const core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.close()
    execFileSync('mount', ['-o', 'remount,ro', mnt])
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), (err: Error) => {
      assert.match(err.message, /the file system is read-only/)
      assert.match(err.message, new RegExp(`${town}/town\\.(lock|db)`))
      return true
    })
  } finally {
    unmount(mnt)
  }
})

test('a town on a full disk says so, naming the file', { skip: !isRoot && 'needs root to mount a file system' }, async (t) => {
  requireBuild()
  const mnt = tempDir('mnt')
  const why = mountTmpfs(mnt, '256k')
  if (why) return t.skip(why)
  try {
    const town = join(mnt, 'town')
    mkdirSync(town, { mode: 0o700 })
    // Fill the disk to the last byte.
    const fd = openSync(join(mnt, 'filler'), 'w')
    const block = Buffer.alloc(4096)
    try {
      for (;;) writeSync(fd, block)
    } catch {
      // ENOSPC: full
    }
    closeSync(fd)
    await assert.rejects(createCore({ town, gtScript: GT_SCRIPT }), (err: Error) => {
      assert.match(err.message, /no space left on the device/)
      assert.match(err.message, new RegExp(town))
      return true
    })
  } finally {
    unmount(mnt)
  }
})

test('a ledger the user may not open says "permission denied", naming it', { skip: !isRoot && 'needs root to run the control room as another user' }, async () => {
  requireBuild()
  const town = tempDir('town')
  try {
    const core = await createCore({ town, gtScript: GT_SCRIPT })
    await core.close()
    // The town is handed to user nobody, but its ledger stays root's.
    chownSync(town, 65534, 65534)
    for (const f of ['settings.json', 'town.lock']) chownSync(join(town, f), 65534, 65534)
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'gt.cjs'), 'serve', '--town', town, '--port', '0'], {
      uid: 65534,
      gid: 65534,
      env: { PATH: process.env.PATH, HOME: '/tmp' },
      encoding: 'utf8',
      timeout: 20_000
    })
    assert.equal(r.status, 1, r.stdout + r.stderr)
    assert.match(r.stderr, new RegExp(`${town}/town\\.db: permission denied`))
    void GT_SCRIPT
  } finally {
    removeDir(town)
  }
})
