// Package database opens Plaza's database (SQLite or PostgreSQL) and applies
// the embedded migrations.
package database

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/plugin/dbresolver"

	"github.com/plazahq/plaza/migrations"
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB bundles the gorm handle with the *sql.DB pools under it, so that
// migrations, background jobs and models share them.
//
// On SQLite every write goes through one connection, the pool SQL: gorm's
// writes and transactions, River, migrations. SQLite runs one writer at a
// time anyway; queueing the writes of this process for one connection
// hands it from one to the next as soon as it is free, where SQLite's busy
// handler sleeps and polls, and no write can fail with "database is
// locked" because another of this process held the lock. Reads outside a
// transaction use Read, a pool of its own that refuses writes (WAL lets
// them run beside the writer). On PostgreSQL both are the same pool.
type DB struct {
	Gorm *gorm.DB
	// SQL is the pool every write goes through; River and the migrations
	// use it. On SQLite it has one connection.
	SQL *sql.DB
	// Read serves reads outside transactions.
	Read    *sql.DB
	Dialect Dialect
	// File is the SQLite database's file; empty on PostgreSQL.
	File string
}

// DefaultURL is used when no database is configured: a file under ./data.
const DefaultURL = "sqlite:./data/plaza.db"

// Options tune how the database is opened.
type Options struct {
	// WriteWait bounds how long a write through Gorm waits for SQLite's
	// write connection before failing with ErrBusy (DefaultWriteWait
	// when zero).
	WriteWait time.Duration
}

// Open connects to the database named by url. Accepted forms are
// postgres://..., postgresql://..., sqlite:PATH and file:PATH.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenOptions(ctx, url, Options{})
}

// OpenOptions is Open with options.
func OpenOptions(ctx context.Context, url string, o Options) (*DB, error) {
	if url == "" {
		url = DefaultURL
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(pingCtx, url, gcfg)
	case strings.HasPrefix(url, "sqlite:"), strings.HasPrefix(url, "file:"):
		return openSQLite(pingCtx, url, gcfg, cmp.Or(o.WriteWait, DefaultWriteWait))
	}
	return nil, fmt.Errorf("database url %q: want postgres://..., sqlite:PATH or file:PATH", url)
}

func openPostgres(ctx context.Context, url string, gcfg *gorm.Config) (*DB, error) {
	gdb, err := gorm.Open(postgres.Open(withoutJIT(url)), gcfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("database handle: %w", err)
	}
	sqlDB.SetMaxOpenConns(25)
	// As many idle as open: with fewer, every burst past the idle count
	// closed connections as they came back and opened new ones for the
	// next requests, a PostgreSQL process forked each time (bench/wechat
	// at 1,000 callbacks a second: 250-370 closed in 10 s). Unused ones
	// still go after a minute.
	sqlDB.SetMaxIdleConns(25)
	sqlDB.SetConnMaxIdleTime(time.Minute)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to postgres database: %w", err)
	}
	return &DB{Gorm: gdb, SQL: sqlDB, Read: sqlDB, Dialect: Postgres}, nil
}

// withoutJIT turns PostgreSQL's JIT compilation off for Plaza's
// connections unless the url sets jit itself (?jit=on). PostgreSQL
// compiles a statement whose estimated cost passes jit_above_cost, again
// on every execution; the statements that cross it here are the audience
// of a broadcast limited to an area, whose subqueries under OR it prices
// far above what they cost, and compiling took up to a second of each
// count and each materialization of a million followers for nothing
// (bench/README.md, "Area targeting").
func withoutJIT(url string) string {
	u, err := neturl.Parse(url)
	if err != nil {
		return url
	}
	q := u.Query()
	if q.Has("jit") || strings.Contains(q.Get("options"), "jit") || strings.Contains(url, "#") {
		return url
	}
	// Appended to the url as given, not re-encoded: pgx reads a + in
	// options as itself.
	if u.RawQuery == "" && !strings.Contains(url, "?") {
		return url + "?jit=off"
	}
	return url + "&jit=off"
}

// sqliteReaders is the size of SQLite's read pool.
const sqliteReaders = 64

