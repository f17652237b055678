package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/plazahq/plaza/database"
)

// lockSQLite makes sure this is the only `plaza serve` on a SQLite
// database: it holds a lock on a file beside the database until release.
// Two servers on one SQLite file fight for its write lock and answer
// "database is locked" under load; several instances are what PostgreSQL
// is for. The commands that may run beside serve (migrate, backup, copy,
// user, demo) do not take the lock. The operating system drops the lock
// when the process ends, however it ends, so a crash leaves nothing to
// clean up. On PostgreSQL there is nothing to lock.
func lockSQLite(dbURL string) (release func(), err error) {
	file, ok := database.SQLiteFile(cmp.Or(dbURL, database.DefaultURL))
	if !ok {
		return func() {}, nil
	}
	path := file + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		owner, _ := os.ReadFile(path)
		f.Close()
		who := "another plaza serve"
		if pid := strings.TrimSpace(string(owner)); pid != "" {
			who += " (process " + pid + ")"
		}
		return nil, fmt.Errorf("%s is already running on the SQLite database %s: SQLite serves one instance only. "+
			"Stop the other one, or move to PostgreSQL (plaza copy) to run several instances", who, file)
	}
	// Who holds it, for the message above; the lock itself is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}
