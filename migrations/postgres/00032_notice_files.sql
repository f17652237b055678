-- +goose Up
-- Images and documents of a notice (a diversion map, a timetable PDF):
-- like project_files, a link from the notice to the media row that holds
-- the bytes. An image's title is its alt text. width and height (0 for a
-- document) let the public page reserve the image's space; sha1 is the
-- digest CAP's <resource> carries, worked out once at upload.
CREATE TABLE notice_files (
    id          BIGSERIAL PRIMARY KEY,
    notice_id   BIGINT NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    media_id    BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    title       TEXT NOT NULL DEFAULT '',
    filename    TEXT NOT NULL DEFAULT '',
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    sha1        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notice_files_notice_idx ON notice_files (notice_id);
CREATE INDEX notice_files_media_idx ON notice_files (media_id);

-- The public notice page, its feeds and its link preview show the files.
CREATE TRIGGER page_version_notice_files AFTER INSERT OR UPDATE OR DELETE ON notice_files FOR EACH ROW EXECUTE FUNCTION bump_page_version();

-- +goose Down
DROP TRIGGER page_version_notice_files ON notice_files;
DROP TABLE notice_files;