// openSQLite opens the write pool (one connection) and the read pool on
// one file. gorm's own pool is the writer, so its transactions and writes
// go there; the dbresolver plugin sends its reads outside transactions to
// the read pool: Find, First, Count and Raw statements that begin with
// SELECT. Everything else, and every statement inside a transaction, stays
// on the writer.
func openSQLite(ctx context.Context, url string, gcfg *gorm.Config, wait time.Duration) (*DB, error) {
	file, dsn, err := sqliteDSN(url)
	if err != nil {
		return nil, err
	}
	// IMMEDIATE transactions take the write lock at BEGIN, so a
	// transaction never fails half-way because another process (plaza
	// user, a second serve by mistake) wrote first.
	write, err := sql.Open(sqlite.DriverName, dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	write.SetMaxOpenConns(1)
	// The first connection switches the file to WAL, which the readers
	// need; they are opened after it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("connect to sqlite database: %w", err)
	}
	// query_only makes a write that reaches the read pool by mistake fail
	// at once instead of racing the writer for SQLite's lock.
	read, err := sql.Open(sqlite.DriverName, dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	// Readers are kept open, as many idle as open: database/sql keeps
	// only two idle by default, so under concurrent reads it closed and
	// reopened connections (each re-running the pragmas and reading the
	// schema) hundreds of times a second (performance review, defect 6).
	// The bound is far above the cores (pure-Go SQLite reads are CPU
	// work) and above any request's nesting of reads.
	read.SetMaxOpenConns(sqliteReaders)
	read.SetMaxIdleConns(sqliteReaders)
	closeBoth := func() { write.Close(); read.Close() }
	if err := read.PingContext(ctx); err != nil {
		closeBoth()
		return nil, fmt.Errorf("connect to sqlite database: %w", err)
	}
	gdb, err := gorm.Open(sqlite.Dialector{Conn: newWriter(write, wait)}, gcfg)
	if err != nil {
		closeBoth()
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	if err := gdb.Use(dbresolver.Register(dbresolver.Config{Replicas: []gorm.Dialector{sqlite.Dialector{Conn: read}}})); err != nil {
		closeBoth()
		return nil, fmt.Errorf("sqlite read pool: %w", err)
	}
	return &DB{Gorm: gdb, SQL: write, Read: read, Dialect: SQLite, File: file}, nil
}

// SQLiteFile is the file a sqlite:PATH or file:PATH url names, and false
// for a url of another database.
func SQLiteFile(url string) (string, bool) {
	path, ok := strings.CutPrefix(url, "sqlite:")
	if !ok {
		path, ok = strings.CutPrefix(url, "file:")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path, ok
}

// sqliteDSN turns sqlite:PATH into the file's path and a driver DSN with
// the pragmas both pools rely on: foreign keys enforced, WAL so readers
// never wait for the writer, and a busy timeout instead of immediate
// "database is locked" errors when another process writes to the same
// file.
func sqliteDSN(url string) (string, string, error) {
	path, _ := SQLiteFile(url)
	_, query, _ := strings.Cut(url, "?")
	if path == "" {
		return "", "", errors.New("sqlite url needs a file path, e.g. sqlite:./data/plaza.db")
	}
	if path == ":memory:" {
		// Each connection would have a database of its own, and the
		// readers would never see what the writer wrote.
		return "", "", errors.New("sqlite url needs a file path, not :memory: (use a file under a temporary directory)")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", "", fmt.Errorf("create database directory: %w", err)
	}
	params := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	if query != "" {
		params += "&" + query
	}
	return path, "file:" + path + "?" + params, nil
}

// Close releases the connection pools.
func (db *DB) Close() error {
	err := db.SQL.Close()
	if db.Read != db.SQL {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// Ping checks that the database answers. It asks the read pool, so it
// does not queue behind the writes.
func (db *DB) Ping(ctx context.Context) error { return db.Read.PingContext(ctx) }

// MinFreeSpace is the free space the file system of a SQLite database
// needs for Ready: below it, the next writes that grow the file or its
// write-ahead log fail with "database or disk is full".
const MinFreeSpace = 1 << 20

// Ready reports whether the database can take the requests of a user,
// for readiness probes. A database that answers reads but cannot write
// (its disk is full, it was made read-only, it is a standby) would fail
// every form, so answering is not enough: the probe commits a write, a
// one-row upsert. On SQLite it also checks the free space of the file's
// file system, since a write may still fit in space SQLite already has
// while the writes that grow the database fail.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if db.File != "" {
		free, err := freeSpace(filepath.Dir(db.File))
		if err != nil {
			return fmt.Errorf("free space beside %s: %w", db.File, err)
		}
		if free < MinFreeSpace {
			return fmt.Errorf("only %d bytes free beside %s: %w", free, db.File, ErrDiskFull)
		}
	}
	err := db.Gorm.WithContext(ctx).Exec(`INSERT INTO readiness_heartbeat (id, written_at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at`, time.Now().UTC()).Error
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// ErrDiskFull is a SQLite database whose file system has (almost) no
// space left.
var ErrDiskFull = errors.New("the disk is full")

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, string(db.Dialect))
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", db.Dialect, err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gooseDialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		gooseDialect = goose.DialectPostgres
		// Several instances may start at once against one PostgreSQL; the
		// advisory lock lets exactly one of them migrate.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, db.SQL, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// MigrateTo applies the pending migrations up to version, for tests of
// a migration on rows of the schema before it.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("apply migrations up to %d: %w", version, err)
	}
	return nil
}

// MigrateDownTo rolls migrations back until version is the last applied,
// for tests of a migration's Down.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("roll migrations back to %d: %w", version, err)
	}
	return nil
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Status lists every known migration with its state.
func (db *DB) Status(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{
			Version:   s.Source.Version,
			Name:      filepath.Base(s.Source.Path),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}
