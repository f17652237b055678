-- +goose Up
-- Replies staff save once and insert into the inbox's reply box: the
-- answers they would otherwise type again for every person who asks.
CREATE TABLE chat_saved_replies (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX chat_saved_replies_account_idx ON chat_saved_replies (account_id, title);

-- +goose Down
DROP TABLE chat_saved_replies;
