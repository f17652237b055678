package apptest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/migrations"
)

// Migrating a database (Plaza's migrations, then River's) takes longer
// than most tests; so each database kind is migrated once into a
// template, and every test gets a copy: CREATE DATABASE ... TEMPLATE on
// PostgreSQL, a copied file on SQLite. A template is named after a hash
// of the migrations and of River's version, so a change to either makes
// a new one, and test processes running side by side share it.

// schemaVersion names the schema the migrations of this build make.
func schemaVersion() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			// River's own migrations are part of the schema. Only the main
			// module: each test binary links its own set of River's
			// submodules, and all must name the same template.
			if dep.Path == "github.com/riverqueue/river" {
				fmt.Fprintf(h, "%s@%s\x00", dep.Path, dep.Version)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// migrate applies every migration to the empty database at dbURL.
func migrate(ctx context.Context, dbURL string) error {
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	if err := app.Migrate(ctx, db, nil); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// MigratedSQLiteURL is a new SQLite database in the test's temporary
// directory, migrated: a copy of the template file.
func MigratedSQLiteURL(t testing.TB) string {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("SQLite template: %v", err)
	}
	dst := filepath.Join(t.TempDir(), "plaza.db")
	if err := copyFile(tmpl, dst); err != nil {
		t.Fatalf("copy the SQLite template: %v", err)
	}
	return "sqlite:" + dst
}

// sqliteTemplate is the path of the migrated template file, made if it is
// not there yet. It is built under a temporary name and renamed, so a
// process running beside this one sees either no template or a whole one.
func sqliteTemplate() (string, error) {
	path := filepath.Join(os.TempDir(), "plaza-test-template-"+schemaVersion()+".db")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	dir, err := os.MkdirTemp("", "plaza-test-template-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	build := filepath.Join(dir, "plaza.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := migrate(ctx, "sqlite:"+build); err != nil {
		return "", err
	}
	// Closing checkpointed the write-ahead log: the one file is whole.
	if err := os.Rename(build, path); err != nil {
		return "", err
	}
	return path, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// MigratedPostgresURL creates a migrated PostgreSQL database for the test,
// a copy of the template, and drops it afterwards.
func MigratedPostgresURL(t testing.TB) string {
	t.Helper()
	db := adminDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tmpl, err := postgresTemplate(ctx, db)
	if err != nil {
		t.Fatalf("PostgreSQL template: %v", err)
	}
	return newPostgresDatabase(t, db, "TEMPLATE "+tmpl)
}

// postgresTemplate is the name of the migrated template database, made if
// it is not there yet. An advisory lock keeps two test processes from
// building it at once; it is built under another name and renamed.
// Templates of older migrations are left alone (a test process of another
// checkout may be copying one): drop plaza_template_* databases freely.
func postgresTemplate(ctx context.Context, db *sql.DB) (string, error) {
	name := "plaza_template_" + schemaVersion()
	exists := func() (bool, error) {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
		return n > 0, err
	}
	if ok, err := exists(); err != nil || ok {
		return name, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	const lockKey = 0x706c617a61 // "plaza"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey)
	if ok, err := exists(); err != nil || ok {
		return name, err
	}
	build := name + "_build_" + strings.ToLower(auth.GeneratePassword()[:8])
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build); err != nil {
		return "", err
	}
	u, err := url.Parse(PostgresAdminURL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + build
	if err := migrate(ctx, u.String()); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

// Seeding (Seed) takes longer than most tests that need it, so a test
// process seeds one copy of each migrated template once, and tests that
// want the fixtures (EachSeeded) get copies of that. The seeded templates
// are this process's own, named after its id, since they hold what this
// build's Seed makes; Main removes them with the test databases.

// SeededSQLiteURL is a new SQLite database in the test's temporary
// directory, migrated and seeded: a copy of this process's seeded
// template file.
func SeededSQLiteURL(t testing.TB) string {
	t.Helper()
	path := seededSQLitePath(os.Getpid())
	if _, err := os.Stat(path); err != nil {
		buildSeededSQLite(t, path)
	}
	dst := filepath.Join(t.TempDir(), "plaza.db")
	if err := copyFile(path, dst); err != nil {
		t.Fatalf("copy the seeded SQLite template: %v", err)
	}
	return "sqlite:" + dst
}

func seededSQLitePath(pid int) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("plaza-test-%d-seeded.db", pid))
}

// buildSeededSQLite seeds a copy of the migrated template and renames it
// to path: tests that build it side by side each rename a whole file.
func buildSeededSQLite(t testing.TB, path string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "plaza-test-seed-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	build := filepath.Join(dir, "plaza.db")
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("SQLite template: %v", err)
	}
	if err := copyFile(tmpl, build); err != nil {
		t.Fatalf("copy the SQLite template: %v", err)
	}
	seedDatabase(t, "sqlite:"+build)
	if err := os.Rename(build, path); err != nil {
		t.Fatalf("seeded SQLite template: %v", err)
	}
}

// SeededPostgresURL creates a migrated and seeded PostgreSQL database for
// the test: a copy of this process's seeded template.
func SeededPostgresURL(t testing.TB) string {
	t.Helper()
	db := adminDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := fmt.Sprintf("%s%d_seeded", testDatabasePrefix, os.Getpid())
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatalf("seeded PostgreSQL template: %v", err)
	}
	if n == 0 {
		build := MigratedPostgresURL(t)
		seedDatabase(t, build)
		u, err := url.Parse(build)
		if err != nil {
			t.Fatal(err)
		}
		// A test seeding beside this one may have renamed its copy first;
		// this one is then left to Main.
		if _, err := db.ExecContext(ctx, "ALTER DATABASE "+strings.TrimPrefix(u.Path, "/")+" RENAME TO "+name); err != nil &&
			!strings.Contains(err.Error(), "already exists") {
			t.Fatalf("seeded PostgreSQL template: %v", err)
		}
	}
	return newPostgresDatabase(t, db, "TEMPLATE "+name)
}

// seedDatabase runs Seed on the migrated database at dbURL through an app
// without workers or listener, and closes it.
func seedDatabase(t testing.TB, dbURL string) {
	t.Helper()
	a, err := app.New(context.Background(), Config(dbURL), slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatalf("seed a template: %v", err)
	}
	defer a.Close()
	Seed(t, &App{App: a})
}
