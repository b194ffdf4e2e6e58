// The package's `gt` launcher (bin/gt.cjs) under a Node too old for the native modules, as on a machine
// whose system Node is 20: it runs gt with the project's own Node 22 instead of crashing, or says in one
// line which Node is needed; and `npm install -g` / `npm link` with that old Node give a working gt on PATH.
// Real processes throughout: the old Node, the system npm, gt serve answering HTTP, signals.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { ROOT, removeDir, requireBuild, tempDir } from '../support/fixtures'
import { runGt } from '../support/run-gt'

const dirs: string[] = []
const temp = (prefix: string) => {
  const d = tempDir(prefix)
  dirs.push(d)
  return d
}
after(() => dirs.forEach(removeDir))

const older = (v: string) => {
  const [a, b] = v.split('.').map(Number)
  return a < 22 || (a === 22 && b < 12)
}
/** A Node on this machine older than the engines field allows (the system Node 20 here), if there is one. */
function findOldNode(): { path: string; version: string } | null {
  const found = spawnSync('sh', ['-c', 'which -a node nodejs; ls /usr/bin/node /usr/local/bin/node 2>/dev/null'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)
  for (const path of new Set(found)) {
    const version = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim()
    if (version && older(version)) return { path, version }
  }
  return null
}
const oldNode = findOldNode()
const NO_OLD_NODE = oldNode ? false : 'no Node older than 22.12 on this machine to run the launcher with'
/** npm outside the project (the system's, running on the old Node), as a user installing gt would use. */
const systemNpm = oldNode ? [join(dirname(oldNode.path), 'npm'), '/usr/bin/npm'].find((p) => spawnSync(p, ['--version']).status === 0) : undefined
/** PATH as on a machine where the old Node is `node`: no node_modules/.bin of ours in front. */
const plainPath = (...front: string[]) => [...front, dirname(oldNode?.path ?? '/usr/bin/node'), '/usr/bin', '/bin'].join(delimiter)
// Our npm test's own settings must not reach the user's npm.
const userEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k) && !k.startsWith('GT_')) env[k] = v
  return { ...env, ...extra }
}

/** Starts `gt serve` through `cmd`, resolves with the URL it prints; the caller stops it. */
function startServe(cmd: string, args: string[], env: Record<string, string>): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, [...args, 'serve', '--town', temp('town'), '--port', '0'], { env })
    let output = ''
    const onData = (d: Buffer) => {
      output += d
      const m = /Open: (http:\/\/\S+)/.exec(output)
      if (m) resolve({ proc, url: m[1], output: () => output })
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', onData)
    proc.on('exit', (code, signal) => reject(new Error(`gt serve ended (code ${code}, signal ${signal}) before printing its URL:\n${output}`)))
  })
}

/** Stops gt serve with SIGTERM sent to the process we started (the launcher) alone; resolves with its exit. */
function stopWithSigterm(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit')
    proc.on('exit', (code, signal) => resolve({ code, signal }))
    proc.kill('SIGTERM')
  })
}

async function serveWorks(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  requireBuild()
  const served = await startServe(cmd, args, env)
  const page = await fetch(served.url)
  assert.equal(page.status, 200, `GET ${served.url}`)
  const end = await stopWithSigterm(served.proc)
  assert.deepEqual(end, { code: 0, signal: null }, served.output())
  assert.match(served.output(), /SIGTERM: saving the agents' work/)
}

test('under an older Node, gt runs with the project\'s own Node: arguments, output and exit codes pass through', { skip: NO_OLD_NODE }, async () => {
  requireBuild()
  const help = await runGt(['help'], {}, { node: oldNode!.path })
  assert.equal(help.code, 0, help.stderr)
  assert.match(help.stdout, /^gt — Gas Town Control Room/)
  const town = temp('town')
  const none = await runGt(['bead', 'list'], { GT_TOWN: town }, { node: oldNode!.path })
  assert.equal(none.code, 1)
  assert.match(none.stderr, new RegExp(`No control room is running for town ${town}`))
  const usage = await runGt(['bead', 'frobnicate'], { GT_TOWN: town }, { node: oldNode!.path })
  assert.equal(usage.code, 2)
})

test('gt serve under an older Node serves the control room, and a SIGTERM to the launcher stops it cleanly', { skip: NO_OLD_NODE, timeout: 60_000 }, async () => {
  await serveWorks(oldNode!.path, [join(ROOT, 'bin', 'gt.cjs')], userEnv({ PATH: plainPath() }))
})

test('without the project\'s Node, an older Node gets one line naming the Node needed and the one found', { skip: NO_OLD_NODE }, async () => {
  // A copy of the package without node_modules: what a bare checkout looks like before `npm install`.
  const pkg = temp('bare-package')
  mkdirSync(join(pkg, 'bin'))
  mkdirSync(join(pkg, 'out', 'main'), { recursive: true })
  copyFileSync(join(ROOT, 'bin', 'gt.cjs'), join(pkg, 'bin', 'gt.cjs'))
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  writeFileSync(join(pkg, 'out', 'main', 'gt.js'), "throw new Error('gt.js must not be loaded by an old Node')\n")
  const r = spawnSync(oldNode!.path, [join(pkg, 'bin', 'gt.cjs'), 'serve'], { encoding: 'utf8' })
  assert.equal(r.status, 1)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr)
  assert.ok(r.stderr.startsWith(`gt: needs Node 22.12 or newer (its native modules, better-sqlite3 and node-pty, are built for it), but this is Node ${oldNode!.version} (${oldNode!.path}); install Node 22, or run \`npm install\` in ${pkg}`), r.stderr)
})

for (const how of ['npm install -g', 'npm link'] as const) {
  test(`${how} with the system npm gives a gt on PATH that runs help and serve`, { skip: NO_OLD_NODE || (systemNpm ? false : 'no system npm'), timeout: 120_000 }, async () => {
    const prefix = temp('npm-prefix')
    // ignore-scripts: the checkout is built already, and `npm link` would otherwise run `prepare` (a rebuild of
    // out/) under the feet of the tests running beside this one.
    const env = userEnv({ PATH: plainPath(), npm_config_prefix: prefix, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_ignore_scripts: 'true' })
    const args = how === 'npm link' ? ['link'] : ['install', '-g', '--prefix', prefix, '.']
    const installed = spawnSync(systemNpm!, args, { cwd: ROOT, env, encoding: 'utf8' })
    assert.equal(installed.status, 0, installed.stderr)
    const userPath = { ...env, PATH: plainPath(join(prefix, 'bin')) }
    const which = spawnSync('sh', ['-c', 'command -v gt'], { env: userPath, encoding: 'utf8' })
    assert.equal(which.stdout.trim(), join(prefix, 'bin', 'gt'))
    const help = spawnSync('gt', ['help'], { env: userPath, encoding: 'utf8' })
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /^gt — Gas Town Control Room/)
    await serveWorks('gt', [], userPath)
  })
}
