// `npm start`: run the desktop app if an Electron binary can run here, otherwise serve the very
// same control room headless (gt serve) so the command is never a dead end.
// Runs under the Node that npm picked (process.execPath); the app is already built.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * A runnable Electron binary, or why there is none. Never downloads: require('electron') would
 * try to, so its path is worked out here the way the electron package's index.js does.
 */
export function findElectron(env = process.env) {
  const candidate = env.ELECTRON_PATH || electronPackageBinary(env)
  if (!candidate) return { path: null, reason: 'the electron package has no binary installed' }
  if (!existsSync(candidate)) return { path: null, reason: `${candidate} does not exist` }
  const probe = spawnSync(candidate, ['--version'], { timeout: 10_000, encoding: 'utf8', env: appEnv(env) })
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message || probe.stderr?.trim() || `exit ${probe.status ?? probe.signal}`
    return { path: null, reason: `${candidate} --version failed: ${why}` }
  }
  // Linux: Electron needs a display server to open a window.
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { path: null, reason: 'no DISPLAY or WAYLAND_DISPLAY' }
  return { path: candidate, reason: null }
}

function electronPackageBinary(env) {
  const pkg = join(ROOT, 'node_modules', 'electron')
  if (!existsSync(join(pkg, 'package.json'))) return null
  const pathFile = join(pkg, 'path.txt')
  const relative = existsSync(pathFile)
    ? readFileSync(pathFile, 'utf8').trim()
    : { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' }[process.platform] ?? 'electron'
  return join(env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist'), relative)
}

/** ELECTRON_RUN_AS_NODE (set by some tools) would turn Electron into plain Node; the app must start as an app. */
function appEnv(env) {
  const { ELECTRON_RUN_AS_NODE: _drop, ...rest } = env
  return rest
}

function run(command, args) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env: appEnv(process.env) })
  // Ctrl-C and kill reach the child, which closes the core before it exits.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
  child.on('error', (err) => {
    console.error(`could not start ${command}: ${err.message}`)
    process.exit(1)
  })
}

function main() {
  const args = process.argv.slice(2)
  const electron = findElectron()
  if (electron.path) return run(electron.path, ['.', ...args])
  console.log(`No Electron binary can run here (${electron.reason}); serving the same control room headless instead.`)
  run(process.execPath, [join(ROOT, 'bin', 'gt.cjs'), 'serve', ...args])
}

// Run only when executed (`node scripts/start.mjs`), so tests can import findElectron.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main()
