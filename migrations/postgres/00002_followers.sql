-- +goose Up
-- Instance-wide settings shared by every Plaza process, such as the key that
-- signs unsubscribe links.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The channels an account offers on its follow page. E-mail is on by default.
CREATE TABLE account_channels (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, channel)
);
INSERT INTO account_channels (account_id, channel) SELECT id, 'email' FROM accounts;

-- Topics an account offers followers (e.g. line-12, district-north): the tags
-- a follower can pick on the follow and preferences pages. Comma-separated.
ALTER TABLE accounts ADD COLUMN topics TEXT NOT NULL DEFAULT '';

CREATE TABLE follow_codes (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    scene       TEXT NOT NULL,
    expires_at  TIMESTAMPTZ,
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, scene)
);

-- One row per scan of a follow code. No IP address is kept.
CREATE TABLE scans (
    id          BIGSERIAL PRIMARY KEY,
    code_id     BIGINT NOT NULL REFERENCES follow_codes (id) ON DELETE CASCADE,
    device      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX scans_code_time_idx ON scans (code_id, created_at);

CREATE TABLE followers (
    id               BIGSERIAL PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT 'en',
    status           TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'blocked')),
    source           TEXT NOT NULL DEFAULT 'web',
    scene            TEXT NOT NULL DEFAULT '',
    code_id          BIGINT REFERENCES follow_codes (id) ON DELETE SET NULL,
    consent_at       TIMESTAMPTZ,
    confirmed_at     TIMESTAMPTZ,
    unsubscribed_at  TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, channel, address)
);
CREATE INDEX followers_account_status_idx ON followers (account_id, status);
CREATE INDEX followers_account_created_idx ON followers (account_id, created_at);

CREATE TABLE follower_tags (
    follower_id  BIGINT NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
    tag          TEXT NOT NULL,
    PRIMARY KEY (follower_id, tag)
);
CREATE INDEX follower_tags_tag_idx ON follower_tags (tag, follower_id);

-- Follows and unfollows as they happen, for growth charts and per-code
-- conversion. Erasing a follower keeps these rows (without the follower), so
-- aggregate counts stay right.
CREATE TABLE follow_events (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    follower_id  BIGINT REFERENCES followers (id) ON DELETE SET NULL,
    code_id      BIGINT REFERENCES follow_codes (id) ON DELETE SET NULL,
    channel      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('follow', 'unfollow')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX follow_events_account_time_idx ON follow_events (account_id, created_at);
CREATE INDEX follow_events_code_time_idx ON follow_events (code_id, created_at);

-- +goose Down
ALTER TABLE accounts DROP COLUMN topics;
DROP TABLE follow_events;
DROP TABLE follower_tags;
DROP TABLE followers;
DROP TABLE scans;
DROP TABLE follow_codes;
DROP TABLE account_channels;
DROP TABLE settings;
