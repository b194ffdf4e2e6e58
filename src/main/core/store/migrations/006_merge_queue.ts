// 006: the refinery's merge queue. One row per merge request (the merge-request bead's id): where it is in
// the queue and what happened to it; one row per candidate the refinery tested; one row per landing, written
// before the target moves and settled after, so a crash between the push and the bookkeeping is finished on
// restart instead of merging twice. The inbox learns a fourth kind of item: a gated batch waiting for approval
// (SQLite cannot change a CHECK constraint, so the table is rebuilt with its rows).
export const sql = `
CREATE TABLE merge_queue (
  id TEXT PRIMARY KEY,
  rig TEXT NOT NULL,
  branch TEXT NOT NULL,
  bead_id TEXT,
  polecat_id TEXT,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','testing','awaiting_approval','merged','failed','changes_requested','rejected')),
  queued_sha TEXT,
  tested_sha TEXT,
  approved_sha TEXT,
  merged_sha TEXT,
  failure TEXT,
  enqueued_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX merge_queue_by_rig ON merge_queue(rig, state, priority, enqueued_at);

CREATE TABLE merge_runs (
  id TEXT PRIMARY KEY,
  rig TEXT NOT NULL,
  target_branch TEXT NOT NULL,
  target_sha TEXT NOT NULL,
  requests TEXT NOT NULL,
  candidate_sha TEXT,
  tree TEXT,
  status TEXT NOT NULL CHECK (status IN ('building','testing','green','red','cancelled','error')),
  detail TEXT,
  checks TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX merge_runs_by_rig ON merge_runs(rig, started_at);

CREATE TABLE merge_landings (
  id TEXT PRIMARY KEY,
  rig TEXT NOT NULL,
  target_branch TEXT NOT NULL,
  expected_sha TEXT NOT NULL,
  new_sha TEXT NOT NULL,
  requests TEXT NOT NULL,
  run_id TEXT,
  state TEXT NOT NULL CHECK (state IN ('awaiting_approval','landing','landed','abandoned')),
  inbox_item TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT
);

CREATE TABLE inbox_items_new (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('permission','escalation','alarm','merge')),
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
  merge_batch TEXT
);
INSERT INTO inbox_items_new (id, kind, severity, status, title, body, rig, polecat_id, bead_id, session_id, tool_name, tool_input, tool_use_id,
  screen, diff_stat, created_at, updated_at, snoozed_until, closed_at, closed_by, resolution, reason, incident, group_key, excerpt, attempts,
  raised_levels, count, affected)
  SELECT id, kind, severity, status, title, body, rig, polecat_id, bead_id, session_id, tool_name, tool_input, tool_use_id,
  screen, diff_stat, created_at, updated_at, snoozed_until, closed_at, closed_by, resolution, reason, incident, group_key, excerpt, attempts,
  raised_levels, count, affected FROM inbox_items;
DROP TABLE inbox_items;
ALTER TABLE inbox_items_new RENAME TO inbox_items;
CREATE INDEX inbox_items_open ON inbox_items(status, severity, created_at);
CREATE INDEX inbox_items_by_session ON inbox_items(session_id, status);
CREATE INDEX inbox_items_by_group ON inbox_items(group_key, status);
`
