// Numbered schema migrations, applied in order, each in its own transaction.
// Add a file NNN_name.ts exporting `sql`, list it here, and give it a test in test/store/.
import { sql as m001 } from './001_initial'
import { sql as m002 } from './002_agent_processes'
import { sql as m003 } from './003_inbox'
import { sql as m004 } from './004_witness'
import { sql as m005 } from './005_beads_fields'
import { sql as m006 } from './006_merge_queue'
import { sql as m007 } from './007_review_comments'
import { sql as m008 } from './008_molecules'
import { sql as m009 } from './009_convoys'

export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', sql: m001 },
  { version: 2, name: 'agent processes, one hook per bead', sql: m002 },
  { version: 3, name: 'the inbox, permission rules, agent activity', sql: m003 },
  { version: 4, name: 'the witness: rig settings, check runs, Dogs, failure items', sql: m004 },
  { version: 5, name: 'Beads fields the town does not model, kept for export', sql: m005 },
  { version: 6, name: 'the refinery: merge queue, candidates, landings; gated merge items', sql: m006 },
  { version: 7, name: 'review comments on diff lines', sql: m007 },
  { version: 8, name: 'poured molecules and their steps', sql: m008 },
  { version: 9, name: 'convoys and their beads; gated convoy waves in the inbox', sql: m009 }
]
