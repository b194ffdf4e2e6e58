// 007: the engineer's comments on lines of a diff (a polecat's branch or a merge request). A comment belongs
// to its branch (rig + branch), whichever way the diff was opened, so one made on the merge request shows on
// the polecat's diff too; it keeps the head it was made on (a later head makes it outdated) and the REVIEW
// mail that carried it to the polecat (null when no polecat works on the branch).
export const sql = `
CREATE TABLE review_comments (
  id TEXT PRIMARY KEY,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('polecat', 'merge-request')),
  target_id TEXT NOT NULL,
  rig TEXT NOT NULL,
  branch TEXT NOT NULL,
  polecat_id TEXT,
  path TEXT NOT NULL,
  line INTEGER NOT NULL CHECK (line >= 1),
  side TEXT NOT NULL CHECK (side IN ('old', 'new')),
  section TEXT NOT NULL DEFAULT 'committed' CHECK (section IN ('committed', 'uncommitted')),
  body TEXT NOT NULL,
  head_sha TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  mail_id TEXT REFERENCES mail(id)
);
CREATE INDEX review_comments_by_branch ON review_comments(rig, branch, created_at);
CREATE INDEX review_comments_by_target ON review_comments(target_kind, target_id);
`
