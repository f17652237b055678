-- +goose Up
-- A second answer with the same contact no longer overwrites the first:
-- it is a row of its own that revises the earlier one. revision_state says
-- which row is the person's answer now: 'current' (counted and shown),
-- 'unconfirmed' (a revision waiting for the e-mail link or a moderator) or
-- 'superseded' (an earlier answer replaced by a confirmed revision, kept
-- with its official response for the record).
ALTER TABLE feedback ADD COLUMN revises_id INTEGER REFERENCES feedback (id) ON DELETE SET NULL;
ALTER TABLE feedback ADD COLUMN revision_state TEXT NOT NULL DEFAULT 'current'
    CHECK (revision_state IN ('current', 'unconfirmed', 'superseded'));
-- One current answer per person and project; revisions and superseded
-- answers share the contact.
DROP INDEX feedback_contact_idx;
DROP INDEX feedback_follower_idx;
CREATE UNIQUE INDEX feedback_contact_idx ON feedback (project_id, contact_key)
    WHERE contact_key IS NOT NULL AND revision_state = 'current';
CREATE UNIQUE INDEX feedback_follower_idx ON feedback (project_id, follower_id)
    WHERE follower_id IS NOT NULL AND revision_state = 'current';
CREATE INDEX feedback_revises_idx ON feedback (revises_id) WHERE revises_id IS NOT NULL;

-- +goose Down
DROP INDEX feedback_revises_idx;
DELETE FROM feedback WHERE revision_state <> 'current';
DROP INDEX feedback_contact_idx;
DROP INDEX feedback_follower_idx;
CREATE UNIQUE INDEX feedback_contact_idx ON feedback (project_id, contact_key) WHERE contact_key IS NOT NULL;
CREATE UNIQUE INDEX feedback_follower_idx ON feedback (project_id, follower_id) WHERE follower_id IS NOT NULL;
ALTER TABLE feedback DROP COLUMN revision_state;
ALTER TABLE feedback DROP COLUMN revises_id;
