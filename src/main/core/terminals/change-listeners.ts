// Listeners told that something about the clients changed (who types, who watches one terminal alone). Each
// listener runs one terminal's flow control: a throw there must not starve the terminals after it.
export class ChangeListeners {
  private listeners = new Set<() => void>()

  constructor(private readonly what: string) {}

  /** Returns the unsubscribe. */
  add(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  notify(): void {
    for (const l of [...this.listeners]) {
      try {
        l()
      } catch (err) {
        console.error(`${this.what}: a listener failed: ${(err as Error).stack ?? err}`)
      }
    }
  }
}
