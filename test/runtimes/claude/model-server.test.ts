// The scripted model server on its own (test/support/model-server): steps answer main turns in order,
// side requests use none, malformed steps are refused, and records keep what was sent.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startModelServer, toolResults } from '../../support/model-server/model-server'

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

function sseEvents(text: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)))
}

test('main turns get the steps in order as Anthropic SSE; side requests and count_tokens use no step', async () => {
  const server = await startModelServer([{ bash: 'ls', description: 'List' }, { say: 'Bye.' }])
  try {
    const tools = [{ name: 'Bash' }]
    const side = await (await post(server.url, { model: 'm', messages: [{ role: 'user', content: 'title?' }], stream: false })).json()
    assert.equal(side.content[0].text, 'OK')
    const first = sseEvents(await (await post(server.url, { model: 'm', tools, stream: true, messages: [{ role: 'user', content: 'go' }] })).text())
    assert.deepEqual(first.map((e) => e.type), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
    assert.equal(first[1].content_block.name, 'Bash')
    assert.deepEqual(JSON.parse(first[2].delta.partial_json), { command: 'ls', description: 'List' })
    assert.equal(first[4].delta.stop_reason, 'tool_use')
    const count = await (await fetch(`${server.url}/v1/messages/count_tokens`, { method: 'POST', body: '{"messages":[]}' })).json()
    assert.ok(count.input_tokens > 0)
    const id = first[1].content_block.id
    const second = sseEvents(
      await (
        await post(server.url, {
          model: 'm',
          tools,
          stream: true,
          messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, is_error: true, content: [{ type: 'text', text: 'denied: no' }] }] }]
        })
      ).text()
    )
    assert.equal(second[2].delta.text, 'Bye.')
    assert.equal(second[4].delta.stop_reason, 'end_turn')
    const done = await (await post(server.url, { model: 'm', tools, stream: false, messages: [] })).json()
    assert.match(done.content[0].text, /no more steps/)
    assert.deepEqual(server.requests.map((r) => [r.kind, r.step]), [['side', undefined], ['main', 0], ['count_tokens', undefined], ['main', 1], ['main', -1]])
    assert.deepEqual(toolResults(server.requests[3].body), [{ tool_use_id: id, is_error: true, text: 'denied: no' }])
    assert.equal((await fetch(server.url, { method: 'HEAD' })).status, 200)
  } finally {
    await server.close()
  }
})

test('a malformed step is refused at once, naming it', async () => {
  await assert.rejects(startModelServer([{ say: 'ok' }, { bash: 1 } as never]), /step 1 \{"bash":1\} is not/)
  await assert.rejects(startModelServer([{ tool: 'Write' } as never]), /step 0/)
})
