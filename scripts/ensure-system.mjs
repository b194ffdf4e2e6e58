// Before the tests: the system programs they need (git, Debian's Chromium). On a fresh Debian/Ubuntu
// machine where we are root, install what is missing; otherwise stop with the command to run.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const missing = []
if (!has('git')) missing.push('git')
if (!existsSync(chromium)) missing.push('chromium')

if (missing.length) {
  const isRoot = process.getuid?.() === 0
  if (!isRoot || !has('apt-get')) {
    console.error(`The tests need ${missing.join(' and ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}) and run again.`)
    process.exit(1)
  }
  console.log(`Installing ${missing.join(', ')} with apt-get (needed by the tests)…`)
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
}
const gitVersion = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()
console.log(`System ready: ${gitVersion}; Chromium at ${chromium}; Node ${process.version}`)
