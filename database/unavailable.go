package database

import (
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// sqliteBusy is SQLITE_BUSY, the primary result code of "database is
// locked".
const sqliteBusy = 5

// Unavailable reports whether err means the database cannot be reached or
// is restarting, rather than that a query was wrong: the answer to the
// user is then "try again in a moment" (503), not a server error.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrBusy) {
		return true
	}
	// Another process (plaza user, plaza migrate) held the SQLite file's
	// write lock for longer than the busy timeout.
	var liteErr *gosqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code()&0xff == sqliteBusy
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exceptions. 57P01-57P03: the server is
		// shutting down, crashed or not accepting connections yet.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn):
		return true
	}
	// pgx reports a connection lost mid-query in words only.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "failed to connect")
}
