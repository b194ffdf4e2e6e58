#!/usr/bin/env node
// The package's `gt` bin: runs the built command (npm run build makes out/main/gt.js).
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const script = join(__dirname, '..', 'out', 'main', 'gt.js')
if (!existsSync(script)) {
  process.stderr.write(`gt: ${script} is missing; run \`npm run build\` in ${join(__dirname, '..')} first.\n`)
  process.exit(1)
}
require(script)
