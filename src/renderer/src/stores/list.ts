// The shape every list store shares: items from one contract call, re-read when the core says the
// topic changed (and on every reconnect). Refreshes coalesce so a burst of `changed` events costs at most two
// calls and an older answer can never overwrite a newer one. Stores whose changes the core pushes row by row
// (polecats, inbox items) apply each with `upsert`; a row upserted while a re-read is under way is newer
// than what that re-read may return, so it wins over the answer.
import { create, type StoreApi, type UseBoundStore } from 'zustand'
import { errorText } from '../lib/format'

export interface ListState<T> {
  items: T[]
  loaded: boolean
  error: string | null
  refresh(): Promise<void>
  /** Put one item the core just returned or pushed into the list, replacing the one with its key. */
  upsert(item: T): void
}

/** The answer of a re-read, with the rows upserted meanwhile kept as they were upserted. */
export function mergeFresh<T>(fresh: T[], current: readonly T[], upsertedMeanwhile: ReadonlySet<string>, keyOf: (item: T) => string): T[] {
  if (upsertedMeanwhile.size === 0) return fresh
  const local = new Map<string, T>()
  for (const item of current) if (upsertedMeanwhile.has(keyOf(item))) local.set(keyOf(item), item)
  const out = fresh.map((item) => local.get(keyOf(item)) ?? item)
  const inFresh = new Set(fresh.map(keyOf))
  for (const [key, item] of local) if (!inFresh.has(key)) out.push(item)
  return out
}

export function createListStore<T>(load: () => Promise<T[]>, keyOf: (item: T) => string): UseBoundStore<StoreApi<ListState<T>>> {
  let running: Promise<void> | null = null
  let again = false
  let loading = false
  const upsertedMeanwhile = new Set<string>()

  return create<ListState<T>>()((set, get) => ({
    items: [],
    loaded: false,
    error: null,
    refresh() {
      if (running) {
        again = true
        return running
      }
      running = (async () => {
        do {
          again = false
          upsertedMeanwhile.clear()
          loading = true
          try {
            const fresh = await load()
            set({ items: mergeFresh(fresh, get().items, upsertedMeanwhile, keyOf), loaded: true, error: null })
          } catch (err) {
            set({ error: errorText(err), loaded: true })
          } finally {
            loading = false
          }
        } while (again)
        running = null
      })()
      return running
    },
    upsert(item) {
      const key = keyOf(item)
      if (loading) upsertedMeanwhile.add(key)
      const items = get().items
      const i = items.findIndex((x) => keyOf(x) === key)
      set({ items: i < 0 ? [...items, item] : items.map((x, j) => (j === i ? item : x)) })
    }
  }))
}
