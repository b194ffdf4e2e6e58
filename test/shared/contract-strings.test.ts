// The contract's checks on what people and agents write: one-line fields refuse every control character,
// texts keep line breaks and tabs (CRLF and CR become \n) and refuse the rest, bead ids are safe in git refs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ALL_METHODS } from '../../src/shared/contract'

function parse(method: string, params: unknown): { ok: true; data: Record<string, unknown> } | { ok: false; messages: string[] } {
  const r = ALL_METHODS[method].params.safeParse(params)
  return r.success ? { ok: true, data: r.data as Record<string, unknown> } : { ok: false, messages: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }
}

function refused(method: string, params: unknown, pattern: RegExp): void {
  const r = parse(method, params)
  assert.equal(r.ok, false, `${method} accepted ${JSON.stringify(params)}`)
  if (!r.ok) assert.ok(r.messages.some((m) => pattern.test(m)), `${JSON.stringify(r.messages)} does not match ${pattern}`)
}

function accepted(method: string, params: unknown): Record<string, unknown> {
  const r = parse(method, params)
  assert.ok(r.ok, `${method} refused ${JSON.stringify(params)}: ${r.ok ? '' : r.messages.join('; ')}`)
  return r.data
}

// Everything a terminal or the agent's argv would act on, one of each family.
const CONTROLS = ['\x00', '\x07', '\x08', '\x1b', '\r', '\x7f', '\u0085', '\u009b']

test('a bead title is one line: every control character is refused, by name and position', () => {
  for (const c of [...CONTROLS, '\t', '\n']) refused('beads.create', { title: `a${c}b` }, /^title: a bead title is one line of plain text, but character 2 is the control character U\+00/)
  refused('beads.create', { title: 'x\x1b]0;pwned\x07' }, /character 2 is the control character U\+001B \(ESC\): remove it/)
  refused('beads.update', { id: 'gt-abc12', title: 'x\ny' }, /^title: .*U\+000A \(line break\)/)
  // Surrounding whitespace, a pasted trailing newline included, is still trimmed away, not refused.
  assert.equal(accepted('beads.create', { title: '  Fix the login\r\n' }).title, 'Fix the login')
  assert.equal(accepted('beads.create', { title: 'Ünïcödé — fine, also \u202e bidi' }).title, 'Ünïcödé — fine, also \u202e bidi')
  refused('beads.create', { title: '   ' }, /a bead title is empty/)
})

test('labels, assignees, subjects, escalation titles and rig sources are one line too', () => {
  refused('beads.create', { title: 't', labels: ['ok', 'bad\tlabel'] }, /^labels\.1: a label is one line/)
  refused('beads.update', { id: 'gt-abc12', addLabels: ['x\x1b[2J'] }, /a label is one line/)
  refused('beads.update', { id: 'gt-abc12', assignee: 'r/n\x00' }, /an assignee is one line/)
  refused('agent.mail.send', { to: 'app/nux', subject: 'hi\rthere' }, /^subject: a mail subject is one line/)
  refused('agent.escalate', { severity: 'P1', title: 'T\x1b]2;x\x07' }, /^title: an escalation title is one line/)
  refused('rigs.add', { name: 'app', source: '/tmp/x\ny' }, /^source: a rig source .* is one line/)
  refused('beads.list', { text: 'x\x1b' }, /the search text is one line/)
})

test('descriptions, notes, mail and escalation bodies keep line breaks and tabs, turn CRLF and CR into \\n, refuse other controls', () => {
  const d = accepted('beads.create', { title: 't', description: 'one\r\ntwo\rthree\n\tindented' })
  assert.equal(d.description, 'one\ntwo\nthree\n\tindented')
  const texts: [string, Record<string, unknown>, string, RegExp][] = [
    ['beads.create', { title: 't' }, 'description', /^description: a bead description may hold line breaks and tabs but no other control character; character 3 is U\+/],
    ['beads.update', { id: 'gt-abc12' }, 'description', /a bead description may hold/],
    ['beads.close', { id: 'gt-abc12' }, 'reason', /a close reason may hold/],
    ['agent.note', {}, 'text', /^text: a note may hold/],
    ['agent.mail.send', { to: 'app/nux', subject: 's' }, 'body', /^body: a mail body may hold/],
    ['agent.escalate', { severity: 'P0', title: 't' }, 'body', /^body: an escalation body may hold/],
    ['agent.done', {}, 'summary', /a summary may hold/],
    ['sling', { bead: 'gt-abc12', rig: 'app' }, 'agentCmd', /an agent command may hold/]
  ]
  for (const [method, rest, field, pattern] of texts) {
    for (const c of CONTROLS.filter((x) => x !== '\r')) refused(method, { ...rest, [field]: `ab${c}cd` }, pattern)
    assert.equal(accepted(method, { ...rest, [field]: 'line one\r\n\tline two' })[field], 'line one\n\tline two')
  }
  refused('agent.note', { text: 'a NUL \x00 cuts text short' }, /character 7 is U\+0000 \(NUL\)/)
})

test('bead ids are letters, digits, ".", "_" and "-", not starting with "-" or ".", and valid in a git ref', () => {
  for (const id of ['gt-k3x9a', 'ABC_1.2-x', '_x', '7']) accepted('beads.show', { id })
  for (const id of ['-rf', '.hidden', 'a..b', 'a.', 'x.lock', 'a/b', 'a b', 'a\x1b', 'a:b', 'é', '', 'x'.repeat(65)]) {
    refused('beads.show', { id }, /bead id/)
  }
  refused('beads.show', { id: '-rf' }, /"-rf" is not a bead id: use letters, digits, "\.", "_" and "-", not starting with "-" or "\."/)
  // Everywhere a bead id is taken.
  refused('beads.create', { title: 't', deps: [{ type: 'blocks', target: '../x' }] }, /^deps\.0\.target: "\.\.\/x" is not a bead id/)
  refused('sling', { bead: 'a;b', rig: 'app' }, /^bead: .*is not a bead id/)
  refused('sessions.list', { bead: 'a b' }, /not a bead id/)
})
