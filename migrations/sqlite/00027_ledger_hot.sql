-- +goose Up
-- A ledger that stays small (issue 23); see the PostgreSQL migration for
-- the reasons. Claims are recorded per batch (a row here covering the
-- follower ids first_id..last_id of one broadcast until lease_until), so a
-- delivery is written at most twice: its insert and its outcome. SQLite
-- has no HOT updates to keep, so the partial indexes stay, narrowed to
-- what can still be in them.
CREATE TABLE delivery_claims (
    token         INTEGER PRIMARY KEY,
    broadcast_id  INTEGER NOT NULL,
    first_id      INTEGER NOT NULL,
    last_id       INTEGER NOT NULL,
    lease_until   DATETIME NOT NULL
);
CREATE INDEX delivery_claims_broadcast_idx ON delivery_claims (broadcast_id);

-- Held for the follower's digest when materialized (never changes).
ALTER TABLE deliveries ADD COLUMN digest BOOLEAN NOT NULL DEFAULT false;
UPDATE deliveries SET digest = true WHERE status = 'held';
-- next_at is when the outcome was recorded once a delivery is finished.
UPDATE deliveries SET next_at = sent_at WHERE status = 'sent' AND sent_at IS NOT NULL;
UPDATE deliveries SET status = 'queued' WHERE status = 'sending';
DROP INDEX deliveries_todo_idx;
ALTER TABLE deliveries DROP COLUMN sent_at;
ALTER TABLE deliveries DROP COLUMN claim;
CREATE INDEX deliveries_todo_idx ON deliveries (broadcast_id, follower_id) WHERE status = 'queued';

-- When retention removed the broadcast's per-recipient rows (its counters
-- stay).
ALTER TABLE broadcasts ADD COLUMN compacted_at DATETIME;

-- +goose Down
ALTER TABLE broadcasts DROP COLUMN compacted_at;
DROP INDEX deliveries_todo_idx;
ALTER TABLE deliveries ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN sent_at DATETIME;
UPDATE deliveries SET sent_at = next_at WHERE status = 'sent';
ALTER TABLE deliveries DROP COLUMN digest;
CREATE INDEX deliveries_todo_idx ON deliveries (broadcast_id, follower_id) WHERE status IN ('queued', 'sending');
DROP TABLE delivery_claims;
