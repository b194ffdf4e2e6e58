// Sessions: the index of every polecat session in the ledger. The transcript itself is the JSONL log in the hook.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Session } from '../../../shared/domain'
import { CoreError, type SessionTranscript } from '../../../shared/contract'
import type { Db } from '../store/db'
import { now } from '../ledger/ledger'
import { readSessionLog } from './session-log'

interface SessionRow {
  id: string
  polecat_id: string
  rig: string
  bead_id: string | null
  runtime: string
  command: string
  started_at: string
  ended_at: string | null
  exit_code: number | null
  end_reason: string | null
  log_path: string
  output_bytes: number
  runtime_session_id: string | null
}
const toSession = (r: SessionRow): Session => ({
  id: r.id,
  polecatId: r.polecat_id,
  rig: r.rig,
  beadId: r.bead_id,
  runtime: r.runtime,
  command: r.command,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  exitCode: r.exit_code,
  endReason: r.end_reason,
  logPath: r.log_path,
  outputBytes: r.output_bytes,
  runtimeSessionId: r.runtime_session_id
})

export class Sessions {
  constructor(private db: Db) {}

  insert(s: { id: string; polecatId: string; rig: string; beadId: string | null; runtime: string; command: string; logPath: string; tokenHash: string }): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, polecat_id, rig, bead_id, runtime, command, started_at, log_path, token_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(s.id, s.polecatId, s.rig, s.beadId, s.runtime, s.command, now(), s.logPath, s.tokenHash)
  }

  end(id: string, exitCode: number | null, reason: string): void {
    this.db.prepare('UPDATE sessions SET ended_at = ?, exit_code = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(now(), exitCode, reason, id)
  }

  setOutputBytes(id: string, bytes: number): void {
    this.db.prepare('UPDATE sessions SET output_bytes = ? WHERE id = ?').run(bytes, id)
  }

  find(id: string): Session | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined
    return row ? toSession(row) : null
  }

  get(id: string): Session {
    const s = this.find(id)
    if (!s) throw new CoreError('not_found', `no session ${id}`)
    return s
  }

  findLiveByTokenHash(hash: string): Session | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE token_hash = ? AND ended_at IS NULL').get(hash) as SessionRow | undefined
    return row ? toSession(row) : null
  }

  /** The runtime's own id of the conversation (chosen by the app for Claude Code, reported by its hooks). */
  setRuntimeSessionId(id: string, runtimeSessionId: string): void {
    this.db.prepare('UPDATE sessions SET runtime_session_id = ? WHERE id = ?').run(runtimeSessionId, id)
  }

  /** Records the agent's process as started: its pid and identity (processes/process-identity.ts). */
  setProcess(id: string, pid: number, identity: string | null): void {
    this.db.prepare('UPDATE sessions SET pid = ?, pid_identity = ? WHERE id = ?').run(pid, identity, id)
  }

  /** Sessions not recorded as ended, with the process each was running, for start-up reconciliation. */
  listOpenProcesses(): (Session & { pid: number | null; pidIdentity: string | null })[] {
    const rows = this.db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL').all() as (SessionRow & { pid: number | null; pid_identity: string | null })[]
    return rows.map((r) => ({ ...toSession(r), pid: r.pid, pidIdentity: r.pid_identity }))
  }

  /** The recorded process of a session, to end it and everything it started. */
  processOf(id: string): { sessionId: string; pid: number | null; identity: string | null } | null {
    const row = this.db.prepare('SELECT pid, pid_identity FROM sessions WHERE id = ?').get(id) as { pid: number | null; pid_identity: string | null } | undefined
    return row ? { sessionId: id, pid: row.pid, identity: row.pid_identity } : null
  }

  list(p: { bead?: string; polecat?: string; limit?: number } = {}): Session[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM sessions WHERE (? IS NULL OR bead_id = ?) AND (? IS NULL OR polecat_id = ?)
         ORDER BY started_at DESC, id DESC LIMIT ?`
      )
      .all(p.bead ?? null, p.bead ?? null, p.polecat ?? null, p.polecat ?? null, p.limit ?? 200) as SessionRow[]
    return rows.map(toSession)
  }

  transcript(id: string): SessionTranscript {
    const session = this.get(id)
    if (!existsSync(session.logPath)) throw new CoreError('not_found', `the log of session ${id} is gone (${session.logPath})`)
    return { session, lines: readSessionLog(session.logPath) }
  }

  /** Copies the logs of a rig's sessions out of its hooks before the rig folder is deleted. */
  archiveRig(rig: string, town: string): void {
    const dir = join(town, 'archive', 'sessions')
    mkdirSync(dir, { recursive: true })
    for (const row of this.db.prepare('SELECT * FROM sessions WHERE rig = ?').all(rig) as SessionRow[]) {
      if (!existsSync(row.log_path)) continue
      const target = join(dir, `${row.id}.jsonl`)
      copyFileSync(row.log_path, target)
      this.db.prepare('UPDATE sessions SET log_path = ? WHERE id = ?').run(target, row.id)
    }
  }
}
