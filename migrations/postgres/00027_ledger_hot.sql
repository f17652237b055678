-- +goose Up
-- A ledger that stays small (issue 23).
--
-- Claims are recorded per batch: a worker's claim is one row here covering
-- the follower ids first_id..last_id of one broadcast until lease_until,
-- instead of a write to each delivery it takes. A queued delivery inside
-- the range of a live claim belongs to that claim; when its lease runs out
-- (the worker died or stalled), the range is free again and the deliveries
-- it did not record are claimed anew. The token is what the heartbeat
-- renews and what the worker deletes when it is done.
CREATE TABLE delivery_claims (
    token         BIGINT PRIMARY KEY,
    broadcast_id  BIGINT NOT NULL,
    first_id      BIGINT NOT NULL,
    last_id       BIGINT NOT NULL,
    lease_until   TIMESTAMPTZ NOT NULL
);
CREATE INDEX delivery_claims_broadcast_idx ON delivery_claims (broadcast_id);

-- The ledger again, so that a delivery is written at most twice (the
-- insert when the broadcast is materialized, one update with its outcome;
-- a retry or a rate-limited give-back adds one each) and every update is
-- HOT:
--   - no index names a column that changes (status, next_at, attempts,
--     reason): PostgreSQL counts columns of index predicates too, which is
--     why the partial indexes of 00004 made every update a cold one. The
--     rows still to send are found by the primary key from the worker's
--     cursor on; the digest's held deliveries by a partial index on digest,
--     set at the insert and never changed;
--   - fillfactor 85 on every partition: a row is 64 bytes (plus 4 for its
--     line pointer), so a page keeps about 1.2 kB free, room for the new
--     versions of about 18 of its ~100 rows. A recording transaction
--     touches the rows of the claims in flight (one per worker) in small
--     groups, far fewer per page than that, and the old versions are
--     pruned from the page when it is next read; 90 left too little room
--     for the group commits of four workers, 80 only costs space;
--   - the row is narrow: no claim column, no sent_at (next_at is when the
--     outcome was recorded once a delivery is finished), the columns in an
--     order that needs no padding (8-byte ones first).
-- The table is partitioned by ranges of broadcast ids (PARTITION_WIDTH in
-- broadcast/retention.go), created ahead by the ledger's periodic job, so
-- that retention drops whole partitions; rows of ids no partition covers
-- yet (or copied from an older ledger) go to the default partition, which
-- retention empties with plain deletes. A claim always names its
-- broadcast, so it reads one partition's primary key.
ALTER TABLE deliveries RENAME TO deliveries_0026;
ALTER INDEX deliveries_pkey RENAME TO deliveries_0026_pkey;
DROP INDEX deliveries_todo_idx;
DROP INDEX deliveries_held_idx;
DROP INDEX deliveries_failed_idx;

CREATE TABLE deliveries (
    broadcast_id  BIGINT NOT NULL,
    follower_id   BIGINT NOT NULL,
    -- Not before while queued; when the outcome was recorded once finished.
    next_at       TIMESTAMPTZ NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- Held for the follower's digest when materialized (never changes).
    digest        BOOLEAN NOT NULL DEFAULT false,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead', 'held', 'skipped')),
    reason        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (broadcast_id, follower_id)
) PARTITION BY RANGE (broadcast_id);
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT WITH (fillfactor = 85);
CREATE INDEX deliveries_digest_idx ON deliveries (follower_id) WHERE digest;

INSERT INTO deliveries (broadcast_id, follower_id, next_at, attempts, digest, status, reason)
SELECT broadcast_id, follower_id, CASE WHEN status = 'sent' THEN COALESCE(sent_at, next_at) ELSE next_at END,
    attempts, status = 'held', CASE WHEN status = 'sending' THEN 'queued' ELSE status END, reason
FROM deliveries_0026;
DROP TABLE deliveries_0026;

-- When retention removed the broadcast's per-recipient rows (its counters
-- stay).
ALTER TABLE broadcasts ADD COLUMN compacted_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE broadcasts DROP COLUMN compacted_at;
ALTER TABLE deliveries RENAME TO deliveries_0027;
ALTER INDEX deliveries_pkey RENAME TO deliveries_0027_pkey;
DROP INDEX deliveries_digest_idx;
CREATE TABLE deliveries (
    broadcast_id  BIGINT NOT NULL,
    follower_id   BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead', 'held', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TIMESTAMPTZ NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    sent_at       TIMESTAMPTZ,
    claim         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (broadcast_id, follower_id)
);
INSERT INTO deliveries (broadcast_id, follower_id, status, attempts, next_at, reason, sent_at)
SELECT broadcast_id, follower_id, status, attempts, next_at, reason, CASE WHEN status = 'sent' THEN next_at END
FROM deliveries_0027;
DROP TABLE deliveries_0027;
CREATE INDEX deliveries_todo_idx ON deliveries (broadcast_id, follower_id) WHERE status IN ('queued', 'sending');
CREATE INDEX deliveries_held_idx ON deliveries (follower_id) WHERE status = 'held';
CREATE INDEX deliveries_failed_idx ON deliveries (broadcast_id, reason) WHERE status IN ('failed', 'dead');
DROP TABLE delivery_claims;
