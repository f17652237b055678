// Package database opens Plaza's database (SQLite or PostgreSQL) and applies
// the embedded migrations.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
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

	"github.com/plazahq/plaza/migrations"
)

// Dialect names the database engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB bundles the gorm handle with the *sql.DB under it, so that migrations,
// background jobs and models share one connection pool.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect Dialect
}

// DefaultURL is used when no database is configured: a file under ./data.
const DefaultURL = "sqlite:./data/plaza.db"

// Open connects to the database named by url. Accepted forms are
// postgres://..., postgresql://..., sqlite:PATH and file:PATH.
func Open(ctx context.Context, url string) (*DB, error) {
	if url == "" {
		url = DefaultURL
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
	var (
		gdb     *gorm.DB
		err     error
		dialect Dialect
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialect = Postgres
		gdb, err = gorm.Open(postgres.Open(url), gcfg)
	case strings.HasPrefix(url, "sqlite:"), strings.HasPrefix(url, "file:"):
		dialect = SQLite
		dsn, derr := sqliteDSN(url)
		if derr != nil {
			return nil, derr
		}
		gdb, err = gorm.Open(sqlite.Open(dsn), gcfg)
	default:
		return nil, fmt.Errorf("database url %q: want postgres://..., sqlite:PATH or file:PATH", url)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("database handle: %w", err)
	}
	if dialect == Postgres {
		sqlDB.SetMaxOpenConns(25)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return &DB{Gorm: gdb, SQL: sqlDB, Dialect: dialect}, nil
}

// sqliteDSN turns sqlite:PATH into a driver DSN with the pragmas Plaza relies
// on: foreign keys enforced, WAL so readers never wait for the writer, a busy
// timeout instead of immediate "database is locked" errors, and IMMEDIATE
// transactions so two writers queue up instead of deadlocking on upgrade.
func sqliteDSN(url string) (string, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if path == "" {
		return "", errors.New("sqlite url needs a file path, e.g. sqlite:./data/plaza.db")
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", fmt.Errorf("create database directory: %w", err)
		}
	}
	params := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if query != "" {
		params += "&" + query
	}
	return "file:" + path + "?" + params, nil
}

// Close releases the connection pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

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
