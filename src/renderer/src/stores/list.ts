// The shape every list store shares: items from one contract call, re-read when the core says the
// topic changed. Refreshes coalesce so a burst of `changed` events costs at most two calls and an
// older answer can never overwrite a newer one.
import { create, type StoreApi, type UseBoundStore } from 'zustand'
import { errorText } from '../lib/format'

export interface ListState<T> {
  items: T[]
  loaded: boolean
  error: string | null
  refresh(): Promise<void>
  /** Put one item the core just returned into the list without waiting for the next refresh. */
  upsert(item: T): void
}

export function createListStore<T>(load: () => Promise<T[]>, keyOf: (item: T) => string): UseBoundStore<StoreApi<ListState<T>>> {
  let running: Promise<void> | null = null
  let again = false

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
          try {
            const items = await load()
            set({ items, loaded: true, error: null })
          } catch (err) {
            set({ error: errorText(err), loaded: true })
          }
        } while (again)
        running = null
      })()
      return running
    },
    upsert(item) {
      const key = keyOf(item)
      const items = get().items
      const i = items.findIndex((x) => keyOf(x) === key)
      set({ items: i < 0 ? [...items, item] : items.map((x, j) => (j === i ? item : x)) })
    }
  }))
}
