// The real gt against a scenario's town, as a user types it: its stdout, or the test fails with what it printed.
import assert from 'node:assert/strict'
import { runGt } from '../../test/support/run-gt'

export async function gtOk(town: string, args: string[]): Promise<string> {
  const r = await runGt(args, { GT_TOWN: town })
  assert.equal(r.code, 0, `gt ${args.join(' ')}: ${r.stdout}${r.stderr}`)
  return r.stdout
}
