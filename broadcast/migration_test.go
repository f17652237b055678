package broadcast_test

import (
	"context"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
)

// TestLedgerMigration: 00027 keeps every delivery of the old ledger, with
// a claimed one queued again (its claim is gone with the column), a held
// one flagged for the digest, and a sent one's time in next_at; its Down
// gives the old table back with the same rows, and it applies again.
func TestLedgerMigration(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := apptest.MigratedTo(t, dbURL, 26)
		queuedAt := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		sentAt := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		if err := db.Gorm.Exec(`INSERT INTO deliveries (broadcast_id, follower_id, status, attempts, next_at, reason, sent_at, claim) VALUES
			(1, 1, 'queued', 0, ?, '', NULL, 0), (1, 2, 'sending', 1, ?, '', NULL, 77), (1, 3, 'sent', 1, ?, '', ?, 0),
			(1, 4, 'held', 0, ?, '', NULL, 0), (1, 5, 'failed', 2, ?, 'HTTP 500', NULL, 0)`,
			queuedAt, queuedAt, queuedAt, sentAt, queuedAt, queuedAt).Error; err != nil {
			t.Fatal(err)
		}
		type row struct {
			FollowerID int64
			Status     string
			Attempts   int
			NextAt     time.Time
			Digest     bool
			Reason     string
		}
		for range 2 {
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var rows []row
			if err := db.Gorm.Raw(`SELECT follower_id, status, attempts, next_at, digest, reason FROM deliveries ORDER BY follower_id`).
				Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			want := []row{{1, "queued", 0, queuedAt, false, ""}, {2, "queued", 1, queuedAt, false, ""}, {3, "sent", 1, sentAt, false, ""},
				{4, "held", 0, queuedAt, true, ""}, {5, "failed", 2, queuedAt, false, "HTTP 500"}}
			if len(rows) != len(want) {
				t.Fatalf("rows after the migration: %+v", rows)
			}
			for i := range want {
				got := rows[i]
				if got.FollowerID != want[i].FollowerID || got.Status != want[i].Status || got.Attempts != want[i].Attempts ||
					!got.NextAt.Equal(want[i].NextAt) || got.Digest != want[i].Digest || got.Reason != want[i].Reason {
					t.Fatalf("row %d after the migration = %+v, want %+v", i, got, want[i])
				}
			}
			if err := db.MigrateDownTo(ctx, 26); err != nil {
				t.Fatal(err)
			}
			var back []struct {
				FollowerID int64
				Status     string
				SentAt     *time.Time
			}
			if err := db.Gorm.Raw(`SELECT follower_id, status, sent_at FROM deliveries ORDER BY follower_id`).Scan(&back).Error; err != nil {
				t.Fatal(err)
			}
			if len(back) != 5 || back[2].SentAt == nil || !back[2].SentAt.Equal(sentAt) || back[1].Status != "queued" {
				t.Fatalf("rows after the Down: %+v", back)
			}
		}
	})
}
