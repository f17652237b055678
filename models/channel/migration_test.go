package channel_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestWebPushSwitchMigration: 00025 turns Web Push on for every account
// there is, which offered it before it had a switch, and leaves a row
// already there as it is; the Down removes the rows.
func TestWebPushSwitchMigration(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := apptest.MigratedTo(t, dbURL, 24)
		exec := db.Exec
		exec(`INSERT INTO organizations (id, name, kind) VALUES (1, 'Org', 'agency')`)
		exec(`INSERT INTO accounts (id, organization_id, handle, name, category, languages) VALUES (1, 1, 'metro', 'Metro', 'transit', 'en'), (2, 1, 'bus', 'Bus', 'transit', 'en')`)
		exec(`INSERT INTO account_channels (account_id, channel, enabled) VALUES (1, 'email', TRUE), (2, 'email', TRUE), (2, 'webpush', FALSE)`)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			AccountID int64
			Enabled   bool
			Config    string
		}
		if err := db.Gorm.Raw(`SELECT account_id, enabled, config FROM account_channels WHERE channel = 'webpush' ORDER BY account_id`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || !rows[0].Enabled || rows[0].Config != "{}" || rows[1].Enabled {
			t.Fatalf("webpush rows after the migration: %+v", rows)
		}
		if err := db.MigrateDownTo(ctx, 24); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.Gorm.Raw(`SELECT COUNT(*) FROM account_channels WHERE channel = 'webpush'`).Scan(&n).Error; err != nil || n != 0 {
			t.Fatalf("after the Down: %d rows, %v", n, err)
		}
	})
}
