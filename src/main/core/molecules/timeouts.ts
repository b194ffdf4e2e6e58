// A molecule's `timeout`: once the time since its pour is over it while its bead is not closed, the witness
// raises a molecule_timeout incident (to the human's inbox: only a human can say whether to give it more
// time, take over or stop it), once per molecule. Checked on the core's minute tick and at start, so the
// overrun is seen within a minute, including one that passed while the app was closed.
import { formatDuration } from './duration'
import type { Molecules } from './molecules'
import type { Incident } from '../witness/incidents'

export interface MoleculeTimeoutsDeps {
  molecules: Molecules
  /** The polecat that holds the bead, if any, and its session. */
  holder: (beadId: string) => { polecatId: string; sessionId: string | null } | null
  report: (incident: Incident) => void
}

export class MoleculeTimeouts {
  constructor(private d: MoleculeTimeoutsDeps) {}

  /** Raises every overrun not raised yet; `at` is now (a parameter so tests need not wait hours). */
  check(at = Date.now()): Incident[] {
    const raised: Incident[] = []
    for (const { molecule: m, overSeconds } of this.d.molecules.overdue(at)) {
      const holder = this.d.holder(m.beadId)
      const step = m.steps.find((s) => s.id === m.current)
      const incident: Incident = {
        kind: 'molecule_timeout',
        severity: 'P1',
        rig: m.rig ?? '',
        polecatId: holder?.polecatId ?? null,
        beadId: m.beadId,
        sessionId: holder?.sessionId ?? null,
        title: `${m.beadId} ran over its molecule ${m.name}'s timeout of ${m.timeout!.text} (by ${formatDuration(overSeconds)})`,
        body:
          `The molecule ${m.name} was poured on ${m.beadId} at ${m.pouredAt} with a timeout of ${m.timeout!.text} (until ${m.deadline}). ` +
          `${m.done} of ${m.steps.length} steps are done${step ? `; the current step is "${step.id}" (${step.title})` : ''}. ` +
          `${holder ? `${holder.polecatId} holds the bead.` : 'No polecat holds the bead.'} Give it more time, take over, or stop it.`,
        excerpt: null,
        groupKey: `molecule_timeout:${m.id}`
      }
      this.d.molecules.markTimeoutRaised(m.id, new Date(at).toISOString())
      this.d.report(incident)
      raised.push(incident)
    }
    return raised
  }
}
