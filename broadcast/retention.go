package broadcast

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
)

// The ledger on PostgreSQL is partitioned by ranges of
// Options.PartitionWidth broadcast ids (deliveries_p<N> holds ids N×width to (N+1)×width−1), so
// that retention drops whole partitions instead of deleting rows one by
// one. A thousand: a Plaza sending a hundred broadcasts a day fills one in
// ten days; a quieter one keeps fewer, larger partitions, and its finished
// broadcasts are compacted by deletes until their partition can go.
const partitionWidth = 1000

// compactBatch is how many rows one delete of compaction removes, so that
// no statement holds locks (SQLite: the writer) for long.
const compactBatch = 5000

// Compaction is what one run of CompactLedger did.
type Compaction struct {
	// Partitions created ahead, and dropped.
	Created, Dropped int
	// Broadcasts whose per-recipient rows were removed.
	Broadcasts int
	// Rows removed by deletes (not counting dropped partitions).
	Rows int64
	// Claims whose lease ran out long ago (a crashed worker's, of a
	// broadcast no claim has read since) that were removed.
	Claims int64
}

// CompactLedger keeps the ledger small. It removes claims whose lease ran
// out more than an hour ago (the next claim of their broadcast would
// have, had there been one). On PostgreSQL it creates the
// next partitions ahead of the broadcasts, so new broadcasts' rows never
// land in the default partition. Then, when retention is positive, it
// removes the per-recipient rows of broadcasts finished (done or
// cancelled, nothing held for a digest) more than retention ago, keeping
// their counters and marking them compacted: a partition all of whose
// broadcasts are such (and that no new broadcast can fall in) is dropped,
// the rows of other such broadcasts are deleted in batches. Retention 0
// keeps every row.
func (e *Engine) CompactLedger(ctx context.Context, retention time.Duration) (Compaction, error) {
	var c Compaction
	l := e.ledger
	db := l.conn(ctx)
	res := db.Exec(`DELETE FROM delivery_claims WHERE lease_until < ?`, e.opts.Now().Add(-time.Hour))
	if res.Error != nil {
		return c, fmt.Errorf("compact ledger: stale claims: %w", res.Error)
	}
	c.Claims = res.RowsAffected
	var maxID int64
	if err := db.Raw(`SELECT COALESCE(MAX(id), 0) FROM broadcasts`).Scan(&maxID).Error; err != nil {
		return c, fmt.Errorf("compact ledger: %w", err)
	}
	width := int64(e.opts.PartitionWidth)
	var parts []int64
	if l.dialect == database.Postgres {
		// One run at a time creates partitions (two instances' jobs, or a
		// job and a test, would otherwise race to create the same one).
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, 0)`, claimLockSpace+1).Error; err != nil {
				return err
			}
			var err error
			if parts, err = partitions(tx); err != nil {
				return err
			}
			c.Created, err = createAhead(tx, parts, maxID, width)
			return err
		})
		if err != nil {
			return c, err
		}
		if parts, err = partitions(db); err != nil {
			return c, err
		}
	}
	if retention <= 0 {
		return c, nil
	}
	now := e.opts.Now()
	cutoff := now.Add(-retention)
	// A broadcast that can be compacted: finished long enough ago, with
	// nothing left to send or hold.
	const old = `status IN ('done', 'cancelled') AND finished_at < ? AND held = 0`
	for _, n := range parts {
		lo, hi := n*width, (n+1)*width
		if hi-1 > maxID {
			// New broadcasts may still get ids in this range.
			continue
		}
		var young int64
		if err := db.Raw(`SELECT COUNT(*) FROM broadcasts WHERE id >= ? AND id < ? AND NOT (`+old+`)`, lo, hi, cutoff).
			Scan(&young).Error; err != nil {
			return c, fmt.Errorf("compact ledger: %w", err)
		}
		if young > 0 {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			res := tx.Exec(`UPDATE broadcasts SET compacted_at = ? WHERE id >= ? AND id < ? AND compacted_at IS NULL`, now, lo, hi)
			if res.Error != nil {
				return res.Error
			}
			c.Broadcasts += int(res.RowsAffected)
			return tx.Exec(`DROP TABLE IF EXISTS ` + partitionName(n)).Error
		})
		if err != nil {
			return c, fmt.Errorf("drop ledger partition %s: %w", partitionName(n), err)
		}
		c.Dropped++
	}
	var ids []int64
	if err := db.Raw(`SELECT id FROM broadcasts WHERE `+old+` AND compacted_at IS NULL ORDER BY id LIMIT 1000`, cutoff).
		Scan(&ids).Error; err != nil {
		return c, fmt.Errorf("compact ledger: %w", err)
	}
	for _, id := range ids {
		for {
			res := db.Exec(`DELETE FROM deliveries WHERE broadcast_id = ? AND follower_id IN (
				SELECT follower_id FROM deliveries WHERE broadcast_id = ? ORDER BY follower_id LIMIT ?)`, id, id, compactBatch)
			if res.Error != nil {
				return c, fmt.Errorf("compact broadcast %d: %w", id, res.Error)
			}
			c.Rows += res.RowsAffected
			if res.RowsAffected < compactBatch {
				break
			}
		}
		if err := db.Exec(`UPDATE broadcasts SET compacted_at = ? WHERE id = ?`, now, id).Error; err != nil {
			return c, fmt.Errorf("compact broadcast %d: %w", id, err)
		}
		c.Broadcasts++
	}
	return c, nil
}

func partitionName(n int64) string { return "deliveries_p" + strconv.FormatInt(n, 10) }

// partitions lists the numbers of the ledger's range partitions, in order.
func partitions(db *gorm.DB) ([]int64, error) {
	var names []string
	if err := db.Raw(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'deliveries'::regclass AND c.relname LIKE 'deliveries\_p%'`).
		Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("ledger partitions: %w", err)
	}
	var out []int64
	for _, name := range names {
		if n, err := strconv.ParseInt(strings.TrimPrefix(name, "deliveries_p"), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// createAhead creates partitions until one begins after the broadcast
// maxID, so that the next broadcasts have theirs. The first it tries is
// the range of maxID itself; if the default partition already holds rows
// of that range (a ledger older than its partitions, or rows written
// before this job first ran), PostgreSQL refuses it and the range after
// is created instead: rows of lower ids stay in the default partition,
// which compaction empties by deletes.
func createAhead(tx *gorm.DB, parts []int64, maxID, width int64) (int, error) {
	next := maxID / width
	if len(parts) > 0 {
		next = max(next, parts[len(parts)-1]+1)
	}
	created := 0
	for len(parts) == 0 || parts[len(parts)-1]*width <= maxID {
		n := next
		next++
		// In a savepoint: a refused partition must not end the transaction.
		err := tx.Transaction(func(sp *gorm.DB) error {
			return sp.Exec(fmt.Sprintf(`CREATE TABLE %s PARTITION OF deliveries FOR VALUES FROM (%d) TO (%d) WITH (fillfactor = 85)`,
				partitionName(n), n*width, (n+1)*width)).Error
		})
		if err != nil && n*width <= maxID {
			continue
		}
		if err != nil {
			return created, fmt.Errorf("create ledger partition %s: %w", partitionName(n), err)
		}
		created++
		parts = append(parts, n)
	}
	return created, nil
}
