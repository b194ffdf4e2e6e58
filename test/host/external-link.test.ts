// The desktop app's rules for a page asking to open a link: only https, only after the user has seen the host
// in a dialog and chosen to open it, one dialog at a time. (The rules and the flow are plain functions;
// security.ts hands them Electron's dialog and shell.openExternal.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ExternalLinks, decideLink, linkPrompt, type LinkPrompt } from '../../src/main/host/electron/external-link'

test('only plain https links are considered', () => {
  assert.deepEqual(decideLink({ url: 'https://github.com/org/repo/pull/1' }), { open: true, url: 'https://github.com/org/repo/pull/1', host: 'github.com' })
  for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,hi', 'vscode://file/x', 'ms-settings:', 'smb://host/share', 'not a url', '']) {
    const d = decideLink({ url })
    assert.equal(d.open, false, url)
    if (!d.open) assert.match(d.reason, /^not opened: /, url)
  }
  const http = decideLink({ url: 'http://example.com/' })
  assert.ok(!http.open && /only https: links/.test(http.reason) && /http:/.test(http.reason))
  // A form posted to a new window is not a link.
  assert.equal(decideLink({ url: 'https://example.com/', postBody: { data: [] } }).open, false)
  assert.equal(decideLink({ url: 'https://example.com/', postBody: undefined }).open, true)
})

test('the host shown is where the link really goes', () => {
  // user-info before @ hides the real host: refused outright.
  const tricked = decideLink({ url: 'https://github.com@evil.example/login' })
  assert.ok(!tricked.open && /evil\.example/.test(tricked.reason))
  // International names show as punycode, the form a look-alike cannot hide in.
  const idn = decideLink({ url: 'https://gіthub.com/' }) // Cyrillic і
  assert.ok(idn.open)
  if (idn.open) assert.match(idn.host, /^xn--gthub-[a-z0-9]+\.com$/)
  const port = decideLink({ url: 'https://example.com:8443/x' })
  assert.ok(port.open && port.host === 'example.com:8443')

  const prompt = linkPrompt({ url: 'https://docs.example.com/a?b=1', host: 'docs.example.com' })
  assert.match(prompt.message, /docs\.example\.com/)
  assert.match(prompt.detail, /Host: docs\.example\.com/)
  assert.match(prompt.detail, /https:\/\/docs\.example\.com\/a\?b=1/)
  assert.equal(prompt.buttons[prompt.defaultId], 'Cancel', 'Enter does not open the link')
  assert.equal(prompt.buttons[prompt.cancelId], 'Cancel')
  assert.equal(prompt.buttons[prompt.openId], 'Open in browser')
})

function recorder() {
  const opened: string[] = []
  const warnings: string[] = []
  const links = new ExternalLinks({ open: async (url) => void opened.push(url), warn: (m) => void warnings.push(m) })
  return { links, opened, warnings }
}

test('a link opens only after the user said yes in the dialog that showed its host', async () => {
  const { links, opened, warnings } = recorder()
  const asked: LinkPrompt[] = []
  assert.equal(await links.request({ url: 'https://example.com/doc' }, async (p) => (asked.push(p), false)), 'cancelled')
  assert.deepEqual(opened, [], 'cancel opens nothing')
  assert.match(asked[0].message, /example\.com/)

  assert.equal(await links.request({ url: 'https://example.com/doc' }, async () => true), 'opened')
  assert.deepEqual(opened, ['https://example.com/doc'])

  let prompted = false
  const refused = await links.request({ url: 'file:///etc/passwd' }, async () => (prompted = true))
  assert.match(refused, /only https:/)
  assert.equal(prompted, false, 'a refused link never reaches the dialog')
  assert.deepEqual(opened, ['https://example.com/doc'])
  assert.equal(warnings.length, 1)
})

test('one dialog at a time: a page cannot stack prompts while one waits', async () => {
  const { links, opened } = recorder()
  let answer!: (yes: boolean) => void
  const first = links.request({ url: 'https://one.example/' }, () => new Promise<boolean>((r) => (answer = r)))
  let askedSecond = false
  const second = await links.request({ url: 'https://two.example/' }, async () => (askedSecond = true))
  assert.match(second, /two\.example.*another link was waiting/)
  assert.equal(askedSecond, false)
  answer(true)
  assert.equal(await first, 'opened')
  assert.deepEqual(opened, ['https://one.example/'])
  // Once answered, the next link gets its own dialog.
  assert.equal(await links.request({ url: 'https://two.example/' }, async () => true), 'opened')
})

test('a failure to open is reported, and does not leave the dialog gate shut', async () => {
  const warnings: string[] = []
  const links = new ExternalLinks({ open: async () => Promise.reject(new Error('no browser')), warn: (m) => void warnings.push(m) })
  assert.match(await links.request({ url: 'https://example.com/' }, async () => true), /could not open example\.com: no browser/)
  assert.match(await links.request({ url: 'https://example.com/' }, async () => false), /cancelled/)
  assert.equal(warnings.length, 1)
})
