// Runs the built gt as users and agents do: a child process of `node bin/gt.cjs`, never an import.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './fixtures'

export interface GtRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Asynchronous on purpose: the control room answering gt usually runs in the test's own process. */
export function runGt(args: string[], env: Record<string, string | undefined>, opts: { node?: string } = {}): Promise<GtRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, [join(ROOT, 'bin', 'gt.cjs'), ...args], {
      env: { ...process.env, GT_TOKEN: '', GT_ENDPOINT: '', ...env }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}
