package main

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/database"
)

// ledgerFigures reads what the broadcast left in the deliveries table (all
// its partitions): bytes on disk (heap, indexes and TOAST, dead row
// versions included, as autovacuum may not have run) and the row writes
// the statistics counted, of which HOT updates. Call it after the Plaza
// process has exited, so that its sessions have flushed their statistics.
func ledgerFigures(db *database.DB, deliveries int64) error {
	// Sessions flush their statistics when they end; this one's own and a
	// short wait cover the rest.
	time.Sleep(2 * time.Second)
	db.Gorm.Exec(`SELECT pg_stat_force_next_flush()`)
	var size struct{ Heap, Indexes, Total int64 }
	if err := db.Gorm.Raw(`SELECT COALESCE(sum(pg_relation_size(relid)), 0) AS heap,
			COALESCE(sum(pg_indexes_size(relid)), 0) AS indexes, COALESCE(sum(pg_total_relation_size(relid)), 0) AS total
		FROM pg_partition_tree('deliveries') WHERE isleaf`).Scan(&size).Error; err != nil {
		return fmt.Errorf("ledger size: %w", err)
	}
	var st struct{ Ins, Upd, Hot, Dead, Vacuums int64 }
	if err := db.Gorm.Raw(`SELECT COALESCE(sum(n_tup_ins), 0) AS ins, COALESCE(sum(n_tup_upd), 0) AS upd,
			COALESCE(sum(n_tup_hot_upd), 0) AS hot, COALESCE(sum(n_dead_tup), 0) AS dead,
			COALESCE(sum(autovacuum_count + vacuum_count), 0) AS vacuums
		FROM pg_stat_user_tables WHERE relid IN (SELECT relid FROM pg_partition_tree('deliveries'))`).Scan(&st).Error; err != nil {
		return fmt.Errorf("ledger statistics: %w", err)
	}
	perMillion := func(b int64) float64 { return float64(b) / float64(deliveries) * 1e6 / (1 << 20) }
	fmt.Printf("deliveries table: %d rows, %.1f MB (heap %.1f MB, indexes %.1f MB) = %.1f MB per million deliveries (goal <= 120)\n",
		deliveries, float64(size.Total)/(1<<20), float64(size.Heap)/(1<<20), float64(size.Indexes)/(1<<20), perMillion(size.Total))
	hot := 0.0
	if st.Upd > 0 {
		hot = 100 * float64(st.Hot) / float64(st.Upd)
	}
	fmt.Printf("deliveries writes: n_tup_ins %d, n_tup_upd %d, n_tup_hot_upd %d (%.1f %% HOT), %.2f writes per delivery; n_dead_tup %d, vacuums %d\n",
		st.Ins, st.Upd, st.Hot, hot, float64(st.Ins+st.Upd)/float64(deliveries), st.Dead, st.Vacuums)
	return nil
}

// anchorSchema is the deliveries table of migration 00027 (one partition
// of ranges and the default, the same columns, key, index and fillfactor).
const anchorSchema = `
CREATE TABLE deliveries (
    broadcast_id  BIGINT NOT NULL,
    follower_id   BIGINT NOT NULL,
    next_at       TIMESTAMPTZ NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    digest        BOOLEAN NOT NULL DEFAULT false,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead', 'held', 'skipped')),
    reason        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (broadcast_id, follower_id)
) PARTITION BY RANGE (broadcast_id);
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT WITH (fillfactor = 85);
CREATE TABLE deliveries_p0 PARTITION OF deliveries FOR VALUES FROM (0) TO (1000) WITH (fillfactor = 85);
CREATE INDEX deliveries_digest_idx ON deliveries (follower_id) WHERE digest;`

// anchor times the same number of rows written by one raw INSERT ...
// SELECT from generate_series into a table of the ledger's shape, in a
// scratch database on the same server: what materializing is compared
// with.
func anchor(ctx context.Context, admin, name string, rows int64) (time.Duration, error) {
	url, drop, err := benchutil.FreshDatabase(ctx, admin, name)
	if err != nil {
		return 0, err
	}
	defer drop()
	db, err := database.Open(ctx, url)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := db.Gorm.Exec(anchorSchema).Error; err != nil {
		return 0, fmt.Errorf("anchor table: %w", err)
	}
	began := time.Now()
	if err := db.Gorm.Exec(`INSERT INTO deliveries (broadcast_id, follower_id, status, digest, next_at)
		SELECT 1, g, 'queued', false, now() FROM generate_series(1, ?::bigint) g`, rows).Error; err != nil {
		return 0, fmt.Errorf("anchor insert: %w", err)
	}
	return time.Since(began), nil
}
