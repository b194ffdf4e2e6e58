// <town>/endpoint.json tells the gt command where the running control room of a town listens, and carries
// the town's human token. Owner-only permissions: anyone who can read it can act as the human.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface EndpointInfo {
  url: string
  token: string
  pid: number
  startedAt: string
}

export const endpointPath = (town: string): string => join(town, 'endpoint.json')

export function readEndpoint(town: string): EndpointInfo | null {
  const file = endpointPath(town)
  if (!existsSync(file)) return null
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EndpointInfo
  } catch {
    return null
  }
}

export function writeEndpoint(town: string, info: EndpointInfo): void {
  const file = endpointPath(town)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

export function removeEndpoint(town: string, pid: number): void {
  const info = readEndpoint(town)
  if (info && info.pid === pid) rmSync(endpointPath(town), { force: true })
}
