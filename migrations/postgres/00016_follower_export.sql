-- +goose Up
-- Exports and other walks over an account's followers read them in id
-- order, a page after the last id seen. Without this index each page
-- sorted every follower of the account again, so a large export slowed
-- down as it went (the whole export was quadratic in the followers).
CREATE INDEX followers_account_id_idx ON followers (account_id, id);

-- +goose Down
DROP INDEX followers_account_id_idx;
