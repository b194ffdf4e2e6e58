// 008: poured molecules. One row per bead a template was poured on, with what the pour decided (the
// template's name, the file it came from, the variables' values, timeout, escalation, convoy settings),
// so a later edit of the template changes nothing already poured; and its steps, each a child bead of that
// bead, in the template's order, with the steps it needs and its acceptance. timeout_raised_at: the
// overrun was escalated (once per molecule). (005–007 are other work's numbers.)
export const sql = `
CREATE TABLE molecules (
  id TEXT PRIMARY KEY,
  bead_id TEXT NOT NULL UNIQUE REFERENCES beads(id),
  name TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('rig','town','shipped')),
  rig TEXT,
  source_file TEXT NOT NULL,
  shape TEXT NOT NULL CHECK (shape IN ('molecule','formula')),
  description TEXT NOT NULL DEFAULT '',
  vars TEXT NOT NULL DEFAULT '{}',
  timeout_s INTEGER CHECK (timeout_s > 0),
  timeout_text TEXT,
  escalation TEXT NOT NULL DEFAULT '{}',
  escalation_origins TEXT NOT NULL DEFAULT '{}',
  convoy_mode TEXT CHECK (convoy_mode IN ('mountain','gated')),
  bundle_size INTEGER CHECK (bundle_size >= 1),
  hooks TEXT,
  poured_at TEXT NOT NULL,
  poured_by TEXT NOT NULL,
  timeout_raised_at TEXT
);
CREATE INDEX molecules_with_timeout ON molecules(timeout_raised_at) WHERE timeout_s IS NOT NULL;

CREATE TABLE molecule_steps (
  molecule_id TEXT NOT NULL REFERENCES molecules(id),
  step_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  bead_id TEXT NOT NULL UNIQUE REFERENCES beads(id),
  needs TEXT NOT NULL DEFAULT '[]',
  acceptance TEXT,
  PRIMARY KEY (molecule_id, step_id),
  UNIQUE (molecule_id, position)
);
`
