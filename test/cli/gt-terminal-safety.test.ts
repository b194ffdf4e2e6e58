// What gt prints that agents or people wrote reaches the terminal without escape sequences, and control
// characters show as \xNN escapes: the real built gt as a child process, against a real control room.
// The hostile text is stored through the core's own classes, as text stored before the contract refused
// it would be, or as an agent's terminal output (which nothing refuses) is.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCore, type Core } from '../../src/main/core/core'
import { GT_SCRIPT, fakeAgentCmd, gitIdentityEnv, makeRepo, removeDir, requireBuild, tempDir, waitForFile } from '../support/fixtures'
import { runGt } from '../support/run-gt'

let town: string
let repo: string
let core: Core
const gt = (args: string[], env: Record<string, string> = {}) => runGt(args, { GT_TOWN: town, ...env })

// An OSC that retitles the terminal, CSIs that clear a line and move up, the one-byte C1 CSI, a stray ESC,
// a right-to-left override, a line break that would forge a table row, NUL, backspace and DEL.
const OSC_TITLE = '\x1b]0;pwned\x07'
const CLEAR = '\x1b[2K\x1b[1A'
const HOSTILE_TITLE = `Fix ${OSC_TITLE}login${CLEAR} now\u009b2J\x1bx \u202eevil\nP0 forged row\x00end`
const SHOWN_TITLE = 'Fix login now\\x1bx \\u202eevil\\x0aP0 forged row\\x00end'

