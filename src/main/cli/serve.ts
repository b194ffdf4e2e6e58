// gt serve: the control room without Electron — the core plus the headless web host on 127.0.0.1.
import { join } from 'node:path'
import { createCore } from '../core/core'
import { startWebHost } from '../host/web'

/** `outMain` is the folder of the built gt.js (out/main): this module may be bundled into a chunk below it. */
export async function serve(opts: { town: string; port: number; outMain: string }): Promise<void> {
  const core = await createCore({ town: opts.town, gtScript: join(opts.outMain, 'gt.js') })
  const host = await startWebHost({ core, port: opts.port, rendererDir: join(opts.outMain, '..', 'renderer') })
  process.stdout.write(`Gas Town Control Room (headless) for town ${core.town}\nOpen: ${host.url}\n`)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    process.stdout.write(`\n${signal}: saving the agents' work (WIP commits, pushed), then stopping them…\n`)
    await core.close({ progress: (done, total, polecatId) => total && process.stdout.write(`  saved ${done} of ${total}${polecatId ? ` (${polecatId})` : ''}\n`) })
    await host.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}
