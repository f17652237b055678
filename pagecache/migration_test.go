package pagecache_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// TestPageVersionsMigration: 00028's triggers bump the version once per
// row written to a table public pages show, and not for an update that
// matched no row; its Down removes the table and the triggers, so writes
// go on without them, and it applies again.
func TestPageVersionsMigration(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := apptest.MigratedTo(t, dbURL, 0)
		exec := db.Exec
		version := func() int64 {
			t.Helper()
			var v int64
			if err := db.Gorm.Raw(`SELECT version FROM page_versions WHERE id = 1`).Scan(&v).Error; err != nil {
				t.Fatal(err)
			}
			return v
		}
		v := version()
		exec(`INSERT INTO organizations (id, name, kind) VALUES (1, 'Org', 'agency')`)
		exec(`INSERT INTO accounts (id, organization_id, handle, name, category, languages) VALUES (1, 1, 'metro', 'Metro', 'transit', 'en')`)
		if got := version(); got != v+2 {
			t.Fatalf("version %d after two shown rows from %d", got, v)
		}
		v = version()
		exec(`UPDATE accounts SET name = 'Metro Transit' WHERE id = 1`)
		exec(`UPDATE accounts SET name = 'Nobody' WHERE id = 99`)
		if got := version(); got != v+1 {
			t.Fatalf("version %d after one updated row (and one update of none) from %d", got, v)
		}

		if err := db.MigrateDownTo(ctx, 27); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE accounts SET name = 'Metro' WHERE id = 1`)
		var n int64
		if err := db.Gorm.Raw(`SELECT COUNT(*) FROM accounts`).Scan(&n).Error; err != nil || n != 1 {
			t.Fatalf("after the Down: %d accounts, %v", n, err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		v = version()
		exec(`UPDATE accounts SET name = 'Metro Again' WHERE id = 1`)
		if got := version(); got != v+1 {
			t.Fatalf("version %d after the migration applied again, from %d", got, v)
		}
	})
}