/** Every character a terminal would act on, other than line breaks and tabs. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g
function assertInert(s: string, what: string): void {
  assert.deepEqual(s.match(RAW_CONTROL), null, `${what} has raw control characters: ${JSON.stringify(s)}`)
}

before(async () => {
  requireBuild()
  gitIdentityEnv()
  town = tempDir('town')
  repo = makeRepo()
  core = await createCore({ town, gtScript: GT_SCRIPT })
})
after(async () => {
  await core?.close()
  removeDir(town)
  removeDir(repo)
})

test('bead list, bead show and the inbox strip escape sequences and show control characters; --json escapes C1 and bidi too', async () => {
  const bead = core.beads.create(
    { title: HOSTILE_TITLE, description: `first\r\nsecond ${OSC_TITLE}\x08\x7f third\tcolumn`, priority: 1, type: 'task', labels: [`l${CLEAR}x`], deps: [] },
    'human'
  )
  core.ledger.append('app/nux', 'agent.note', bead.id, { text: `tried ${OSC_TITLE} the \u0085 thing \u202e` })
  core.inbox.raise({ kind: 'escalation', severity: 'P1', title: `Need ${OSC_TITLE}a decision${CLEAR}`, body: `body \x1b[31mred`, polecatId: null, beadId: bead.id }, 'core', 'test.escalation')

  const list = await gt(['bead', 'list'])
  assert.equal(list.code, 0, list.stderr)
  assertInert(list.stdout, 'gt bead list')
  assert.ok(list.stdout.includes(SHOWN_TITLE), list.stdout)
  assert.equal(list.stdout.trimEnd().split('\n').length, 2, 'a header and one row: the line break in the title forged no row')

  const show = await gt(['bead', 'show', bead.id])
  assert.equal(show.code, 0, show.stderr)
  assertInert(show.stdout, 'gt bead show')
  assert.ok(show.stdout.includes(`${bead.id}  ${SHOWN_TITLE}`), show.stdout)
  assert.ok(show.stdout.includes('labels: lx'), show.stdout)
  assert.ok(show.stdout.includes('first\nsecond \\x08\\x7f third\tcolumn'), 'the description keeps its lines and tab; CRLF became \\n')
  assert.match(show.stdout, /agent\.note  \{"text":"tried \\u001b\]0;pwned\\u0007 the \\u0085 thing \\u202e"\}/)

  const inbox = await gt(['inbox'])
  assertInert(inbox.stdout, 'gt inbox')
  assert.match(inbox.stdout, /P1 +escalation +open +- +- +Need a decision\n/)

  for (const args of [['bead', 'show', bead.id], ['bead', 'list']]) {
    const r = await gt([...args, '--json'])
    assertInert(r.stdout, `gt ${args.join(' ')} --json`)
    assert.ok(r.stdout.includes('\\u009b2J') && r.stdout.includes('\\u202eevil'), 'C1 and bidi are \\u escapes in the JSON text')
  }
  assertInert((await gt(['inbox', '--json'])).stdout, 'gt inbox --json')
  // The escapes are JSON's own: a program reading --json gets back exactly what was stored.
  const parsed = JSON.parse((await gt(['bead', 'show', bead.id, '--json'])).stdout)
  assert.equal(parsed.bead.title, HOSTILE_TITLE)
  assert.equal(parsed.events.find((e: { kind: string }) => e.kind === 'agent.note').data.text, `tried ${OSC_TITLE} the \u0085 thing \u202e`)
})

test("an agent's prime and mail, and a session transcript, reach the terminal inert; --raw replays the recorded bytes", async () => {
  const added = await gt(['rig', 'add', 'app', repo])
  assert.equal(added.code, 0, added.stderr)
  const bead = core.beads.create({ title: HOSTILE_TITLE, description: `do ${OSC_TITLE}it`, priority: 2, type: 'task', rig: 'app', labels: [], deps: [] }, 'human')
  core.ledger.append('app/earlier', 'agent.note', bead.id, { text: `dead end ${CLEAR}\u009b` })
  const cues = join(tempDir('cues'), 'cues')
  const script = [
    { waitFor: 'mail-in' },
    { run: 'gt prime > prime.txt 2>&1' },
    { run: 'gt mail check > mail.txt 2>&1' },
    { say: `${OSC_TITLE}${CLEAR}agent says hi\u009b2J` },
    { signal: 'read' },
    { hang: true }
  ]
  const slung = await gt(['sling', bead.id, 'app', '--agent-cmd', fakeAgentCmd(cues, script), '--json'])
  assert.equal(slung.code, 0, slung.stderr)
  const pc = JSON.parse(slung.stdout) as { id: string; worktree: string; sessionId: string }
  core.db
    .prepare('INSERT INTO mail (id, sender, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run('mail-hostile', `app/other${OSC_TITLE}`, pc.id, `Subject ${CLEAR}here\nFrom forged`, `Body ${OSC_TITLE}line\r\nnext\x00`, new Date().toISOString())
  writeFileSync(join(cues, 'mail-in'), 'go')
  await waitForFile(join(cues, 'read'))
  try {
    const prime = readFileSync(join(pc.worktree, 'prime.txt'), 'utf8')
    assertInert(prime, 'gt prime')
    assert.ok(prime.includes(`On your hook: ${bead.id} — ${SHOWN_TITLE}`), prime)
    assert.ok(prime.includes('do it'), prime)
    assert.ok(prime.includes('"dead end \\u001b[2K\\u001b[1A\\u009b"'), prime)
    assert.ok(prime.includes('from app/other: Subject here\\x0aFrom forged'), prime)

    const mail = readFileSync(join(pc.worktree, 'mail.txt'), 'utf8')
    assertInert(mail, 'gt mail check')
    assert.ok(mail.includes('From app/other ('), mail)
    assert.ok(mail.includes('): Subject here\\x0aFrom forged\nBody line\nnext\\x00'), mail)

    const shown = await gt(['session', 'show', pc.sessionId])
    assert.equal(shown.code, 0, shown.stderr)
    assertInert(shown.stdout, 'gt session show')
    assert.ok(shown.stdout.includes('exited 0\nagent says hi\n'), shown.stdout)
    const raw = await gt(['session', 'show', pc.sessionId, '--raw'])
    // The fake agent writes \r\n and the PTY makes it \r\r\n: --raw keeps even that.
    assert.ok(raw.stdout.includes(`${OSC_TITLE}${CLEAR}agent says hi\u009b2J\r\r\n`), JSON.stringify(raw.stdout))
    assert.ok(!raw.stdout.includes('session.started'), '--raw is the output alone, to replay')
  } finally {
    await gt(['polecat', 'stop', pc.id])
  }
})

test('an error message that quotes what it was given is inert on stderr too', async () => {
  // node:util parseArgs quotes an unknown option as it came, escape sequences and all.
  const r = await gt(['bead', 'list', `--x${OSC_TITLE}`])
  assert.equal(r.code, 2)
  assertInert(r.stderr, 'the error message')
  assert.match(r.stderr, /Unknown option '--x'/)
})
