#!/usr/bin/env node
// The package's `gt` bin: runs the built command (npm run build makes out/main/gt.js).
//
// gt loads better-sqlite3 and node-pty, native modules built for the project's Node (22); an older Node
// does not refuse them, it crashes loading them (a segmentation fault). So this file stays plain CommonJS
// that any Node can run, and under an older Node it runs gt with the project's own Node (the `node`
// devDependency that `npm install` puts in node_modules), or says in one line which Node is needed.
'use strict'
const { spawn } = require('node:child_process')
const { existsSync, readFileSync, realpathSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const script = join(root, 'out', 'main', 'gt.js')

/** [major, minor] from package.json's engines.node (">=22.12"), the one place the requirement is written. */
function neededNode() {
  try {
    const m = /^>=\s*(\d+)(?:\.(\d+))?/.exec(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node)
    if (m) return [Number(m[1]), Number(m[2] ?? 0)]
  } catch {
    // fall through to the figure the native modules were built for
  }
  return [22, 12]
}

function recentEnough(version, [major, minor]) {
  const [a, b] = version.split('.').map(Number)
  return a > major || (a === major && b >= minor)
}

/** The project's own Node, if `npm install` put it there and it is not the one running now. */
function projectNode() {
  const bin = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(bin)) return null
  const real = realpathSync(bin)
  return real === realpathSync(process.execPath) ? null : real
}

/** Runs gt under `node` as if it were this process: same args, stdio, exit code, and signals passed on. */
function runWith(node) {
  const child = spawn(node, [script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    // Marks the hop, so a project Node that is itself too old cannot start a loop.
    env: { ...process.env, GT_LAUNCHED_BY: process.execPath }
  })
  // A Ctrl-C on a terminal reaches both processes (one process group); a signal sent to this pid alone,
  // as a service manager or `kill` sends it, must reach gt too. gt serve stops once however often told.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']
  const forward = (signal) => child.kill(signal)
  for (const s of signals) process.on(s, forward)
  child.on('error', (err) => {
    process.stderr.write(`gt: could not run ${node}: ${err.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward)
    // Die of the same signal, so whoever ran gt sees what happened to it.
    if (signal) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}

if (!existsSync(script)) {
  process.stderr.write(`gt: ${script} is missing; run \`npm run build\` in ${root} first.\n`)
  process.exit(1)
}
const needed = neededNode()
if (recentEnough(process.versions.node, needed)) {
  require(script)
} else {
  const own = process.env.GT_LAUNCHED_BY ? null : projectNode()
  if (own) runWith(own)
  else {
    process.stderr.write(
      `gt: needs Node ${needed.join('.')} or newer (its native modules, better-sqlite3 and node-pty, are built for it), ` +
        `but this is Node ${process.versions.node} (${process.execPath}); install Node ${needed[0]}, or run \`npm install\` in ${root} for the project's own.\n`
    )
    process.exit(1)
  }
}
