// Calls a running control room the way gt does: POST /rpc on the loopback endpoint of <town>/endpoint.json,
// with the human token. For tests that run the control room as a separate process (gt serve).
import { readEndpoint } from '../../src/main/core/endpoint/endpoint-file'

export type Rpc = <T = any>(method: string, params?: unknown) => Promise<T> // eslint-disable-line @typescript-eslint/no-explicit-any

export function endpointRpc(town: string): Rpc {
  return async (method, params = {}) => {
    const info = readEndpoint(town)
    if (!info) throw new Error(`no endpoint.json in ${town}`)
    const res = await fetch(`${info.url}/rpc`, { method: 'POST', headers: { authorization: `Bearer ${info.token}` }, body: JSON.stringify({ method, params }) })
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    const last = lines[lines.length - 1]
    if (last.error) throw Object.assign(new Error(last.error.message), { code: last.error.code })
    return last.result
  }
}
