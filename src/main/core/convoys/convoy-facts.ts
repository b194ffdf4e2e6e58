// The facts a convoy's status is worked out from, read in a handful of queries whatever the convoy's size:
// its beads and the beads they need, their latest merge requests, the open inbox items saying a failure of
// theirs outlasted the Dogs' retries, and the convoy's gated wave waiting in the inbox. A status is computed on
// every change of a bead of the convoy (its polecat's activity too), so one query per bead would not do
// (measured: 15 ms for 50 beads that way, the core's event loop held for it).
import type { Bead, MergeState } from '../../../shared/domain'
import type { Db } from '../store/db'
import type { Beads } from '../beads/beads'
import { DOG_ACTION, INCIDENT_KINDS } from '../witness/incidents'
import type { MemberRow } from './convoy-store'

/** The blocks dependencies of a bead: what it needs closed before it may start. */
export const needsOf = (b: Bead): string[] => b.deps.filter((d) => d.type === 'blocks').map((d) => d.target)

export interface MergeFact {
  id: string
  rig: string
  state: MergeState
  failureKind: string | null
  failureMessage: string | null
}

export interface StallFact {
  id: string
  title: string
  createdAt: string
}

export interface ConvoyFacts {
  beads: Map<string, Bead>
  mergeRequests: Map<string, MergeFact>
  stalls: Map<string, StallFact>
  wave: { item: string; wave: number; beads: string[] } | null
}

// Failures the Dogs retry: one of them open in the inbox means the retries ran out (or it was a P0 at once).
const RETRIED = INCIDENT_KINDS.filter((k) => DOG_ACTION[k] !== 'none')
const CHUNK = 500

function inChunks<T>(ids: string[], fn: (chunk: string[], marks: string) => T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK)
    out.push(...fn(chunk, chunk.map(() => '?').join(',')))
  }
  return out
}

export function readFacts(db: Db, beads: Beads, convoyId: string, members: MemberRow[]): ConvoyFacts {
  const ids = members.map((m) => m.bead_id)
  const byId = new Map(beads.findMany(ids).map((b) => [b.id, b]))
  const outside = [...new Set([...byId.values()].flatMap(needsOf))].filter((n) => !byId.has(n))
  for (const b of beads.findMany(outside)) byId.set(b.id, b)

  // The latest request of each bead: rows come oldest first, so a later one replaces an earlier.
  const mergeRequests = new Map<string, MergeFact>()
  const mrs = inChunks(ids, (chunk, marks) =>
    db.prepare(`SELECT id, bead_id, rig, state, failure FROM merge_queue WHERE bead_id IN (${marks}) ORDER BY enqueued_at, id`).all(...chunk) as { id: string; bead_id: string; rig: string; state: MergeState; failure: string | null }[]
  )
  for (const r of mrs) {
    const failure = r.failure ? (JSON.parse(r.failure) as { kind?: string; message?: string }) : null
    mergeRequests.set(r.bead_id, { id: r.id, rig: r.rig, state: r.state, failureKind: failure?.kind ?? null, failureMessage: failure?.message ?? null })
  }

  // Only items raised or raised again since the bead joined (or was offered again): an older failure was dealt with then.
  const since = new Map(members.map((m) => [m.bead_id, m.added_at]))
  const stalls = new Map<string, StallFact>()
  const items = inChunks(ids, (chunk, marks) =>
    db
      .prepare(
        `SELECT id, bead_id, title, created_at, updated_at FROM inbox_items WHERE bead_id IN (${marks}) AND status = 'open' AND incident IN (${RETRIED.map(() => '?').join(',')}) ORDER BY created_at, id`
      )
      .all(...chunk, ...RETRIED) as { id: string; bead_id: string; title: string; created_at: string; updated_at: string }[]
  )
  for (const r of items) if (!stalls.has(r.bead_id) && r.updated_at >= (since.get(r.bead_id) ?? '')) stalls.set(r.bead_id, { id: r.id, title: r.title, createdAt: r.created_at })

  let wave: ConvoyFacts['wave'] = null
  const waves = db.prepare("SELECT id, convoy_wave FROM inbox_items WHERE kind = 'convoy' AND status = 'open' AND convoy_wave IS NOT NULL ORDER BY created_at, id").all() as { id: string; convoy_wave: string }[]
  for (const r of waves) {
    const w = JSON.parse(r.convoy_wave) as { convoy: string; wave: number; beads: string[] }
    if (w.convoy === convoyId) {
      wave = { item: r.id, wave: w.wave, beads: w.beads }
      break
    }
  }
  return { beads: byId, mergeRequests, stalls, wave }
}
