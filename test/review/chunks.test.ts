// The diff view's cutting of a file's diff into chunks (what lets a 20,000-line diff render only what is near
// the screen), and the highlighting of one chunk: every change is kept, in order, with its line numbers; a
// hunk's header is shown once; a chunk deep in a file is highlighted as its own lines, not as the whole file
// up to it, and its tokens land on the right lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getChangeKey, parseDiff } from 'react-diff-view'
import { CHUNK_LINES, changeAt, chunkHunks, lineOf, rebased } from '../../src/renderer/src/views/diff/chunks'
import { languageOf, tokensFor } from '../../src/renderer/src/views/diff/highlight'

function bigPatch(lines: number): string {
  let p = 'diff --git a/big.ts b/big.ts\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/big.ts\n'
  p += `@@ -0,0 +1,${lines} @@\n`
  for (let i = 1; i <= lines; i++) p += `+export const value${i} = ${i}\n`
  return p
}

// Two hunks, the second long and mixed: deletions, insertions and context across chunk boundaries.
function mixedPatch(): string {
  let p = 'diff --git a/m.ts b/m.ts\nindex 1111111..2222222 100644\n--- a/m.ts\n+++ b/m.ts\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n'
  const body: string[] = []
  let oldN = 0
  let newN = 0
  for (let i = 0; i < 450; i++) {
    if (i % 3 === 0) (body.push(`-old ${i}`), oldN++)
    else if (i % 3 === 1) (body.push(`+new ${i}`), newN++)
    else (body.push(` same ${i}`), oldN++, newN++)
  }
  p += `@@ -100,${oldN} +100,${newN} @@ function f() {\n${body.join('\n')}\n`
  return p
}

test('chunks keep every change in order, cut long hunks into pieces with their own starts, and show a header once', () => {
  const file = parseDiff(mixedPatch())[0]
  const chunks = chunkHunks(file.hunks)
  const all = file.hunks.flatMap((h) => h.changes)
  assert.deepEqual(chunks.flatMap((c) => c.hunks.flatMap((h) => h.changes)), all, 'the same changes, in order')
  assert.ok(chunks.every((c) => c.lines <= CHUNK_LINES))
  assert.equal(chunks.length, Math.ceil(all.length / CHUNK_LINES))
  assert.equal(chunks.flatMap((c) => c.startsHunk).filter(Boolean).length, file.hunks.length, 'one header per hunk of the patch')
  for (const c of chunks) {
    for (const h of c.hunks) {
      // Each piece starts at the old and new lines of its first change of that side.
      const firstOld = h.changes.find((x) => x.type !== 'insert')
      const firstNew = h.changes.find((x) => x.type !== 'delete')
      if (firstOld) assert.equal(h.oldStart, lineOf(firstOld, 'old').line)
      if (firstNew) assert.equal(h.newStart, lineOf(firstNew, 'new').line)
      assert.equal(h.oldLines, h.changes.filter((x) => x.type !== 'insert').length)
      assert.equal(h.newLines, h.changes.filter((x) => x.type !== 'delete').length)
    }
  }
  const del = all.find((x) => x.type === 'delete' && x.content === 'old 3')!
  assert.deepEqual(lineOf(del), { side: 'old', line: 102 }, 'old 0 is line 100, same 2 is 101')
  assert.equal(changeAt(file.hunks, 'old', 102), del)
  const ctx = all.find((x) => x.type === 'normal' && x.content === 'same 5')!
  assert.deepEqual(lineOf(ctx), { side: 'new', line: lineOf(ctx, 'new').line })
  assert.equal(changeAt(file.hunks, 'new', lineOf(ctx, 'new').line), ctx)
  assert.equal(changeAt(file.hunks, 'new', 99_999), null)
})

test('a chunk deep in a 20,000-line file is highlighted as its own 200 lines, and its tokens land on its lines', () => {
  const file = parseDiff(bigPatch(20_000))[0]
  const chunks = chunkHunks(file.hunks)
  assert.equal(chunks.length, 100)
  const last = chunks[99]
  assert.equal(last.hunks[0].newStart, 19_801)
  const r = rebased(last.hunks)
  assert.equal(r.newOffset, 19_800)
  assert.equal(r.hunks[0].changes[0].type === 'insert' && r.hunks[0].changes[0].lineNumber, 1)

  const seen: number[] = []
  const spy = { highlight: (text: string) => (seen.push(text.split('\n').length), [{ type: 'text', value: text }]) }
  const tokens = tokensFor(last.hunks, 'typescript', spy)
  assert.ok(tokens)
  assert.ok(Math.max(...seen) <= CHUNK_LINES, `the grammar ran on ${Math.max(...seen)} lines: it should see only the chunk's own`)
  const line = (n: number) => JSON.stringify(tokens.new[n - 1])
  assert.match(line(19_801), /export const value19801 = 19801/)
  assert.match(line(20_000), /export const value20000 = 20000/)
  assert.equal(tokens.new[19_799], undefined, 'nothing for the lines of other chunks')
  // The real grammar: TypeScript keywords become spans with highlight.js's class names.
  const real = tokensFor(chunks[0].hunks, languageOf('src/big.ts'))
  assert.match(JSON.stringify(real!.new[0]), /hljs-keyword/)
  assert.equal(getChangeKey(chunks[0].hunks[0].changes[0]), 'I1')
})

test('the language comes from the name; unknown names are shown plain', () => {
  assert.equal(languageOf('src/app.ts'), 'ts')
  assert.equal(languageOf('x/Component.tsx'), 'typescript')
  assert.equal(languageOf('Makefile'), 'makefile')
  assert.equal(languageOf('main.py'), 'py')
  assert.equal(languageOf('data.unknownext'), null)
  assert.equal(languageOf('LICENSE'), null)
  assert.equal(tokensFor(chunkHunks(parseDiff(bigPatch(3))[0].hunks)[0].hunks, null)?.new.length, 3, 'plain tokens without a grammar')
})
