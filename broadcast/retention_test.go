package broadcast_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestCompactLedger: retention removes the per-recipient rows of
// broadcasts finished longer ago than it, keeps their counters and marks
// them compacted; a recent broadcast and one still sending keep theirs.
// On PostgreSQL, the ledger's partitions are created ahead, and one that
// holds only old broadcasts is dropped whole.
func TestCompactLedger(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		pg := strings.HasPrefix(dbURL, "postgres")
		e := start(t, dbURL, func(o *app.Options) { o.Broadcast.PartitionWidth = 2 }, nil)
		c, err := e.app.Broadcasts.CompactLedger(e.ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if pg && len(e.partitions()) == 0 {
			t.Fatalf("no partitions created ahead: %+v", c)
		}
		e.followers(3)
		var bs []*models.Broadcast
		for i := range 4 {
			_, b := e.publish(general(fmt.Sprintf("Notice %d", i)))
			bs = append(bs, e.waitStatus(b.ID, models.BroadcastDone, 30*time.Second))
		}
		old, recent, sending := bs[:2], bs[2], bs[3]
		db := e.app.Store.DB()
		longAgo := time.Now().Add(-100 * 24 * time.Hour)
		// Every broadcast before the recent one (the fixtures' too) is old.
		if err := db.Exec(`UPDATE broadcasts SET finished_at = ? WHERE id < ?`, longAgo, recent.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`UPDATE broadcasts SET status = 'sending', finished_at = NULL, created_at = ? WHERE id = ?`,
			longAgo, sending.ID).Error; err != nil {
			t.Fatal(err)
		}
		var before []string
		if pg {
			before = e.partitions()
		}
		c, err = e.app.Broadcasts.CompactLedger(e.ctx, 90*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if c.Broadcasts < 2 {
			t.Fatalf("compaction = %+v, want at least the 2 old broadcasts", c)
		}
		for _, b := range old {
			got := e.broadcast(b.ID)
			if n := e.rows(b.ID); n != 0 || got.CompactedAt == nil {
				t.Errorf("old broadcast %d: %d rows left, compacted at %v", b.ID, n, got.CompactedAt)
			}
			if got.Total != 3 || got.Sent != 3 || got.Status != models.BroadcastDone {
				t.Errorf("old broadcast's counters changed: %+v", *got)
			}
		}
		for _, b := range []*models.Broadcast{recent, sending} {
			if n := e.rows(b.ID); n != 3 || e.broadcast(b.ID).CompactedAt != nil {
				t.Errorf("broadcast %d: %d rows, compacted at %v; want untouched", b.ID, n, e.broadcast(b.ID).CompactedAt)
			}
		}
		if pg {
			after := e.partitions()
			if c.Dropped == 0 || len(after) != len(before)-c.Dropped+c.Created {
				t.Errorf("partitions %v -> %v, compaction %+v: want the old broadcasts' partition dropped", before, after, c)
			}
		}
		// A crashed worker's claim, its lease long over, goes too.
		if err := db.Exec(`INSERT INTO delivery_claims (token, broadcast_id, first_id, last_id, lease_until) VALUES (7, ?, 1, 2, ?)`,
			recent.ID, time.Now().Add(-2*time.Hour)).Error; err != nil {
			t.Fatal(err)
		}
		// A second run finds nothing more to do.
		if c, err = e.app.Broadcasts.CompactLedger(e.ctx, 90*24*time.Hour); err != nil || c.Broadcasts != 0 || c.Dropped != 0 || c.Claims != 1 {
			t.Fatalf("second run = %+v, %v", c, err)
		}
	})
}

// rows counts broadcast id's deliveries.
func (e *env) rows(id int64) int64 {
	e.t.Helper()
	var n int64
	if err := e.app.Store.DB().Raw(`SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?`, id).Scan(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// partitions lists the ledger's range partitions (PostgreSQL).
func (e *env) partitions() []string {
	e.t.Helper()
	var names []string
	if err := e.app.Store.DB().Raw(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'deliveries'::regclass AND c.relname <> 'deliveries_default' ORDER BY c.relname`).
		Scan(&names).Error; err != nil {
		e.t.Fatal(err)
	}
	return names
}
