package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/org"
)

// drainQueue runs Plaza on a database until its job queue is empty, as an
// office would before moving.
func drainQueue(t *testing.T, dbURL string) {
	t.Helper()
	cfg := apptest.Config(dbURL)
	cfg.SecretKey = ""
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler), app.Options{QueuePoll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var pending int64
	if !apptest.Eventually(30*time.Second, func() bool {
		a.DB.SQL.QueryRow(`SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending')`).Scan(&pending)
		return pending == 0
	}) {
		t.Fatalf("%d jobs still pending", pending)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBackupAndCopyToPostgres(t *testing.T) {
	src := apptest.SQLiteURL(t)
	demo := plaza(t, "", "demo", "--json", "--database-url", src)
	if demo.code != 0 {
		t.Fatalf("demo: %s", demo)
	}
	var seeded struct {
		Users []struct{ Email, Password string } `json:"users"`
	}
	if err := json.Unmarshal([]byte(demo.stdout), &seeded); err != nil || len(seeded.Users) == 0 {
		t.Fatalf("demo output: %v", err)
	}
	dst := apptest.PostgresURL(t)

	// Published notices wait in the queue: copying now would lose them.
	if r := plaza(t, "", "copy", "--from", src, "--to", dst); r.code != 1 || !strings.Contains(r.stderr, "background jobs are still waiting") {
		t.Fatalf("copy with a busy queue: %s", r)
	}
	drainQueue(t, src)
	// A periodic scan the last stop left queued is nothing to lose.
	if db, _ := openStore(t, src); db.Gorm.Exec(`INSERT INTO river_job (kind, metadata) VALUES ('alert_feed_scan', jsonb('{"periodic": true}'))`).Error != nil {
		t.Fatal("queue a periodic job")
	}

	// A backup while the database is in use.
	backup := filepath.Join(t.TempDir(), "backup.db")
	if r := plaza(t, "", "backup", "--database-url", src, "--to", backup); r.code != 0 {
		t.Fatalf("backup: %s", r)
	}
	if r := plaza(t, "", "backup", "--database-url", src, "--to", backup); r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("backup over an existing file: %s", r)
	}
	if r := plaza(t, "", "backup", "--database-url", dst, "--to", backup+"2"); r.code != 1 || !strings.Contains(r.stderr, "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %s", r)
	}
	srcDB, _ := openStore(t, src)
	bakDB, _ := openStore(t, "sqlite:"+backup)
	for _, m := range []any{&models.User{}, &models.Follower{}, &models.Notice{}, &models.Broadcast{}} {
		if a, b := count(t, srcDB, m), count(t, bakDB, m); a != b || a == 0 {
			t.Fatalf("backup of %T: %d rows, source %d", m, b, a)
		}
	}
	if fi, err := os.Stat(backup); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}

	// The move.
	r := plaza(t, "", "copy", "--from", src, "--to", dst)
	if r.code != 0 || !strings.Contains(r.stdout, "every table's count matches") || !strings.Contains(r.stdout, "followers") {
		t.Fatalf("copy: %s", r)
	}
	pgDB, pgStore := openStore(t, dst)
	for _, m := range []any{&models.User{}, &models.Organization{}, &models.Account{}, &models.Follower{}, &followcode.FollowCode{},
		&models.Notice{}, &models.Broadcast{}, &models.AuditEntry{}} {
		if a, b := count(t, srcDB, m), count(t, pgDB, m); a != b {
			t.Fatalf("%T: %d rows copied of %d", m, b, a)
		}
	}
	// Ids and relations survive, and so do passwords and secrets.
	u := seeded.Users[1]
	if _, err := org.New(pgStore.Core).Authenticate(t.Context(), u.Email, u.Password); err != nil {
		t.Fatalf("sign in after the move: %v", err)
	}
	var followers, delivered int64
	pgDB.Gorm.Raw(`SELECT COUNT(*) FROM followers f JOIN accounts a ON a.id = f.account_id`).Scan(&followers)
	pgDB.Gorm.Raw(`SELECT COUNT(*) FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id`).Scan(&delivered)
	if followers == 0 || delivered == 0 || followers != count(t, srcDB, &models.Follower{}) {
		t.Fatalf("relations after the move: %d followers, %d deliveries", followers, delivered)
	}
	// New rows get new ids: the sequences moved past the copied ones.
	_, err := org.New(pgStore.Core).CreateUser(t.Context(), org.NewUser{Email: "new@after.move", Name: "New", Password: apptest.Password})
	if err != nil {
		t.Fatalf("a new row after the move: %v", err)
	}
	// And a second copy refuses to mix two databases.
	if r := plaza(t, "", "copy", "--from", src, "--to", dst); r.code != 1 || !strings.Contains(r.stderr, "already has data") {
		t.Fatalf("copy into a full database: %s", r)
	}
	if r := plaza(t, "", "copy", "--from", dst, "--to", src); r.code != 1 {
		t.Fatalf("copy the wrong way: %s", r)
	}
	if r := plaza(t, "", "copy"); r.code != 2 {
		t.Fatalf("copy without flags: %s", r)
	}
}

// TestPostgresDumpAndRestore follows README.md's PostgreSQL backup and
// restore: pg_dump -Fc of a running demo, pg_restore into an empty
// database, and Plaza works on the restored copy.
func TestPostgresDumpAndRestore(t *testing.T) {
	dump, restore := "pg_dump", "pg_restore"
	for _, tool := range []string{dump, restore} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (apt install postgresql-client)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	src := apptest.PostgresURL(t)
	demo := plaza(t, "", "demo", "--json", "--database-url", src)
	if demo.code != 0 {
		t.Fatalf("demo: %s", demo)
	}
	var seeded struct {
		Users []struct{ Email, Password string } `json:"users"`
	}
	if err := json.Unmarshal([]byte(demo.stdout), &seeded); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "plaza.dump")
	if out, err := exec.Command(dump, "-Fc", "-d", src, "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	dst := apptest.PostgresURL(t)
	if out, err := exec.Command(restore, "--no-owner", "-d", dst, file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	srcDB, _ := openStore(t, src)
	dstDB, dstStore := openStore(t, dst)
	for _, m := range []any{&models.User{}, &models.Account{}, &models.Follower{}, &models.Notice{}, &models.AuditEntry{}} {
		if a, b := count(t, srcDB, m), count(t, dstDB, m); a != b || a == 0 {
			t.Fatalf("%T: %d rows restored of %d", m, b, a)
		}
	}
	if _, err := org.New(dstStore.Core).Authenticate(t.Context(), seeded.Users[0].Email, seeded.Users[0].Password); err != nil {
		t.Fatalf("sign in on the restored database: %v", err)
	}
	// The restored database is current: migrating it applies nothing.
	if r := plaza(t, "", "migrate", "status", "--database-url", dst); r.code != 0 || strings.Contains(r.stdout, "pending") {
		t.Fatalf("migrations on the restored database: %s", r)
	}
}
