-- +goose Up
-- When each feed is polled next. The scan claims the feeds whose time has
-- come with one UPDATE ... RETURNING over this index instead of loading
-- every feed; the epoch default makes existing and new feeds due at once.
-- Times are text here, compared as text: the default is written the way
-- the driver writes times (UTC, "+00:00"), so it sorts before them.
ALTER TABLE alert_feeds ADD COLUMN next_poll_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
CREATE INDEX alert_feeds_due ON alert_feeds (next_poll_at) WHERE enabled;

-- The hourly cap on the notices a feed may create: when the current hour
-- began, how many it has created in it, and how many new alerts the last
-- poll left out because of the cap (shown to staff).
ALTER TABLE alert_feeds ADD COLUMN new_alerts_since DATETIME;
ALTER TABLE alert_feeds ADD COLUMN new_alerts_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_feeds ADD COLUMN new_alerts_held_back INTEGER NOT NULL DEFAULT 0;

-- Changes of an alert are sent at most once per update interval: when the
-- alert last went out to followers, and the latest change held back since
-- (the notice input as JSON and its hash), from when and until when.
ALTER TABLE alert_feed_items ADD COLUMN sent_at DATETIME;
ALTER TABLE alert_feed_items ADD COLUMN held_input TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_feed_items ADD COLUMN held_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_feed_items ADD COLUMN held_since DATETIME;
ALTER TABLE alert_feed_items ADD COLUMN held_until DATETIME;
-- The last change an existing alert made is the best guess of when it was
-- last sent, so a feed that is flapping during the upgrade is held at once.
UPDATE alert_feed_items SET sent_at = seen_at WHERE notice_id IS NOT NULL;

-- +goose Down
ALTER TABLE alert_feed_items DROP COLUMN held_until;
ALTER TABLE alert_feed_items DROP COLUMN held_since;
ALTER TABLE alert_feed_items DROP COLUMN held_hash;
ALTER TABLE alert_feed_items DROP COLUMN held_input;
ALTER TABLE alert_feed_items DROP COLUMN sent_at;
ALTER TABLE alert_feeds DROP COLUMN new_alerts_held_back;
ALTER TABLE alert_feeds DROP COLUMN new_alerts_count;
ALTER TABLE alert_feeds DROP COLUMN new_alerts_since;
DROP INDEX alert_feeds_due;
ALTER TABLE alert_feeds DROP COLUMN next_poll_at;
