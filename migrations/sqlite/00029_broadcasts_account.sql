-- +goose Up
-- The organization home shows the last broadcast of its accounts; without
-- this index that is a walk back through every organization's broadcasts.
CREATE INDEX broadcasts_account_idx ON broadcasts (account_id, id);

-- +goose Down
DROP INDEX broadcasts_account_idx;
