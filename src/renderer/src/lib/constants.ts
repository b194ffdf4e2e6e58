// The contract's dependency-free constants (contract.ts itself would pull zod into the bundle),
// plus the renderer's own timing.
export { FLOW, SAFE_NAME, TOPICS } from '../../../shared/constants'

/** Unacknowledged output is acked after this much quiet, so small bursts never sit un-acked. */
export const ACK_IDLE_MS = 100
