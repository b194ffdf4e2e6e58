// 009: convoys — a batch of beads dispatched in dependency waves and tracked together to landing. One row
// per convoy (its mode, the molecule poured on its beads, the agent its beads are slung to, open or landed);
// one row per member bead with what the dispatcher did and decided about it: approved (a gated wave), slung
// (to which polecat), why a sling failed, held (a wave was denied), skipped (its retries ran out in mountain
// mode: the rest go on). A convoy may span rigs: each bead runs in its own rig, so no rig column here.
// The inbox learns a fifth kind of item, a gated wave waiting for approval (SQLite cannot change a CHECK
// constraint, so the table is rebuilt with its rows, as 006 did).
export const sql = `
CREATE TABLE convoys (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('mountain','gated')),
  molecule TEXT,
  molecule_vars TEXT,
  agent TEXT,
  agent_cmd TEXT,
  state TEXT NOT NULL CHECK (state IN ('open','landed')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  landed_at TEXT,
  landed_by TEXT,
  left_out TEXT,
  CHECK (agent IS NULL OR agent_cmd IS NULL)
);
CREATE INDEX convoys_by_state ON convoys(state, created_at);

CREATE TABLE convoy_beads (
  convoy_id TEXT NOT NULL REFERENCES convoys(id),
  bead_id TEXT NOT NULL REFERENCES beads(id),
  position INTEGER NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  approved_at TEXT,
  approved_by TEXT,
  dispatched_at TEXT,
  polecat_id TEXT,
  sling_error TEXT,
  held_reason TEXT,
  skipped_at TEXT,
  skip_reason TEXT,
  skip_item TEXT,
  PRIMARY KEY (convoy_id, bead_id)
);
CREATE INDEX convoy_beads_by_bead ON convoy_beads(bead_id);

CREATE TABLE inbox_items_new (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('permission','escalation','alarm','merge','convoy')),
  severity TEXT NOT NULL CHECK (severity IN ('P0','P1','P2')),
  status TEXT NOT NULL CHECK (status IN ('open','approved','denied','resolved','acknowledged','orphaned')),
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  rig TEXT,
  polecat_id TEXT,
  bead_id TEXT,
  session_id TEXT,
  tool_name TEXT,
  tool_input TEXT,
  tool_use_id TEXT,
  screen TEXT,
  diff_stat TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  snoozed_until TEXT,
  closed_at TEXT,
  closed_by TEXT,
  resolution TEXT,
  reason TEXT,
  incident TEXT,
  group_key TEXT,
  excerpt TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  raised_levels INTEGER NOT NULL DEFAULT 0,
  count INTEGER NOT NULL DEFAULT 1,
  affected TEXT,
  merge_batch TEXT,
  convoy_wave TEXT
);
INSERT INTO inbox_items_new (id, kind, severity, status, title, body, rig, polecat_id, bead_id, session_id, tool_name, tool_input, tool_use_id,
  screen, diff_stat, created_at, updated_at, snoozed_until, closed_at, closed_by, resolution, reason, incident, group_key, excerpt, attempts,
  raised_levels, count, affected, merge_batch)
  SELECT id, kind, severity, status, title, body, rig, polecat_id, bead_id, session_id, tool_name, tool_input, tool_use_id,
  screen, diff_stat, created_at, updated_at, snoozed_until, closed_at, closed_by, resolution, reason, incident, group_key, excerpt, attempts,
  raised_levels, count, affected, merge_batch FROM inbox_items;
DROP TABLE inbox_items;
ALTER TABLE inbox_items_new RENAME TO inbox_items;
CREATE INDEX inbox_items_open ON inbox_items(status, severity, created_at);
CREATE INDEX inbox_items_by_session ON inbox_items(session_id, status);
CREATE INDEX inbox_items_by_group ON inbox_items(group_key, status);
`
