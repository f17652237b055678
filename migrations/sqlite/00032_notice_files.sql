-- +goose Up
-- Images and documents of a notice (a diversion map, a timetable PDF):
-- like project_files, a link from the notice to the media row that holds
-- the bytes. An image's title is its alt text. width and height (0 for a
-- document) let the public page reserve the image's space; sha1 is the
-- digest CAP's <resource> carries, worked out once at upload.
CREATE TABLE notice_files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id   INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    media_id    INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    title       TEXT NOT NULL DEFAULT '',
    filename    TEXT NOT NULL DEFAULT '',
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    sha1        TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX notice_files_notice_idx ON notice_files (notice_id);
CREATE INDEX notice_files_media_idx ON notice_files (media_id);

-- The public notice page, its feeds and its link preview show the files.
-- +goose StatementBegin
CREATE TRIGGER page_version_notice_files_insert AFTER INSERT ON notice_files BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_notice_files_update AFTER UPDATE ON notice_files BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER page_version_notice_files_delete AFTER DELETE ON notice_files BEGIN
    UPDATE page_versions SET version = version + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER page_version_notice_files_delete;
DROP TRIGGER page_version_notice_files_update;
DROP TRIGGER page_version_notice_files_insert;
DROP TABLE notice_files;
