-- +goose Up
-- An external GTFS-realtime alerts feed a transit account takes its
-- notices from (one per account).
CREATE TABLE alert_feeds (
    id                BIGSERIAL PRIMARY KEY,
    account_id        BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    url               TEXT NOT NULL,
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    auto_publish      BOOLEAN NOT NULL DEFAULT FALSE,
    interval_seconds  INTEGER NOT NULL DEFAULT 60,
    etag              TEXT NOT NULL DEFAULT '',
    last_polled_at    TIMESTAMPTZ,
    last_ok_at        TIMESTAMPTZ,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Which notice each alert of the feed became, so a repeated alert updates
-- its notice instead of making another.
CREATE TABLE alert_feed_items (
    feed_id       BIGINT NOT NULL REFERENCES alert_feeds (id) ON DELETE CASCADE,
    alert_id      TEXT NOT NULL,
    notice_id     BIGINT REFERENCES notices (id) ON DELETE SET NULL,
    content_hash  TEXT NOT NULL,
    seen_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feed_id, alert_id)
);

-- +goose Down
DROP TABLE alert_feed_items;
DROP TABLE alert_feeds;
