-- +goose Up
-- The agency id of a transit account in its GTFS data, used in the
-- informed entities of its GTFS-realtime service alerts (empty: the
-- account's handle).
ALTER TABLE accounts ADD COLUMN gtfs_agency_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN gtfs_agency_id;
