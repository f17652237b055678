-- +goose Up
-- The channel an import's followers are on: e-mail addresses or, for the
-- SMS channel, phone numbers.
ALTER TABLE imports ADD COLUMN channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms'));

-- +goose Down
ALTER TABLE imports DROP COLUMN channel;
