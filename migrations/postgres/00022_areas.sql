-- +goose Up
-- Areas: an organization's named districts (GeoJSON polygons, a name per
-- language), where a follower lives (districts they chose, or a place
-- rounded to the area package's lattice with its cell, block and district
-- worked out when it is saved), the area of a notice or a project, and
-- each broadcast's target. Covers are the lattice cells of an area's
-- drawn shapes, stored once per shape set (content-addressed), so that the
-- audience of an area is a join on integers on both databases.
CREATE TABLE districts (
    id            BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    translations  TEXT NOT NULL DEFAULT '{}',
    geometry      TEXT NOT NULL,
    min_lat       DOUBLE PRECISION NOT NULL,
    min_lon       DOUBLE PRECISION NOT NULL,
    max_lat       DOUBLE PRECISION NOT NULL,
    max_lon       DOUBLE PRECISION NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, code)
);
ALTER TABLE organizations ADD COLUMN geocode_name TEXT NOT NULL DEFAULT '';

ALTER TABLE followers ADD COLUMN area_mode TEXT NOT NULL DEFAULT 'all' CHECK (area_mode IN ('all', 'districts', 'place'));
ALTER TABLE followers ADD COLUMN place_lat DOUBLE PRECISION;
ALTER TABLE followers ADD COLUMN place_lon DOUBLE PRECISION;
ALTER TABLE followers ADD COLUMN place_cell BIGINT;
ALTER TABLE followers ADD COLUMN place_block BIGINT;
-- No REFERENCES: plaza copy writes tables in the order they were created
-- (followers before districts), and SQLite could not drop such a column
-- in Down. When districts change, models/follower.RelocatePlaces works
-- every place's district out again.
ALTER TABLE followers ADD COLUMN place_district_id BIGINT;
CREATE INDEX followers_place_block_idx ON followers (place_block) WHERE place_block IS NOT NULL;
CREATE INDEX followers_place_cell_idx ON followers (place_cell) WHERE place_cell IS NOT NULL;
CREATE TABLE follower_districts (
    follower_id  BIGINT NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
    district_id  BIGINT NOT NULL REFERENCES districts (id) ON DELETE CASCADE,
    PRIMARY KEY (follower_id, district_id)
);
CREATE INDEX follower_districts_district_idx ON follower_districts (district_id, follower_id);

ALTER TABLE notices ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN area_scope TEXT NOT NULL DEFAULT 'everyone' CHECK (area_scope IN ('everyone', 'area'));
ALTER TABLE notices ADD COLUMN area_unlocated BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE projects ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN target TEXT NOT NULL DEFAULT '';

CREATE TABLE area_covers (
    cover_key   TEXT PRIMARY KEY,
    blocks      INTEGER NOT NULL,
    cells       INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE area_cells (
    cover_key  TEXT NOT NULL REFERENCES area_covers (cover_key) ON DELETE CASCADE,
    level      SMALLINT NOT NULL,
    cell       BIGINT NOT NULL,
    PRIMARY KEY (cover_key, level, cell)
);

-- +goose Down
DROP TABLE area_cells;
DROP TABLE area_covers;
ALTER TABLE broadcasts DROP COLUMN target;
ALTER TABLE projects DROP COLUMN area;
ALTER TABLE notices DROP COLUMN area_unlocated;
ALTER TABLE notices DROP COLUMN area_scope;
ALTER TABLE notices DROP COLUMN area;
DROP TABLE follower_districts;
DROP INDEX followers_place_cell_idx;
DROP INDEX followers_place_block_idx;
ALTER TABLE followers DROP COLUMN place_district_id;
ALTER TABLE followers DROP COLUMN place_block;
ALTER TABLE followers DROP COLUMN place_cell;
ALTER TABLE followers DROP COLUMN place_lon;
ALTER TABLE followers DROP COLUMN place_lat;
ALTER TABLE followers DROP COLUMN area_mode;
ALTER TABLE organizations DROP COLUMN geocode_name;
DROP TABLE districts;
