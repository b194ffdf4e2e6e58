// gt into a pipe whose reader stops early (`gt bead list | head -1`): the reader's choice, so gt exits 0
// and says nothing. The real built gt in a real shell pipeline, against a real control room.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import { GT_SCRIPT, ROOT, removeDir, requireBuild, tempDir } from '../support/fixtures'

let town: string
let core: Core

before(async () => {
  requireBuild()
  town = tempDir('town')
  core = await createCore({ town, gtScript: GT_SCRIPT })
  // Well over a pipe's 64 KiB buffer, so gt is still writing when head has gone.
  for (let i = 0; i < 400; i++) core.beads.create({ title: `Bead ${i} `.padEnd(280, 'x'), description: 'y'.repeat(2000), priority: 2, type: 'task', labels: [], deps: [] }, 'human')
})
after(async () => {
  await core?.close()
  removeDir(town)
})

/** Runs `gt ARGS | head -1` in bash; gt's own exit status (PIPESTATUS) and its stderr, kept apart from head's. */
function gtIntoHead(args: string[]): Promise<{ gtStatus: number; stdout: string; stderr: string }> {
  const gt = [process.execPath, join(ROOT, 'bin', 'gt.cjs'), ...args].map((a) => `'${a}'`).join(' ')
  // Asynchronous: the control room answering gt runs in this process, so spawnSync would deadlock it.
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${gt} 2>"$GT_ERR" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
      env: { ...process.env, GT_TOWN: town, GT_ERR: join(town, 'gt.err') }
    })
    let stdout = ''
    let status = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (status += d))
    child.on('error', reject)
    child.on('close', () => {
      const m = /status=(\d+)/.exec(status)
      if (!m) return reject(new Error(`no status from bash: ${status}`))
      resolve({ gtStatus: Number(m[1]), stdout, stderr: readFileSync(join(town, 'gt.err'), 'utf8') })
    })
  })
}

test('gt bead list | head -1 exits 0 with nothing on stderr', async () => {
  for (const args of [['bead', 'list'], ['bead', 'list', '--json']]) {
    const r = await gtIntoHead(args)
    assert.equal(r.stderr, '', `gt ${args.join(' ')} wrote to stderr`)
    assert.equal(r.gtStatus, 0, `gt ${args.join(' ')} exited ${r.gtStatus}`)
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1)
  }
})
