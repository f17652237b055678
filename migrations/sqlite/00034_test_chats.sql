-- +goose Up
-- "Send me a test" to a staff member's own chat: the one-time codes that
-- link a chat (valid minutes, one live code per member and account) and
-- the chats they linked. Both hang off the membership, so a member who
-- leaves the organization loses their links with it.
CREATE TABLE test_chat_codes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code             TEXT NOT NULL,
    expires_at       DATETIME NOT NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (organization_id, user_id) REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE,
    UNIQUE (user_id, account_id)
);
CREATE INDEX test_chat_codes_account_idx ON test_chat_codes (account_id, expires_at);

CREATE TABLE test_chats (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id  INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    address          TEXT NOT NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (organization_id, user_id) REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE,
    UNIQUE (user_id, account_id, channel, address)
);
CREATE INDEX test_chats_membership_idx ON test_chats (organization_id, user_id);

-- +goose Down
DROP TABLE test_chats;
DROP TABLE test_chat_codes;
