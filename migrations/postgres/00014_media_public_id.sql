-- +goose Up
-- Files are served at /media/{public_id}: random, so a URL cannot be
-- guessed from another (the sequential id could be counted through).
-- Who may fetch a file is decided when it is asked for, not by the URL.
-- New rows get 128 random bits from Plaza; rows already here get the 122
-- random bits of a version 4 UUID (gen_random_uuid, a strong random
-- source, is built in; gen_random_bytes would need pgcrypto).
ALTER TABLE media ADD COLUMN public_id TEXT;
UPDATE media SET public_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE media ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX media_public_id_idx ON media (public_id);

-- An account's avatar URL is on every page that shows the account: kept
-- beside avatar_media_id so those pages need no join.
ALTER TABLE accounts ADD COLUMN avatar_public_id TEXT REFERENCES media (public_id) ON DELETE SET NULL;
UPDATE accounts SET avatar_public_id = (SELECT public_id FROM media WHERE media.id = accounts.avatar_media_id)
    WHERE avatar_media_id IS NOT NULL;

-- +goose Down
ALTER TABLE accounts DROP COLUMN avatar_public_id;
DROP INDEX media_public_id_idx;
ALTER TABLE media DROP COLUMN public_id;
