// One Content-Security-Policy for the built page: the web host's header, Electron's, and the meta tag in the
// built out/renderer/index.html (which cannot carry frame-ancestors) must say the same thing.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { STRICT_DIRECTIVES, electronPolicy, metaPolicy, strictPolicy } from '../../src/main/host/csp'
import { securityHeaders } from '../../src/main/host/web/http'
import { ROOT } from '../support/fixtures'

const BUILT = join(ROOT, 'out', 'renderer', 'index.html')

/** A policy as a list of directives with normalised spacing, in order. */
const directives = (policy: string): string[] =>
  policy
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean)

function builtMetaPolicy(): string {
  assert.ok(existsSync(BUILT), `${BUILT} is missing: run \`npx electron-vite build\` first (npm test does)`)
  const html = readFileSync(BUILT, 'utf8')
  const metas = [...html.matchAll(/<meta\b[^>]*http-equiv="Content-Security-Policy"[^>]*>/gi)]
  assert.equal(metas.length, 1, 'the built page has exactly one CSP meta tag')
  const content = /\bcontent="([^"]*)"/i.exec(metas[0][0])
  assert.ok(content, 'the CSP meta tag has a content attribute')
  return content[1].replace(/&#39;|&apos;/g, "'")
}

test('the built index.html carries the strict policy, minus only what a meta tag cannot carry', () => {
  const meta = directives(builtMetaPolicy())
  assert.deepEqual(meta, directives(metaPolicy()))
  assert.deepEqual(
    directives(strictPolicy()).filter((d) => !meta.includes(d)),
    ["frame-ancestors 'none'"],
    'the header has frame-ancestors on top, nothing else'
  )
})

test('the web host and Electron send the same strict policy for the built page', () => {
  assert.equal(securityHeaders()['Content-Security-Policy'], strictPolicy())
  assert.equal(electronPolicy(null), strictPolicy())
  assert.deepEqual(directives(strictPolicy()), [...STRICT_DIRECTIVES])
  // Scripts only from the page's own origin; the socket via 'self' (no blanket ws:, which would allow any host).
  assert.ok(STRICT_DIRECTIVES.includes("script-src 'self'"))
  assert.ok(STRICT_DIRECTIVES.includes("connect-src 'self'"))
  assert.ok(!strictPolicy().includes('ws:'))
})

test("Electron's dev policy loosens only script-src and connect-src, for Vite's dev server", () => {
  const dev = directives(electronPolicy('http://localhost:5173'))
  const changed = dev.filter((d) => !STRICT_DIRECTIVES.includes(d))
  assert.deepEqual(changed, ["script-src 'self' 'unsafe-inline' http://localhost:5173", "connect-src 'self' http://localhost:5173 ws://localhost:5173"])
  assert.equal(dev.length, STRICT_DIRECTIVES.length)
})

test('the built page loads no code that probes for eval (zod does, and the strict policy reports it as a violation)', () => {
  const assets = join(ROOT, 'out', 'renderer', 'assets')
  assert.ok(existsSync(assets), `build first: ${assets} is missing`)
  const { readdirSync } = require('node:fs') as typeof import('node:fs')
  for (const f of readdirSync(assets).filter((n) => n.endsWith('.js'))) {
    const js = readFileSync(join(assets, f), 'utf8')
    // zod 4's allowsEval probe; the renderer imports types from the contract, never the contract itself.
    assert.equal(/\bjitless\b|Function\(``\)|Function\(""\)/.test(js), false, `${f} probes for eval: a renderer file imports the contract (zod) rather than its types`)
  }
})
