package apptest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testDatabasePrefix begins the name of every PostgreSQL database a test
// makes; the process id of the test binary follows it.
const testDatabasePrefix = "plaza_test_"

// Main runs a package's tests; call it from TestMain in every package
// whose tests make PostgreSQL databases. When the tests are over it drops
// the databases they made, and those left by test processes that are gone
// (a run killed by its timeout).
//
// Dropping a PostgreSQL database makes the server checkpoint the whole
// cluster and wait for it. Dropped one per test, while the tests beside it
// keep writing, each drop waited for a checkpoint of everyone's writes:
// that was most of the wall time of the PostgreSQL half of the suite, and
// more parallel tests made it worse. Drops made at once share checkpoints
// (30 take about a second).
func Main(m *testing.M) {
	code := m.Run()
	if err := dropDatabases(); err != nil {
		fmt.Fprintf(os.Stderr, "apptest: dropping the test databases: %v\n", err)
	}
	removeSeededFiles()
	os.Exit(code)
}

// removeSeededFiles removes this process's seeded SQLite template and
// those of processes no longer running.
func removeSeededFiles() {
	paths, _ := filepath.Glob(filepath.Join(os.TempDir(), "plaza-test-*-seeded.db"))
	for _, path := range paths {
		digits := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "plaza-test-"), "-seeded.db")
		if pid, err := strconv.Atoi(digits); err == nil && (pid == os.Getpid() || !running(pid)) {
			os.Remove(path)
		}
	}
}

// dropDatabases drops this process's test databases and those of
// processes no longer running. Without a reachable PostgreSQL there is
// nothing to drop.
func dropDatabases() error {
	db, err := sql.Open("pgx", PostgresAdminURL())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ping, cancelPing := context.WithTimeout(ctx, 5*time.Second)
	defer cancelPing()
	if db.PingContext(ping) != nil {
		return nil
	}
	rows, err := db.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'plaza\_test\_%'`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if pid, ok := ownerPID(name); ok && (pid == os.Getpid() || !running(pid)) {
			names = append(names, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 16)
	)
	for _, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ownerPID reads the id of the process that made a test database out of
// its name (plaza_test_<pid>_<random>).
func ownerPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, testDatabasePrefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "_")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

// running reports whether a process with that id exists. A process of
// another user still counts as running (EPERM).
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
