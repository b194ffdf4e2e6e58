// 005: what a Beads record holds that the town does not model (design, notes, owner, pinned, metadata, a
// status or type we map to one of ours, dependency details, dependencies on beads not in this town), kept
// as JSON on the bead so an imported bead exported again gives Beads back what it had (ledger-sync/).
export const sql = `
ALTER TABLE beads ADD COLUMN beads_extra TEXT;
`
