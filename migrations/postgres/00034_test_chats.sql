-- +goose Up
-- "Send me a test" to a staff member's own chat: the one-time codes that
-- link a chat (valid minutes, one live code per member and account) and
-- the chats they linked. Both hang off the membership, so a member who
-- leaves the organization loses their links with it.
CREATE TABLE test_chat_codes (
    id               BIGSERIAL PRIMARY KEY,
    organization_id  BIGINT NOT NULL,
    user_id          BIGINT NOT NULL,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code             TEXT NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, user_id) REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE,
    UNIQUE (user_id, account_id)
);
CREATE INDEX test_chat_codes_account_idx ON test_chat_codes (account_id, expires_at);

CREATE TABLE test_chats (
    id               BIGSERIAL PRIMARY KEY,
    organization_id  BIGINT NOT NULL,
    user_id          BIGINT NOT NULL,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, user_id) REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE,
    UNIQUE (user_id, account_id, channel, address)
);
CREATE INDEX test_chats_membership_idx ON test_chats (organization_id, user_id);

-- +goose Down
DROP TABLE test_chats;
DROP TABLE test_chat_codes;
