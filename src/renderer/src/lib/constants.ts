// Copies of the few contract constants the renderer needs at runtime.
// contract.ts builds its zod schemas at module load, so importing a value from it would pull zod
// into the bundle; the `satisfies` checks below keep these copies in step with the contract.
import type { FLOW as ContractFlow, TOPICS as ContractTopics, SAFE_NAME as ContractSafeName } from '../../../shared/contract'

export const FLOW = {
  batchMs: 5,
  highWater: 100_000,
  lowWater: 5_000,
  ackEvery: 5_000,
  replayBytes: 512 * 1024
} as const satisfies typeof ContractFlow

export const TOPICS = ['rigs', 'beads', 'polecats', 'inbox', 'sessions', 'ledger'] as const satisfies typeof ContractTopics

export const SAFE_NAME: typeof ContractSafeName = /^[a-z0-9][a-z0-9_-]{0,38}$/

/** Unacknowledged output is acked after this much quiet, so small bursts never sit un-acked. */
export const ACK_IDLE_MS = 100
