-- +goose Up
-- One row that readiness probes (/readyz) rewrite: a database that answers
-- but cannot write (disk full, read-only, a standby) is not ready.
CREATE TABLE readiness_heartbeat (
    id          INTEGER PRIMARY KEY,
    written_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE readiness_heartbeat;
