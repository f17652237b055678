package gtfs_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestMigrationUpAndDown: 00023 makes the three tables, its Down drops
// them, and it applies again, on both databases. An account's deletion
// takes its feed with it.
func TestMigrationUpAndDown(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := apptest.MigratedTo(t, dbURL, 0)
		tables := []string{"gtfs_feeds", "gtfs_routes", "gtfs_stops"}
		for _, tb := range tables {
			if !db.Gorm.Migrator().HasTable(tb) {
				t.Fatalf("no table %s", tb)
			}
		}
		exec := db.Exec
		exec(`INSERT INTO organizations (id, name, kind) VALUES (1, 'Org', 'agency')`)
		exec(`INSERT INTO accounts (id, organization_id, handle, name, category, languages) VALUES (1, 1, 'metro', 'Metro', 'transit', 'en')`)
		exec(`INSERT INTO gtfs_feeds (account_id, file_name, sha256, routes_count, stops_count) VALUES (1, 'f.zip', 'x', 1, 1)`)
		exec(`INSERT INTO gtfs_routes (account_id, route_id, short_name) VALUES (1, '12', '12')`)
		exec(`INSERT INTO gtfs_stops (account_id, stop_id, name, lat, lon) VALUES (1, '1042', 'Central', 22.2819, 114.1582)`)
		var lat float64
		if err := db.Gorm.Raw(`SELECT lat FROM gtfs_stops`).Scan(&lat).Error; err != nil || lat != 22.2819 {
			t.Fatalf("lat %v, %v", lat, err)
		}
		exec(`DELETE FROM accounts WHERE id = 1`)
		for _, tb := range tables {
			var n int64
			if err := db.Gorm.Table(tb).Count(&n).Error; err != nil || n != 0 {
				t.Fatalf("%s after the account's deletion: %d, %v", tb, n, err)
			}
		}
		if err := db.MigrateDownTo(ctx, 21); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			if db.Gorm.Migrator().HasTable(tb) {
				t.Fatalf("table %s left after the Down", tb)
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
