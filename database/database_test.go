package database_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
)

// rateLimit is a row of a table every migrated database has.
type rateLimit struct {
	Key       string `gorm:"primaryKey"`
	Hits      int
	WindowEnd time.Time
}

func (rateLimit) TableName() string { return "rate_limits" }

func open(t *testing.T, url string, o database.Options) *database.DB {
	t.Helper()
	db, err := database.OpenOptions(t.Context(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// holdWriter takes SQLite's one write connection until the test ends or
// the returned function is called.
func holdWriter(t *testing.T, db *database.DB) func() {
	t.Helper()
	conn, err := db.SQL.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return func() { conn.Close() }
}

// TestGormWritesAndReads: every kind of statement the models and the
// broadcast ledger send through the gorm handle works. On SQLite the read
// pool refuses writes, so a write routed there would fail here.
func TestGormWritesAndReads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ctx := t.Context()
		db := open(t, dbURL, database.Options{})
		g := db.Gorm.WithContext(ctx)
		now := time.Now().UTC()
		if err := g.Exec(`INSERT INTO rate_limits (key, hits, window_end) VALUES (?, 1, ?)`, "exec", now).Error; err != nil {
			t.Fatalf("exec insert: %v", err)
		}
		if err := g.Exec(`UPDATE rate_limits SET hits = hits + 1 WHERE key = ?`, "exec").Error; err != nil {
			t.Fatalf("exec update: %v", err)
		}
		rl := rateLimit{Key: "create", Hits: 1, WindowEnd: now}
		if err := g.Clauses(clause.Returning{}).Create(&rl).Error; err != nil {
			t.Fatalf("create returning: %v", err)
		}
		if err := g.Model(&rateLimit{}).Where("key = ?", "create").Update("hits", 5).Error; err != nil {
			t.Fatalf("update: %v", err)
		}
		var hits []int
		if err := g.Raw(`UPDATE rate_limits SET hits = hits + 1 WHERE key = ? RETURNING hits`, "create").Scan(&hits).Error; err != nil || len(hits) != 1 || hits[0] != 6 {
			t.Fatalf("raw update returning: %v %v, want [6]", hits, err)
		}
		err := g.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`INSERT INTO rate_limits (key, hits, window_end) VALUES (?, 1, ?) ON CONFLICT DO NOTHING`, "tx", now).Error; err != nil {
				return err
			}
			var n int
			// A read inside the transaction sees its own write.
			if err := tx.Raw(`SELECT hits FROM rate_limits WHERE key = ?`, "tx").Scan(&n).Error; err != nil || n != 1 {
				return errors.Join(err, errors.New("own write not seen in the transaction"))
			}
			var got rateLimit
			if err := tx.First(&got, "key = ?", "tx").Error; err != nil {
				return err
			}
			return tx.Transaction(func(sp *gorm.DB) error {
				return sp.Delete(&rateLimit{}, "key = ?", "exec").Error
			})
		})
		if err != nil {
			t.Fatalf("transaction: %v", err)
		}
		var keys []string
		if err := g.Model(&rateLimit{}).Order("key").Pluck("key", &keys).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Join(keys, ",") != "create,tx" {
			t.Fatalf("keys %v, want create,tx", keys)
		}
		if tx, ok := database.SQLTx(g.Begin()); !ok || tx == nil {
			t.Fatal("SQLTx finds no *sql.Tx under a gorm transaction")
		} else if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSQLiteReadPoolRefusesWrites: a write that slips into the read pool
