#!/usr/bin/env node
// The keystroke-latency target: a raw-mode program that echoes every key itself, like an agent CLI's
// input box does (the kernel's canonical-mode echo is off in raw mode). Enter starts a new line.
process.stdin.setRawMode(true)
process.stdin.setEncoding('utf8')
process.stdout.write('echo ready\r\n')
process.stdin.on('data', (d) => process.stdout.write(d.replace(/\r/g, '\r\n')))
