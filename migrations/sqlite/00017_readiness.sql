-- +goose Up
-- One row that readiness probes (/readyz) rewrite: a database that answers
-- but cannot write (disk full, read-only) is not ready.
CREATE TABLE readiness_heartbeat (
    id          INTEGER PRIMARY KEY,
    written_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE readiness_heartbeat;
