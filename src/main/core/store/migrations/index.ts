// Numbered schema migrations, applied in order, each in its own transaction.
// Add a file NNN_name.ts exporting `sql`, list it here, and give it a test in test/store/.
import { sql as m001 } from './001_initial'
import { sql as m002 } from './002_agent_processes'
import { sql as m003 } from './003_inbox'
import { sql as m004 } from './004_witness'
import { sql as m008 } from './008_molecules'

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
  { version: 8, name: 'poured molecules and their steps', sql: m008 }
]
