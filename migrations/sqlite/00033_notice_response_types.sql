-- +goose Up
-- What a safety notice tells people to do, as CAP 1.2's responseType
-- values (Shelter, Evacuate, ...), comma-separated in the order given:
-- CAP allows several per alert ("Prepare" and "Monitor"), and a feed read
-- by other systems must carry the issuer's own list. The instruction
-- text itself is translated, so it lives in notices.translations beside
-- the title and body.
ALTER TABLE notices ADD COLUMN response_types TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notices DROP COLUMN response_types;
