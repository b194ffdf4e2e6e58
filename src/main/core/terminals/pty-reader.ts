// Reads a node-pty terminal's output straight into buffers the caller hands out, without Node's stream
// machinery: net.Socket's `onread` (public since Node 12), fitted to the socket node-pty has already made.
//
// Why: under a flood the PTY hands over at most 4095 bytes per read on Linux (the line discipline's buffer),
// some 250 reads per MiB, and each went through Readable.push, an EventEmitter and node-pty's own emitter
// before it reached TerminalStream. A bare node-pty reader of 61 MiB cost 1.2-2.5 ms/MiB of user time this
// way against 3.1-4.4 through the stream; the core (bench/core-cpu.ts, four pairs of runs taken in turn)
// 14.4-18.4 ms CPU/MiB against 16.6-24.2. A buffer of 4095, which a full read fills so that libuv reads again
// before going back to epoll, was no cheaper in paired runs, and in two of five sets slower (15-25 MiB/s
// against 30): that read waits in the kernel for the tty's flush worker instead of the event loop doing so.
//
// node-pty does not pass `onread` through, so its socket gets the three fields net.Socket's constructor
// would have set and the handle is told to use the buffer. They are found by their symbols' names; where
// they are not there (another Node, Windows' ConPTY sockets) the caller keeps the stream's 'data' events,
// which work as before (test/core/pty-reader.test.ts says which path this Node takes).
import type { IPty } from 'node-pty'

/** The size of each read: a little more than one PTY read on Linux hands over (N_TTY_BUF_SIZE - 1). */
export const READ_BYTES = 4096

interface ReadableHandle {
  useUserBuffer?: (buf: Uint8Array) => void
}

/**
 * Makes each read of `proc` land in the buffer `target()` gives (at least READ_BYTES long), then calls
 * `landed(n)` with how many bytes it wrote there; `target()` is asked again after each read, for the next.
 * False, with nothing changed, when this Node's socket does not allow it.
 */
export function readPtyInPlace(proc: IPty, target: () => Buffer, landed: (bytes: number) => void): boolean {
  if (process.platform === 'win32') return false
  const socket = (proc as unknown as { _socket?: object })._socket as (Record<symbol, unknown> & { _handle?: ReadableHandle }) | undefined
  if (!socket) return false
  const symbols = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]))
  const kBuffer = symbols.get('kBuffer')
  const kBufferCb = symbols.get('kBufferCb')
  const kBufferGen = symbols.get('kBufferGen')
  const handle = socket._handle
  if (!kBuffer || !kBufferCb || !kBufferGen || typeof handle?.useUserBuffer !== 'function') return false
  // The generator runs after each callback, so the buffer for the next read is taken once this one landed.
  // (A callback returning false would pause the socket; `landed` returns nothing.)
  socket[kBufferCb] = landed
  socket[kBufferGen] = target
  const first = target()
  socket[kBuffer] = first
  handle.useUserBuffer(first)
  return true
}
