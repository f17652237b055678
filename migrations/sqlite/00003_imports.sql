-- +goose Up
-- A CSV file of followers uploaded by staff. The file itself is kept only
-- while the import is pending, so the preview and the apply read the same
-- bytes; applying or cancelling clears it, leaving the counts in summary.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    filename    TEXT NOT NULL,
    content     BLOB,
    row_count   INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'cancelled')),
    summary     TEXT NOT NULL DEFAULT '{}',
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    applied_at  DATETIME
);
CREATE INDEX imports_account_time_idx ON imports (account_id, created_at);

-- +goose Down
DROP TABLE imports;
