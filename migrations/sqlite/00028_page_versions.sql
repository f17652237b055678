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
    version INTEGER NOT NULL
);
INSERT INTO page_versions (id, version) VALUES (1, 1);

-- +goose StatementBegin
CREATE TRIGGER page_version_organizations_insert AFTER INSERT ON organizations BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_organizations_update AFTER UPDATE ON organizations BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_organizations_delete AFTER DELETE ON organizations BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_accounts_insert AFTER INSERT ON accounts BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_accounts_update AFTER UPDATE ON accounts BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_accounts_delete AFTER DELETE ON accounts BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_account_channels_insert AFTER INSERT ON account_channels BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_account_channels_update AFTER UPDATE ON account_channels BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_account_channels_delete AFTER DELETE ON account_channels BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_notices_insert AFTER INSERT ON notices BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_notices_update AFTER UPDATE ON notices BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_notices_delete AFTER DELETE ON notices BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_projects_insert AFTER INSERT ON projects BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_projects_update AFTER UPDATE ON projects BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_projects_delete AFTER DELETE ON projects BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_files_insert AFTER INSERT ON project_files BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_files_update AFTER UPDATE ON project_files BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_files_delete AFTER DELETE ON project_files BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_questions_insert AFTER INSERT ON project_questions BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_questions_update AFTER UPDATE ON project_questions BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_questions_delete AFTER DELETE ON project_questions BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_events_insert AFTER INSERT ON project_events BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_events_update AFTER UPDATE ON project_events BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_project_events_delete AFTER DELETE ON project_events BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_feedback_insert AFTER INSERT ON feedback WHEN NEW.status = 'published' BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_feedback_update AFTER UPDATE ON feedback BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_feedback_delete AFTER DELETE ON feedback BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_districts_insert AFTER INSERT ON districts BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_districts_update AFTER UPDATE ON districts BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_districts_delete AFTER DELETE ON districts BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_gtfs_feeds_insert AFTER INSERT ON gtfs_feeds BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_gtfs_feeds_update AFTER UPDATE ON gtfs_feeds BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_gtfs_feeds_delete AFTER DELETE ON gtfs_feeds BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER page_version_organizations_insert;
DROP TRIGGER page_version_organizations_update;
DROP TRIGGER page_version_organizations_delete;
DROP TRIGGER page_version_accounts_insert;
DROP TRIGGER page_version_accounts_update;
DROP TRIGGER page_version_accounts_delete;
DROP TRIGGER page_version_account_channels_insert;
DROP TRIGGER page_version_account_channels_update;
DROP TRIGGER page_version_account_channels_delete;
DROP TRIGGER page_version_notices_insert;
DROP TRIGGER page_version_notices_update;
DROP TRIGGER page_version_notices_delete;
DROP TRIGGER page_version_projects_insert;
DROP TRIGGER page_version_projects_update;
DROP TRIGGER page_version_projects_delete;
DROP TRIGGER page_version_project_files_insert;
DROP TRIGGER page_version_project_files_update;
DROP TRIGGER page_version_project_files_delete;
DROP TRIGGER page_version_project_questions_insert;
DROP TRIGGER page_version_project_questions_update;
DROP TRIGGER page_version_project_questions_delete;
DROP TRIGGER page_version_project_events_insert;
DROP TRIGGER page_version_project_events_update;
DROP TRIGGER page_version_project_events_delete;
DROP TRIGGER page_version_feedback_insert;
DROP TRIGGER page_version_feedback_update;
DROP TRIGGER page_version_feedback_delete;
DROP TRIGGER page_version_districts_insert;
DROP TRIGGER page_version_districts_update;
DROP TRIGGER page_version_districts_delete;
DROP TRIGGER page_version_gtfs_feeds_insert;
DROP TRIGGER page_version_gtfs_feeds_update;
DROP TRIGGER page_version_gtfs_feeds_delete;
DROP TABLE page_versions;
