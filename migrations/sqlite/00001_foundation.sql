-- +goose Up
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    is_admin       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at  DATETIME
);

CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('agency', 'ngo', 'business')),
    verified_at  DATETIME,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE memberships (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'moderator', 'viewer')),
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE invites (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'moderator', 'viewer')),
    token_hash       TEXT NOT NULL UNIQUE,
    invited_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at       DATETIME NOT NULL,
    accepted_at      DATETIME,
    accepted_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       DATETIME,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX invites_org_idx ON invites (organization_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at    DATETIME NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE media (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    content_type     TEXT NOT NULL,
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    data             BLOB NOT NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    handle           TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    name_zh          TEXT NOT NULL DEFAULT '',
    bio_en           TEXT NOT NULL DEFAULT '',
    bio_zh           TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL,
    languages        TEXT NOT NULL DEFAULT 'en,zh',
    avatar_media_id  INTEGER REFERENCES media (id) ON DELETE SET NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX accounts_org_idx ON accounts (organization_id);

CREATE TABLE rate_limits (
    key         TEXT PRIMARY KEY,
    hits        INTEGER NOT NULL,
    window_end  DATETIME NOT NULL
);

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action           TEXT NOT NULL,
    target           TEXT NOT NULL DEFAULT '',
    detail           TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX audit_log_org_idx ON audit_log (organization_id, created_at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE rate_limits;
DROP TABLE accounts;
DROP TABLE media;
DROP TABLE sessions;
DROP TABLE invites;
DROP TABLE memberships;
DROP TABLE organizations;
DROP TABLE users;
