-- +goose Up
-- page_versions holds one number, bumped by a trigger in the same
-- transaction as every change to what public pages show (accounts,
-- notices, projects and their published answers, districts, ...). Each
-- Plaza instance keeps rendered public pages under the number it read
-- (package pagecache) and re-reads it every fraction of a second, so no
-- instance serves a page older than the last committed change for longer
-- than that, whichever instance or job made the change. A trigger rather
-- than calls in Go: no write path (studio, API, jobs, alert feeds,
-- expiry) can forget it.
--
-- New answers waiting for moderation are not shown, so only a published
-- one bumps the number when inserted; a consultation's flood of pending
-- answers does not queue on this row.
CREATE TABLE page_versions (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO page_versions (id, version) VALUES (1, 1);

-- +goose StatementBegin
CREATE FUNCTION bump_page_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Row triggers: a statement trigger would also fire for an UPDATE that
-- matched no row (the expiry job's, every minute).
CREATE TRIGGER page_version_organizations AFTER INSERT OR UPDATE OR DELETE ON organizations FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_accounts AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_account_channels AFTER INSERT OR UPDATE OR DELETE ON account_channels FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_notices AFTER INSERT OR UPDATE OR DELETE ON notices FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_projects AFTER INSERT OR UPDATE OR DELETE ON projects FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_project_files AFTER INSERT OR UPDATE OR DELETE ON project_files FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_project_questions AFTER INSERT OR UPDATE OR DELETE ON project_questions FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_project_events AFTER INSERT OR UPDATE OR DELETE ON project_events FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_feedback_insert AFTER INSERT ON feedback FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION bump_page_version();
CREATE TRIGGER page_version_feedback_change AFTER UPDATE OR DELETE ON feedback FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_districts AFTER INSERT OR UPDATE OR DELETE ON districts FOR EACH ROW EXECUTE FUNCTION bump_page_version();

CREATE TRIGGER page_version_gtfs_feeds AFTER INSERT OR UPDATE OR DELETE ON gtfs_feeds FOR EACH ROW EXECUTE FUNCTION bump_page_version();

-- +goose Down
DROP TRIGGER page_version_organizations ON organizations;
DROP TRIGGER page_version_accounts ON accounts;
DROP TRIGGER page_version_account_channels ON account_channels;
DROP TRIGGER page_version_notices ON notices;
DROP TRIGGER page_version_projects ON projects;
DROP TRIGGER page_version_project_files ON project_files;
DROP TRIGGER page_version_project_questions ON project_questions;
DROP TRIGGER page_version_project_events ON project_events;
DROP TRIGGER page_version_feedback_insert ON feedback;
DROP TRIGGER page_version_feedback_change ON feedback;
DROP TRIGGER page_version_districts ON districts;
DROP TRIGGER page_version_gtfs_feeds ON gtfs_feeds;
DROP FUNCTION bump_page_version();
DROP TABLE page_versions;
