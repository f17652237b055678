-- +goose Up
-- The (timestamp, nonce) pairs of WeChat callbacks already taken, kept for
-- the timestamp window: in plain mode WeChat signs only the timestamp and
-- nonce, not the body, so a signed URL seen once (in a proxy's log) could
-- otherwise carry any body again. Every instance checks the same table.
CREATE TABLE wechat_nonces (
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ts          BIGINT NOT NULL,
    nonce       TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, ts, nonce)
);
CREATE INDEX wechat_nonces_expires_idx ON wechat_nonces (expires_at);

-- +goose Down
DROP TABLE wechat_nonces;
