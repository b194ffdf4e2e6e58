// Contract constants with no dependencies, so the renderer can import them without pulling in zod.

// A rig or polecat name becomes a directory and a git ref component: keep it boring.
export const SAFE_NAME = /^[a-z0-9][a-z0-9_-]{0,38}$/

/** Topics whose lists a client should re-read when the core says they changed. */
export const TOPICS = ['rigs', 'beads', 'polecats', 'inbox', 'sessions', 'ledger'] as const
export type Topic = (typeof TOPICS)[number]

/** Terminal flow control, in characters (VS Code's figures). */
export const FLOW = {
  batchMs: 5,
  highWater: 100_000,
  lowWater: 5_000,
  ackEvery: 5_000,
  replayBytes: 512 * 1024,
  /** A view this long over the high-water mark is dropped (told `terminal.lagged`) so it cannot hold an agent. */
  stallMs: 2_000
} as const
