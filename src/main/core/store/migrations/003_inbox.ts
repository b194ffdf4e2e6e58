// 003: the Deacon inbox as one queue of everything that needs a human — agents' permission requests, their
// escalations, and the app's own alarms — with the decision or ending of each; per-rig permission rules;
// what each polecat's agent is doing (from its hooks); the runtime's own session id (for resume).
// Escalations from before move into the inbox as they were.
export const sql = `
CREATE TABLE inbox_items (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('permission','escalation','alarm')),
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
  reason TEXT
);
CREATE INDEX inbox_items_open ON inbox_items(status, severity, created_at);
CREATE INDEX inbox_items_by_session ON inbox_items(session_id, status);

INSERT INTO inbox_items (id, kind, severity, status, title, body, rig, polecat_id, bead_id, created_at, updated_at, closed_at, closed_by, resolution)
  SELECT e.id, 'escalation', e.severity, CASE WHEN e.acknowledged_at IS NULL THEN 'open' ELSE 'acknowledged' END,
         e.title, e.body, p.rig, e.polecat_id, e.bead_id, e.created_at, COALESCE(e.acknowledged_at, e.created_at),
         e.acknowledged_at, CASE WHEN e.acknowledged_at IS NULL THEN NULL ELSE 'human' END,
         CASE WHEN e.acknowledged_at IS NULL THEN NULL ELSE 'acknowledged' END
  FROM escalations e LEFT JOIN polecats p ON p.id = e.polecat_id;
DROP TABLE escalations;

CREATE TABLE permission_rules (
  id TEXT PRIMARY KEY,
  rig TEXT NOT NULL,
  tool TEXT NOT NULL,
  command_prefix TEXT,
  action TEXT NOT NULL CHECK (action IN ('allow','ask','deny')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX permission_rules_one_per_target ON permission_rules(rig, tool, COALESCE(command_prefix, ''));

ALTER TABLE polecats ADD COLUMN activity TEXT NOT NULL DEFAULT 'exited';
ALTER TABLE polecats ADD COLUMN activity_since TEXT NOT NULL DEFAULT '';
ALTER TABLE polecats ADD COLUMN activity_detail TEXT;
ALTER TABLE polecats ADD COLUMN activity_source TEXT NOT NULL DEFAULT 'process';
UPDATE polecats SET activity_since = updated_at, activity = CASE state WHEN 'idle' THEN 'done' WHEN 'exited' THEN 'exited' ELSE 'working' END;

ALTER TABLE sessions ADD COLUMN runtime_session_id TEXT;
`
