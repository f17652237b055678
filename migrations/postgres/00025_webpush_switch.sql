-- +goose Up
-- Web Push becomes a switch per account (account_channels, like e-mail).
-- Every account offered "Get notifications in this browser" before, so
-- the accounts there are keep it on; new accounts start with it off.
INSERT INTO account_channels (account_id, channel, enabled, config, created_at)
SELECT id, 'webpush', TRUE, '{}', CURRENT_TIMESTAMP FROM accounts WHERE TRUE
ON CONFLICT (account_id, channel) DO NOTHING;

-- +goose Down
DELETE FROM account_channels WHERE channel = 'webpush';
