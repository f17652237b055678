-- +goose Up
-- A transit account's GTFS static feed (https://gtfs.org/schedule/reference/):
-- the file staff last imported and the routes and stops it listed, so the
-- notice editor can offer the account's route and stop ids and warn about
-- unknown ones. One feed per account: an import replaces the previous one.
CREATE TABLE gtfs_feeds (
    account_id   INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    routes_count INTEGER NOT NULL,
    stops_count  INTEGER NOT NULL,
    imported_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    imported_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE gtfs_routes (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    route_id    TEXT NOT NULL,
    short_name  TEXT NOT NULL DEFAULT '',
    long_name   TEXT NOT NULL DEFAULT '',
    route_type  INTEGER NOT NULL DEFAULT 3,
    PRIMARY KEY (account_id, route_id)
);

CREATE TABLE gtfs_stops (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stop_id     TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    code        TEXT NOT NULL DEFAULT '',
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    PRIMARY KEY (account_id, stop_id)
);

-- +goose Down
DROP TABLE gtfs_stops;
DROP TABLE gtfs_routes;
DROP TABLE gtfs_feeds;
