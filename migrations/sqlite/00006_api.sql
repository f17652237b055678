-- +goose Up
-- Tokens of the JSON API, per organization. Only a hash is kept; the token
-- is shown once, when it is created.
CREATE TABLE api_tokens (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    prefix           TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at     DATETIME,
    revoked_at       DATETIME
);
CREATE INDEX api_tokens_org_idx ON api_tokens (organization_id);

-- Responses to POST requests that carried an Idempotency-Key, replayed
-- when the same request comes again (a client retrying after a timeout
-- must not publish twice).
CREATE TABLE idempotency_keys (
    token_id      INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response      TEXT NOT NULL,
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (token_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE api_tokens;
