-- +goose Up
-- A CSV file of followers uploaded by staff. The file itself is kept only
-- while the import is pending, so the preview and the apply read the same
-- bytes; applying or cancelling clears it, leaving the counts in summary.
CREATE TABLE imports (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    filename    TEXT NOT NULL,
    content     BYTEA,
    row_count   INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'cancelled')),
    summary     TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at  TIMESTAMPTZ
);
CREATE INDEX imports_account_time_idx ON imports (account_id, created_at);

-- +goose Down
DROP TABLE imports;
