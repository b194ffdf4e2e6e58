// A list store applies rows the core pushes (upsert) and re-reads the whole list on connect: a row pushed
// while a re-read is under way is newer than that re-read's answer and must not be overwritten by it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createListStore, mergeFresh } from '../../src/renderer/src/stores/list'

interface Row {
  id: string
  v: number
}

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

test('a row upserted during a re-read wins over the answer; one the answer lacks is kept', async () => {
  let answer = deferred<Row[]>()
  const store = createListStore<Row>(() => answer.promise, (r) => r.id)
  const first = store.getState().refresh()
  answer.resolve([{ id: 'a', v: 1 }])
  await first
  assert.deepEqual(store.getState().items, [{ id: 'a', v: 1 }])

  answer = deferred<Row[]>()
  const second = store.getState().refresh()
  // Pushed after the core read its list, before the answer arrived.
  store.getState().upsert({ id: 'a', v: 2 })
  store.getState().upsert({ id: 'new', v: 1 })
  answer.resolve([{ id: 'a', v: 1 }, { id: 'b', v: 1 }])
  await second
  assert.deepEqual(store.getState().items, [{ id: 'a', v: 2 }, { id: 'b', v: 1 }, { id: 'new', v: 1 }])

  // Outside a re-read the answer is the truth (rows that went away go).
  answer = deferred<Row[]>()
  const third = store.getState().refresh()
  answer.resolve([{ id: 'b', v: 3 }])
  await third
  assert.deepEqual(store.getState().items, [{ id: 'b', v: 3 }])
})

test('upsert replaces by key, or appends', () => {
  const store = createListStore<Row>(async () => [], (r) => r.id)
  store.getState().upsert({ id: 'a', v: 1 })
  store.getState().upsert({ id: 'b', v: 1 })
  store.getState().upsert({ id: 'a', v: 5 })
  assert.deepEqual(store.getState().items, [{ id: 'a', v: 5 }, { id: 'b', v: 1 }])
})

test('mergeFresh with nothing upserted is the answer itself', () => {
  const fresh = [{ id: 'x', v: 1 }]
  assert.equal(mergeFresh(fresh, [{ id: 'y', v: 1 }], new Set(), (r) => r.id), fresh)
})
