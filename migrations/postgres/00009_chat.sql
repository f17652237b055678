-- +goose Up
-- Every message a chat channel brought in (and what the router answered),
-- once per platform message id so a platform's retry is handled once.
-- The staff inbox reads the messages no command or conversation took.
CREATE TABLE chat_messages (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    follower_id  BIGINT REFERENCES followers (id) ON DELETE SET NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    msg_id       TEXT,
    kind         TEXT NOT NULL DEFAULT 'text',
    body         TEXT NOT NULL DEFAULT '',
    -- What took an inbound message: a command, a conversation, or the
    -- inbox ('' until the router has decided).
    handled_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX chat_messages_msg_idx ON chat_messages (account_id, channel, msg_id) WHERE msg_id IS NOT NULL;
CREATE INDEX chat_messages_conversation_idx ON chat_messages (account_id, channel, address, id);

-- A guided conversation in progress with one person on one channel (the
-- steps of giving feedback), as JSON, until it ends or expires.
CREATE TABLE chat_sessions (
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    flow        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT '{}',
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, channel, address)
);

-- +goose Down
DROP TABLE chat_sessions;
DROP TABLE chat_messages;
