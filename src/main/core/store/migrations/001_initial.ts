// 001: the whole first schema. Later changes are new numbered files, never edits of this one.
export const sql = `
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT,
  data TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX events_by_subject ON events(subject, id);

-- The ledger is append-only: the database itself refuses edits and deletes of events.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

CREATE TABLE rigs (
  name TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  path TEXT NOT NULL,
  default_branch TEXT NOT NULL,
  added_at TEXT NOT NULL
);

CREATE TABLE beads (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('open','in_progress','hooked','blocked','deferred','closed')),
  priority INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 4),
  type TEXT NOT NULL DEFAULT 'task',
  assignee TEXT,
  rig TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  closed_at TEXT,
  close_reason TEXT
);
CREATE INDEX beads_by_status ON beads(status, priority, created_at);

CREATE TABLE bead_labels (
  bead_id TEXT NOT NULL REFERENCES beads(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  PRIMARY KEY (bead_id, label)
);

CREATE TABLE bead_deps (
  bead_id TEXT NOT NULL REFERENCES beads(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  target TEXT NOT NULL REFERENCES beads(id),
  PRIMARY KEY (bead_id, type, target)
);
CREATE INDEX bead_deps_by_target ON bead_deps(target);

CREATE TABLE polecats (
  id TEXT PRIMARY KEY,
  rig TEXT NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  bead_id TEXT,
  branch TEXT,
  worktree TEXT NOT NULL,
  session_id TEXT,
  runtime TEXT,
  taken_over INTEGER NOT NULL DEFAULT 0,
  pid INTEGER,
  updated_at TEXT NOT NULL,
  UNIQUE (rig, name)
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  polecat_id TEXT NOT NULL,
  rig TEXT NOT NULL,
  bead_id TEXT,
  runtime TEXT NOT NULL,
  command TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  exit_code INTEGER,
  end_reason TEXT,
  log_path TEXT NOT NULL,
  output_bytes INTEGER NOT NULL DEFAULT 0,
  token_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX sessions_by_polecat ON sessions(polecat_id, started_at);
CREATE INDEX sessions_by_bead ON sessions(bead_id, started_at);

-- Checkpoints are appended, never overwritten: the newest row for a bead is the one prime returns.
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  polecat_id TEXT NOT NULL,
  bead_id TEXT,
  session_id TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX checkpoints_by_bead ON checkpoints(bead_id, id);

CREATE TABLE mail (
  id TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE INDEX mail_by_recipient ON mail(recipient, delivered_at);

CREATE TABLE escalations (
  id TEXT PRIMARY KEY,
  severity TEXT NOT NULL CHECK (severity IN ('P0','P1','P2')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  polecat_id TEXT,
  bead_id TEXT,
  created_at TEXT NOT NULL,
  acknowledged_at TEXT
);
`
