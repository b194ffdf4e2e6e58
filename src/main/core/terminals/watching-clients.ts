// How many live terminals each client watches. A flow window is how much of one terminal's output may be in
// flight to a view; it is also what a keystroke's echo in another terminal of the same page queues behind, on
// the same socket. A client that watches one terminal only has no other terminal to delay, so its view gets
// the bigger window (FLOW.soloHighWater): with one terminal on screen the page otherwise ran dry between acks
// (bench/run.ts phase 2). With two or more, each keeps the shared window (FLOW.highWater).
import { ChangeListeners } from './change-listeners'

export class WatchingClients {
  private counts = new Map<string, number>()
  private listeners = new ChangeListeners('watching clients')

  watch(clientId: string): void {
    const n = (this.counts.get(clientId) ?? 0) + 1
    this.counts.set(clientId, n)
    if (n === 2) this.listeners.notify() // no longer watching one alone
  }

  unwatch(clientId: string): void {
    const n = (this.counts.get(clientId) ?? 0) - 1
    if (n <= 0) this.counts.delete(clientId)
    else this.counts.set(clientId, n)
    if (n === 1) this.listeners.notify() // one left: it may have the bigger window
  }

  /** Whether this client watches at most one live terminal. */
  watchesOne(clientId: string): boolean {
    return (this.counts.get(clientId) ?? 0) <= 1
  }

  /** Called when a client goes from one terminal to more or back; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.listeners.add(listener)
  }
}

/** One per process: every terminal of a core shares the clients that watch them. */
export const watchingClients = new WatchingClients()
