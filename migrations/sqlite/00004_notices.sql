-- +goose Up
-- A notice in two languages. Safety notices carry the CAP vocabulary
-- (category, event, urgency, severity, certainty, area); transit notices the
-- GTFS-realtime Alert fields (routes, stops, cause, effect).
CREATE TABLE notices (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('transit', 'safety', 'general', 'update')),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'updated', 'cancelled', 'expired')),
    ended          TEXT NOT NULL DEFAULT '' CHECK (ended IN ('', 'cancel', 'all_clear')),
    title_en       TEXT NOT NULL DEFAULT '',
    title_zh       TEXT NOT NULL DEFAULT '',
    body_en        TEXT NOT NULL DEFAULT '',
    body_zh        TEXT NOT NULL DEFAULT '',
    cap_category   TEXT NOT NULL DEFAULT '',
    cap_event      TEXT NOT NULL DEFAULT '',
    urgency        TEXT NOT NULL DEFAULT '',
    severity       TEXT NOT NULL DEFAULT '',
    certainty      TEXT NOT NULL DEFAULT '',
    area_desc      TEXT NOT NULL DEFAULT '',
    routes         TEXT NOT NULL DEFAULT '',
    stops          TEXT NOT NULL DEFAULT '',
    cause          TEXT NOT NULL DEFAULT '',
    effect         TEXT NOT NULL DEFAULT '',
    effective_at   DATETIME,
    expires_at     DATETIME,
    publish_at     DATETIME,
    audience_tags  TEXT NOT NULL DEFAULT '',
    revision       INTEGER NOT NULL DEFAULT 0,
    published_at   DATETIME,
    ended_at       DATETIME,
    created_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX notices_account_idx ON notices (account_id, published_at);
CREATE INDEX notices_due_idx ON notices (publish_at) WHERE status = 'scheduled';
CREATE INDEX notices_live_idx ON notices (published_at) WHERE status IN ('published', 'updated');

-- One sending of a notice (its publication, an update, its end) to an
-- audience. The counters move in the same transaction as the deliveries
-- they count, so progress is one row read even for a million followers.
CREATE TABLE broadcasts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id        INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('publish', 'update', 'cancel', 'all_clear')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'done', 'cancelled')),
    priority         INTEGER NOT NULL DEFAULT 0,
    audience_tags    TEXT NOT NULL DEFAULT '',
    -- The notice as it was when this broadcast began (JSON): what the
    -- followers of this broadcast get, even if the notice changes meanwhile.
    snapshot         TEXT NOT NULL DEFAULT '{}',
    total            INTEGER NOT NULL DEFAULT 0,
    sent             INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    dead             INTEGER NOT NULL DEFAULT 0,
    held             INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    materialized_at  DATETIME,
    finished_at      DATETIME
);
CREATE INDEX broadcasts_notice_idx ON broadcasts (notice_id);
CREATE INDEX broadcasts_active_idx ON broadcasts (priority, id) WHERE status = 'sending';

-- The delivery ledger: one row per (broadcast, follower), so nobody is
-- queued twice. No foreign keys on purpose: a million rows inserted at once
-- would each take a lock on the same broadcast row and probe followers; the
-- broadcast's deletion removes its rows explicitly, and an erased
-- follower's rows stay as an anonymous count. next_at is "not before" while
-- queued and the end of the claim's lease while sending.
CREATE TABLE deliveries (
    broadcast_id  INTEGER NOT NULL,
    follower_id   INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'dead', 'held', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       DATETIME NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    sent_at       DATETIME,
    PRIMARY KEY (broadcast_id, follower_id)
);
CREATE INDEX deliveries_todo_idx ON deliveries (broadcast_id, follower_id) WHERE status IN ('queued', 'sending');
CREATE INDEX deliveries_held_idx ON deliveries (follower_id) WHERE status = 'held';
CREATE INDEX deliveries_failed_idx ON deliveries (broadcast_id, reason) WHERE status IN ('failed', 'dead');

-- Token buckets shared by every Plaza instance: per channel and per account.
CREATE TABLE send_buckets (
    key         TEXT PRIMARY KEY,
    tokens      REAL NOT NULL,
    updated_at  DATETIME NOT NULL
);

-- Messages per second an account may send (0: no limit of its own).
ALTER TABLE accounts ADD COLUMN send_rate INTEGER NOT NULL DEFAULT 0;
-- Channel settings (JSON) and credentials (encrypted with the instance's
-- secret key).
ALTER TABLE account_channels ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE account_channels ADD COLUMN secret TEXT NOT NULL DEFAULT '';
-- E-mail followers may take ordinary notices as a daily or weekly digest.
ALTER TABLE followers ADD COLUMN digest TEXT NOT NULL DEFAULT 'immediate' CHECK (digest IN ('immediate', 'daily', 'weekly'));
ALTER TABLE followers ADD COLUMN digest_sent_at DATETIME;

-- +goose Down
ALTER TABLE followers DROP COLUMN digest_sent_at;
ALTER TABLE followers DROP COLUMN digest;
ALTER TABLE account_channels DROP COLUMN secret;
ALTER TABLE account_channels DROP COLUMN config;
ALTER TABLE accounts DROP COLUMN send_rate;
DROP TABLE send_buckets;
DROP TABLE deliveries;
DROP TABLE broadcasts;
DROP TABLE notices;
