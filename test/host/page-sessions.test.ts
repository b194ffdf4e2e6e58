// Page sessions and WebSocket tickets on their own, with a clock the test moves: tickets are single-use and
// short-lived, sessions and tickets are bounded, and nothing but a live session gets a ticket.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_SESSIONS, MAX_TICKETS, PageSessions, TICKET_TTL_MS } from '../../src/main/host/web/sessions'

function clocked() {
  let now = 1_000_000
  const sessions = new PageSessions(() => now)
  return { sessions, advance: (ms: number) => (now += ms) }
}

test('a ticket works once, and only within its time', () => {
  const { sessions, advance } = clocked()
  const s = sessions.open()
  const once = sessions.issueTicket(s)!
  assert.equal(sessions.redeem(once), true)
  assert.equal(sessions.redeem(once), false, 'a used ticket is gone')

  const late = sessions.issueTicket(s)!
  advance(TICKET_TTL_MS)
  assert.equal(sessions.redeem(late), false, 'an expired ticket is refused')
  const inTime = sessions.issueTicket(s)!
  advance(TICKET_TTL_MS - 1)
  assert.equal(sessions.redeem(inTime), true)
})

test('only a live session gets a ticket; secrets are not each other', () => {
  const { sessions } = clocked()
  assert.equal(sessions.issueTicket(undefined), null)
  assert.equal(sessions.issueTicket(''), null)
  assert.equal(sessions.issueTicket('made-up'), null)
  const s = sessions.open()
  const t = sessions.issueTicket(s)!
  assert.equal(sessions.isSession(t), false, 'a ticket is not a session')
  assert.equal(sessions.redeem(s), false, 'a session is not a ticket')
  assert.equal(sessions.redeem(''), false)
  assert.equal(sessions.redeem(null), false)
  assert.notEqual(sessions.open(), s, 'every session is new')
})

test('sessions and tickets are bounded: the oldest go first', () => {
  const { sessions } = clocked()
  const first = sessions.open()
  const rest = Array.from({ length: MAX_SESSIONS }, () => sessions.open())
  assert.equal(sessions.isSession(first), false, 'the oldest session was dropped')
  assert.ok(rest.every((s) => sessions.isSession(s)))

  const s = rest[rest.length - 1]
  const oldest = sessions.issueTicket(s)!
  const tickets = Array.from({ length: MAX_TICKETS }, () => sessions.issueTicket(s)!)
  assert.equal(sessions.redeem(oldest), false, 'the oldest ticket was dropped')
  assert.ok(tickets.every((t) => sessions.redeem(t)))
})
