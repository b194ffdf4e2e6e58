// The session log: every byte a polecat's terminal printed, what a human typed, and the session's events,
// as JSONL in the hook's git-ignored .gt/sessions/ folder. It outlives the process and the app.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { SessionLogLine } from '../../../shared/domain'

export class SessionLog {
  private fd: number | null
  private sinceSync = 0

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.fd = openSync(path, 'a', 0o600)
  }

  private write(line: SessionLogLine, sync: boolean): void {
    if (this.fd === null) return
    const text = JSON.stringify(line) + '\n'
    writeSync(this.fd, text)
    this.sinceSync += text.length
    // Events and human input are synced at once; output is synced every 256 KiB and on close.
    if (sync || this.sinceSync > 256 * 1024) {
      fsyncSync(this.fd)
      this.sinceSync = 0
    }
  }

  output(seq: number, data: string): void {
    this.write({ t: new Date().toISOString(), kind: 'output', seq, data }, false)
  }

  input(data: string): void {
    this.write({ t: new Date().toISOString(), kind: 'input', by: 'human', data }, true)
  }

  event(event: string, data?: unknown): void {
    this.write({ t: new Date().toISOString(), kind: 'event', event, ...(data === undefined ? {} : { data }) }, true)
  }

  close(): void {
    if (this.fd === null) return
    fsyncSync(this.fd)
    closeSync(this.fd)
    this.fd = null
  }
}

/** Reads a session log; a torn last line (the app died mid-write) is skipped, not fatal. */
export function readSessionLog(path: string): SessionLogLine[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  const lines: SessionLogLine[] = []
  for (const raw of text.split('\n')) {
    if (!raw) continue
    try {
      lines.push(JSON.parse(raw) as SessionLogLine)
    } catch {
      // torn write at the end of a crashed session
    }
  }
  return lines
}

/** Appends one event line to a log whose writer is gone (reconciliation after a restart). */
export function appendSessionEvent(path: string, event: string, data?: unknown): void {
  try {
    const log = new SessionLog(path)
    log.event(event, data)
    log.close()
  } catch {
    // the hook may be gone (rig removed); the ledger still has the event
  }
}