// fails loudly instead of competing with the writer for SQLite's lock.
func TestSQLiteReadPoolRefusesWrites(t *testing.T) {
	db := open(t, apptest.SQLiteURL(t), database.Options{})
	if _, err := db.Read.ExecContext(t.Context(), `INSERT INTO rate_limits (key, hits, window_end) VALUES ('r', 1, ?)`, time.Now()); err == nil {
		t.Fatal("the read pool accepted an INSERT")
	}
	var n int
	if err := db.Read.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM rate_limits`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("read pool: %d rows, %v", n, err)
	}
}

// TestSQLiteReadsSkipTheWriter: reads outside a transaction do not queue
// for the write connection. With the writer held and a short wait, a read
// routed to it would fail with ErrBusy.
func TestSQLiteReadsSkipTheWriter(t *testing.T) {
	db := open(t, apptest.SQLiteURL(t), database.Options{WriteWait: 50 * time.Millisecond})
	holdWriter(t, db)
	g := db.Gorm.WithContext(t.Context())
	var n int64
	if err := g.Model(&rateLimit{}).Count(&n).Error; err != nil {
		t.Fatalf("count: %v", err)
	}
	var keys []string
	if err := g.Raw(`SELECT key FROM rate_limits ORDER BY key`).Scan(&keys).Error; err != nil {
		t.Fatalf("raw select: %v", err)
	}
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

// TestSQLiteWriteWaitIsBounded: a write that cannot get the write
// connection within the wait fails with ErrBusy, whether it is a
// transaction, a plain statement or an insert that returns its row; one
// whose caller gives up first reports the caller's reason.
func TestSQLiteWriteWaitIsBounded(t *testing.T) {
	db := open(t, apptest.SQLiteURL(t), database.Options{WriteWait: 50 * time.Millisecond})
	release := holdWriter(t, db)
	g := db.Gorm.WithContext(t.Context())
	now := time.Now().UTC()
	writes := map[string]func(*gorm.DB) error{
		"transaction": func(g *gorm.DB) error {
			return g.Transaction(func(tx *gorm.DB) error {
				return tx.Exec(`UPDATE rate_limits SET hits = 0`).Error
			})
		},
		"exec": func(g *gorm.DB) error { return g.Exec(`UPDATE rate_limits SET hits = 0`).Error },
		"create returning": func(g *gorm.DB) error {
			return g.Clauses(clause.Returning{}).Create(&rateLimit{Key: "k", Hits: 1, WindowEnd: now}).Error
		},
		"raw returning": func(g *gorm.DB) error {
			var hits []int
			return g.Raw(`UPDATE rate_limits SET hits = 0 RETURNING hits`).Scan(&hits).Error
		},
	}
	for name, write := range writes {
		if err := write(g); !errors.Is(err, database.ErrBusy) {
			t.Errorf("%s while the writer is held: %v, want ErrBusy", name, err)
		}
	}
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	if err := writes["transaction"](db.Gorm.WithContext(gone)); !errors.Is(err, context.Canceled) {
		t.Errorf("transaction of a caller that left: %v, want context.Canceled", err)
	}
	release()
	for name, write := range writes {
		if err := write(g); err != nil {
			t.Errorf("%s once the writer is free: %v", name, err)
		}
	}
}

// TestSQLiteBackupWhileWriting: `plaza backup` copies the file while the
// server, another process, is in the middle of a write transaction.
func TestSQLiteBackupWhileWriting(t *testing.T) {
	url := apptest.SQLiteURL(t)
	server := open(t, url, database.Options{})
	if err := server.Gorm.Exec(`INSERT INTO rate_limits (key, hits, window_end) VALUES ('b', 1, ?)`, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	tx := server.Gorm.Begin()
	if err := tx.Exec(`INSERT INTO rate_limits (key, hits, window_end) VALUES ('uncommitted', 1, ?)`, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	backup, err := database.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer backup.Close()
	to := filepath.Join(t.TempDir(), "backup.db")
	if err := backup.Backup(t.Context(), to); err != nil {
		t.Fatalf("backup: %v", err)
	}
	b, err := database.Open(t.Context(), "sqlite:"+to)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var n int64
	if err := b.Gorm.Model(&rateLimit{}).Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("backup holds %d rate limits (%v), want the 1 committed", n, err)
	}
}

// TestSQLiteBusyIsUnavailable: a write refused because another process
// holds the file's write lock, or one that waited too long for this
// process's writer, is "try again shortly", not a fault.
func TestSQLiteBusyIsUnavailable(t *testing.T) {
	url := apptest.SQLiteURL(t)
	other := open(t, url, database.Options{})
	tx := other.Gorm.Begin()
	if err := tx.Exec(`INSERT INTO rate_limits (key, hits, window_end) VALUES ('other', 1, ?)`, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// No busy timeout, so SQLite refuses at once.
	db, err := database.Open(t.Context(), url+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Gorm.Exec(`INSERT INTO rate_limits (key, hits, window_end) VALUES ('this', 1, ?)`, time.Now()).Error
	if err == nil || !database.Unavailable(err) {
		t.Fatalf("write while another process holds the lock: %v; want an error Unavailable reports", err)
	}
	if !database.Unavailable(fmt.Errorf("save: %w", database.ErrBusy)) {
		t.Fatal("ErrBusy is not Unavailable")
	}
	if database.Unavailable(errors.New("no such table: rate_limit")) {
		t.Fatal("a wrong query is Unavailable")
	}
}

// TestSQLiteWriterIsGivenBack: every way a write can end (an error from
// the database, a failed transaction, a caller who left half-way, a
// panic) gives the write connection back. With a short wait, one kept by
// mistake would make the write after it fail with ErrBusy.
func TestSQLiteWriterIsGivenBack(t *testing.T) {
	db := open(t, apptest.SQLiteURL(t), database.Options{WriteWait: 50 * time.Millisecond})
	ctx := t.Context()
	g := db.Gorm.WithContext(ctx)
	now := time.Now().UTC()
	fail := errors.New("changed my mind")
	ends := map[string]func() error{
		"bad statement": func() error { return g.Exec(`UPDATE no_such_table SET x = 1`).Error },
		"duplicate insert returning": func() error {
			return g.Clauses(clause.Returning{}).Create(&rateLimit{Key: "dup", Hits: 1, WindowEnd: now}).Error
		},
		"transaction that fails": func() error {
			return g.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`UPDATE rate_limits SET hits = 2`).Error; err != nil {
					return err
				}
				return fail
			})
		},
		"caller gone mid-transaction": func() error {
			gone, cancel := context.WithCancel(ctx)
			return db.Gorm.WithContext(gone).Transaction(func(tx *gorm.DB) error {
				cancel()
				return tx.Exec(`UPDATE rate_limits SET hits = 3`).Error
			})
		},
		"panic in a transaction": func() (err error) {
			defer func() {
				if recover() != nil {
					err = fail
				}
			}()
			return g.Transaction(func(tx *gorm.DB) error { panic(fail) })
		},
	}
	if err := g.Clauses(clause.Returning{}).Create(&rateLimit{Key: "dup", Hits: 1, WindowEnd: now}).Error; err != nil {
		t.Fatal(err)
	}
	for name, end := range ends {
		if err := end(); err == nil {
			t.Errorf("%s: no error", name)
		}
		if err := g.Exec(`UPDATE rate_limits SET hits = hits + 1 WHERE key = 'dup'`).Error; err != nil {
			t.Fatalf("a write after %s: %v", name, err)
		}
	}
}

// TestPostgresJITOff: Plaza's PostgreSQL connections run without JIT
// compilation unless the url asks for it (see withoutJIT).
func TestPostgresJITOff(t *testing.T) {
	url := apptest.PostgresURL(t)
	for _, c := range []struct{ url, want string }{{url, "off"}, {url + "&jit=on", "on"}} {
		if !strings.Contains(url, "?") {
			c.url = strings.Replace(c.url, "&jit", "?jit", 1)
		}
		db, err := database.Open(t.Context(), c.url)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		if err := db.Gorm.Raw("SHOW jit").Scan(&jit).Error; err != nil {
			t.Fatal(err)
		}
		db.Close()
		if jit != c.want {
			t.Errorf("%s: jit %s, want %s", c.url, jit, c.want)
		}
	}
}

// TestReadPoolKeepsIdleConnections: after as many reads at once as the
// pool allows (up to 32, as many concurrent page views make), the read
// pool closes none of the connections it opened for them (performance
// review, defect 6: with database/sql's default of 2 idle, SQLite closed
// and reopened hundreds a second).
func TestReadPoolKeepsIdleConnections(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		db := open(t, dbURL, database.Options{})
		ctx := t.Context()
		n := min(32, db.Read.Stats().MaxOpenConnections)
		if n < 25 {
			t.Fatalf("read pool of %d connections; want at least 25", n)
		}
		// Hold n connections at once, then give them all back.
		conns := make([]interface{ Close() error }, 0, n)
		for range n {
			c, err := db.Read.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if s := db.Read.Stats(); s.MaxIdleClosed != 0 || s.Idle != n {
			t.Fatalf("read pool after 32 readers: %d closed for max idle, %d idle; want none closed", s.MaxIdleClosed, s.Idle)
		}
	})
}
