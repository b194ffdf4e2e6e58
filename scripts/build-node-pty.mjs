// After install: node-pty built from source on Linux. Its Linux prebuild marks inherited descriptors
// close-on-exec with a fallback loop that stops at the first closed one (it lacks close_range), so an
// agent started after a gap in the core's descriptor table inherited an earlier agent's PTY master and
// could read and write that agent's terminal (microsoft/node-pty#657; seen with 1.2.0-beta.15's
// prebuild). Built here, node-pty uses close_range(CLOSE_RANGE_CLOEXEC) and nothing leaks.
// test/core/pty-isolation.test.ts checks it with a gap made on purpose.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const prebuilds = join(root, 'node_modules', 'node-pty', 'prebuilds')
if (process.platform === 'linux' && existsSync(prebuilds)) {
  console.log('Building node-pty from source (its Linux prebuild lets agents inherit each other\'s terminals)…')
  const r = spawnSync('npm', ['rebuild', 'node-pty'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, npm_config_build_from_source: 'true' }
  })
  if (r.status !== 0) {
    console.error('node-pty could not be built from source: install python3, make and g++, then run `npm install` again.')
    process.exit(1)
  }
}
