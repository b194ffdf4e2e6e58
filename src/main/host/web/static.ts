// Files of the built renderer (out/renderer), and nothing outside it.
import { realpath, stat } from 'node:fs/promises'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8'
}

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

export type Resolved = { kind: 'file'; path: string; size: number } | { kind: 'missing' } | { kind: 'forbidden' }

/**
 * Maps a URL path (still percent-encoded, as in the request) to a regular file inside `root`.
 * Encoded dots and slashes are decoded before the check, and symlinks are followed before
 * the check too, so neither `..%2f` nor a link inside out/renderer can reach outside it.
 */
export async function resolveAsset(root: string, urlPath: string): Promise<Resolved> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return { kind: 'forbidden' }
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'forbidden' }
  const base = resolve(root)
  const candidate = resolve(base, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded))
  if (!inside(base, candidate)) return { kind: 'forbidden' }
  try {
    const real = await realpath(candidate)
    if (!inside(await realpath(base), real)) return { kind: 'forbidden' }
    const info = await stat(real)
    return info.isFile() ? { kind: 'file', path: real, size: info.size } : { kind: 'missing' }
  } catch {
    return { kind: 'missing' }
  }
}

function inside(base: string, candidate: string): boolean {
  const rel = relative(base, candidate)
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel)
}
