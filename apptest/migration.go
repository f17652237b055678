package apptest

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/database"
)

// MigrationDB is a database for a migration's own test: rows are written
// in the shape of the version before the migration, then the test
// migrates up, down and up again and reads them back.
type MigrationDB struct {
	*database.DB
	t testing.TB
}

// MigratedTo opens the empty database at dbURL (EachEmpty's) and
// migrates it to version, or through every migration when version is 0.
// It is closed when the test ends.
func MigratedTo(t testing.TB, dbURL string, version int64) *MigrationDB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if version == 0 {
		_, err = db.Migrate(ctx)
	} else {
		err = db.MigrateTo(ctx, version)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &MigrationDB{DB: db, t: t}
}

// Exec runs one statement and fails the test when it fails.
func (m *MigrationDB) Exec(q string, args ...any) {
	m.t.Helper()
	if err := m.Gorm.Exec(q, args...).Error; err != nil {
		m.t.Fatalf("%s: %v", q, err)
	}
}
