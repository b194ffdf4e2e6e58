// Contract constants with no dependencies, so the renderer can import them without pulling in zod.

// A rig or polecat name becomes a directory and a git ref component: keep it boring.
export const SAFE_NAME = /^[a-z0-9][a-z0-9_-]{0,38}$/

/** Topics whose lists a client should re-read when the core says they changed. */
export const TOPICS = ['rigs', 'beads', 'polecats', 'inbox', 'sessions', 'ledger', 'checks', 'permissions'] as const
export type Topic = (typeof TOPICS)[number]

/**
 * Calls a client may send as notifications on the WebSocket: without an id, and the host sends nothing
 * back. Only for calls nobody waits on: a flooding terminal is acknowledged hundreds of times a second,
 * and a reply to each cost the page and the core about a tenth of the throughput (bench/run.ts).
 */
export const NOTIFY_METHODS = ['terminal.ack'] as const
export type NotifyMethod = (typeof NOTIFY_METHODS)[number]

/**
 * Terminal flow control, in bytes of the agent's output (UTF-8, as the PTY gives it: the core never decodes
 * it): VS Code's figures to start with, tuned with bench/run.ts.
 */
export const FLOW = {
  batchMs: 5,
  /**
   * A batch is sent at once when it reaches this many bytes, whatever the timer says. Under a flood every
   * batch is this big: fewer frames, acks and log lines per MiB. bench/run.ts, quiet machine, paired runs:
   * the core's CPU per MiB (core + WebSocket) 18.1-27.0 ms with 64 KiB, 12.5-14.7 with 128 KiB; the echo p95
   * under the 20-agent flood the same (27-34 ms), as the typing window bounds what queues ahead of it.
   */
  batchMaxBytes: 128 * 1024,
  // The window of unacknowledged output per view. Bigger keeps a flooding terminal's pipe full while xterm
  // parses in 12 ms slices; smaller keeps a keystroke's echo from queuing behind it on the shared socket.
  // bench/run.ts, same machine, with flood frames and the xterm fix in the page: 256k/240k gave 11.6 MiB/s
  // end to end with the echo p95 under a 20-agent flood at 25 ms; 384k/368k 12.2-14.3 MiB/s at 33-36 ms;
  // 512k/496k 16.1 MiB/s but 44-47 ms; 1M/984k 14.3 MiB/s and 61 ms. (Before them, 100k/5k gave 9.1 MiB/s.)
  // Resuming with 256k still in flight leaves the page 10+ ms of parsing while new output comes (it comes in
  // 1-2 ms: the first read after a pause is sent at once), and pauses a flooding agent a third as often as a
  // low mark just under the high one (368k: 500-600 pauses per 64 MiB, each a stop and restart of the read
  // and a small frame): in paired runs the core's CPU per MiB end to end fell 10-15%, throughput the same.
  highWater: 384_000,
  lowWater: 256_000,
  // A view whose client watches no other terminal: no other terminal's echo can queue behind it, and with one
  // terminal on screen 384k/256k left the page dry between acks (at 15-20 MiB/s it is 20 ms of parsing, less
  // than an ack's round trip takes when both cores are busy). bench/run.ts on this 2-core machine: end to end
  // 11.6-12.9 MiB/s (0.76-0.89 of xterm alone in the page) in three runs with 384k/256k, 14.7-19.8 MiB/s
  // (0.85-1.05) in three with 768k/512k. The same 768k/512k for every view took the echo p95 under the
  // 20-agent flood from 24-45 ms to 29-98 ms (two of three full runs over 50): hence only where it is alone.
  soloHighWater: 768_000,
  soloLowWater: 512_000,
  // While a client types into one terminal, its other terminals keep only this much in flight, so the echo
  // does not arrive behind a window of someone else's output (typing-clients.ts); for typingMs after the
  // last keystroke. bench/run.ts, 20-agent flood: echo p95 45-70 ms with the whole window, about 20 with 128k.
  typingHighWater: 128_000,
  typingLowWater: 112_000,
  typingMs: 1_000,
  ackEvery: 5_000,
  replayBytes: 512 * 1024,
  /** A view this long over the high-water mark is dropped (told `terminal.lagged`) so it cannot hold an agent. */
  stallMs: 2_000
} as const
