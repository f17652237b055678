-- +goose Up
-- The claim a worker holds on a delivery it is sending: a random token set
-- with the lease. Renewing the lease, recording an outcome and giving a
-- delivery back only touch rows that still carry the worker's own token,
-- so a worker that lost its lease can neither extend nor overwrite the
-- claim of the worker that took the delivery over. 0: not claimed.
ALTER TABLE deliveries ADD COLUMN claim BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN claim;
