// The `gt hook` command as tests run it: the same runGtHook the real gt calls, bundled into one file by
// claude-harness.ts so each hook starts in a few tens of milliseconds. Usage: node gt-hook.mjs hook EVENT
import { runGtHook } from '../../../../src/main/cli/hook'

const [sub, ...rest] = process.argv.slice(2)
if (sub !== 'hook') {
  process.stderr.write(`gt-hook test entry: only "hook EVENT" is supported, got ${JSON.stringify(process.argv.slice(2))}\n`)
  process.exit(1)
}
runGtHook(rest, { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`gt hook: ${String(err)}\n`)
    process.exitCode = 1
  }
)
