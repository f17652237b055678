-- +goose Up
-- The place a chat follower was last asked about ("use this place for
-- alerts about where you are?"), rounded as a follower's place is: pending
-- until they answer (YES saves it on the follower, anything else drops
-- it) and kept after, so that the place WeChat reports by itself every
-- time the chat opens is asked about at most once a day.
CREATE TABLE chat_places (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    asked_at    DATETIME NOT NULL,
    pending     BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (account_id, channel, address)
);

-- +goose Down
DROP TABLE chat_places;
