-- +goose Up
-- An external GTFS-realtime alerts feed a transit account takes its
-- notices from (one per account).
CREATE TABLE alert_feeds (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        INTEGER NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    url               TEXT NOT NULL,
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    auto_publish      BOOLEAN NOT NULL DEFAULT FALSE,
    interval_seconds  INTEGER NOT NULL DEFAULT 60,
    etag              TEXT NOT NULL DEFAULT '',
    last_polled_at    DATETIME,
    last_ok_at        DATETIME,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Which notice each alert of the feed became, so a repeated alert updates
-- its notice instead of making another.
CREATE TABLE alert_feed_items (
    feed_id       INTEGER NOT NULL REFERENCES alert_feeds (id) ON DELETE CASCADE,
    alert_id      TEXT NOT NULL,
    notice_id     INTEGER REFERENCES notices (id) ON DELETE SET NULL,
    content_hash  TEXT NOT NULL,
    seen_at       DATETIME NOT NULL,
    PRIMARY KEY (feed_id, alert_id)
);

-- +goose Down
DROP TABLE alert_feed_items;
DROP TABLE alert_feeds;
