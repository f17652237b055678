-- +goose Up
-- Why a citizen reported a comment (one of models.ReportReasons, '' for
-- reports made before they were asked) and what they added in words.
ALTER TABLE feedback_reports ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback_reports ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE feedback_reports DROP COLUMN note;
ALTER TABLE feedback_reports DROP COLUMN reason;
