// 004: what the witness and the Dogs need. Rig settings (check commands, limits, escalation rules) as JSON
// on the rig; check runs and their results; the Dogs' attempts per bead and failure; the inbox items a
// failure raised (what kind, a key that merges the same failure across polecats, the failing output, how
// often it was raised a level); what each polecat last did, for "stuck" and "no progress".
export const sql = `
ALTER TABLE rigs ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

CREATE TABLE check_runs (
  id TEXT PRIMARY KEY,
  rig TEXT NOT NULL,
  polecat_id TEXT,
  bead_id TEXT,
  worktree TEXT NOT NULL,
  trigger TEXT NOT NULL,
  head TEXT,
  status TEXT NOT NULL CHECK (status IN ('queued','running','passed','failed','superseded','cancelled','error')),
  severity TEXT CHECK (severity IN ('P0','P1','P2')),
  reasons TEXT NOT NULL DEFAULT '[]',
  results TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX check_runs_by_polecat ON check_runs(polecat_id, started_at);
CREATE INDEX check_runs_by_rig ON check_runs(rig, started_at);

CREATE TABLE dog_attempts (
  id TEXT PRIMARY KEY,
  polecat_id TEXT NOT NULL,
  bead_id TEXT,
  incident TEXT NOT NULL,
  action TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX dog_attempts_by_bead ON dog_attempts(bead_id, incident, at);

ALTER TABLE inbox_items ADD COLUMN incident TEXT;
ALTER TABLE inbox_items ADD COLUMN group_key TEXT;
ALTER TABLE inbox_items ADD COLUMN excerpt TEXT;
ALTER TABLE inbox_items ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_items ADD COLUMN raised_levels INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_items ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE inbox_items ADD COLUMN affected TEXT;
CREATE INDEX inbox_items_by_group ON inbox_items(group_key, status);

ALTER TABLE polecats ADD COLUMN last_activity_at TEXT;
ALTER TABLE polecats ADD COLUMN last_progress_at TEXT;
ALTER TABLE polecats ADD COLUMN health TEXT;

-- Town-wide switches that must survive a restart (dispatch paused after a mass death, and why).
CREATE TABLE town_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, at TEXT NOT NULL);
`
