-- +goose Up
-- One conversation per person per channel of an account: what the staff
-- inbox lists. last_inbound_at bounds WeChat's 48-hour reply window.
CREATE TABLE chat_conversations (
    id               BIGSERIAL PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    follower_id      BIGINT REFERENCES followers (id) ON DELETE SET NULL,
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    assigned_to      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    unread           INTEGER NOT NULL DEFAULT 0,
    preview          TEXT NOT NULL DEFAULT '',
    last_message_at  TIMESTAMPTZ NOT NULL,
    last_inbound_at  TIMESTAMPTZ,
    UNIQUE (account_id, channel, address)
);
CREATE INDEX chat_conversations_list_idx ON chat_conversations (account_id, status, last_message_at DESC);

-- Who on the staff wrote a reply.
ALTER TABLE chat_messages ADD COLUMN user_id BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Replies staff set for words people send: the whole message (exact) or
-- a word in it (contains), in one language or both ('').
CREATE TABLE chat_keywords (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    keyword     TEXT NOT NULL,
    match       TEXT NOT NULL CHECK (match IN ('exact', 'contains')),
    lang        TEXT NOT NULL DEFAULT '' CHECK (lang IN ('', 'en', 'zh')),
    reply       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX chat_keywords_account_idx ON chat_keywords (account_id);

-- The message a new follower gets on a chat channel ('' for the default).
ALTER TABLE accounts ADD COLUMN chat_welcome_en TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN chat_welcome_zh TEXT NOT NULL DEFAULT '';

-- Chat platforms' API access tokens, shared by every instance: fetching
-- a new one invalidates the old on the platform's side.
CREATE TABLE chat_tokens (
    key         TEXT PRIMARY KEY,
    token       TEXT NOT NULL DEFAULT '',
    expires_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE chat_tokens;
ALTER TABLE accounts DROP COLUMN chat_welcome_zh;
ALTER TABLE accounts DROP COLUMN chat_welcome_en;
DROP TABLE chat_keywords;
ALTER TABLE chat_messages DROP COLUMN user_id;
DROP TABLE chat_conversations;
