// 002: what it takes to find an agent again after a crash, and one hook per bead.
// - sessions.pid / sessions.pid_identity: the agent's pid and its identity (pid + start time, see
//   processes/process-identity.ts), so start-up can tell the agent from a process that reused its pid.
// - polecats_one_per_bead: a bead is hooked to at most one polecat, town-wide, enforced by the database.
//   Towns from before it may hold duplicates (two rigs slung the same bead at once): the most recently
//   updated polecat keeps the hook, the others let go of it, and the ledger says so.
export const sql = `
ALTER TABLE sessions ADD COLUMN pid INTEGER;
ALTER TABLE sessions ADD COLUMN pid_identity TEXT;

INSERT INTO events (at, actor, kind, subject, data)
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'core', 'polecat.unhooked', bead_id,
         json_object('polecat', id, 'why', 'the bead was hooked to more than one polecat')
  FROM (SELECT id, bead_id, ROW_NUMBER() OVER (PARTITION BY bead_id ORDER BY updated_at DESC, id) AS rn
        FROM polecats WHERE bead_id IS NOT NULL)
  WHERE rn > 1;
UPDATE polecats SET bead_id = NULL, state = CASE WHEN state IN ('starting', 'working') THEN 'exited' ELSE state END
  WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY bead_id ORDER BY updated_at DESC, id) AS rn
                               FROM polecats WHERE bead_id IS NOT NULL) WHERE rn > 1);
CREATE UNIQUE INDEX polecats_one_per_bead ON polecats(bead_id) WHERE bead_id IS NOT NULL;
`
