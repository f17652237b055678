package database

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLite's primary result codes that mean "not now" rather than "wrong".
const (
	// sqliteBusy is SQLITE_BUSY, "database is locked": another process
	// held the file's write lock for longer than the busy timeout.
	sqliteBusy = 5
	// sqliteReadOnly is SQLITE_READONLY: the file (or its file system)
	// became read-only, or the connection was set query_only.
	sqliteReadOnly = 8
	// sqliteFull is SQLITE_FULL, "database or disk is full".
	sqliteFull = 13
)

// Unavailable reports whether err means the database cannot be reached,
// is restarting or cannot take writes for now (its disk is full, it is
// read-only), rather than that a query was wrong: the answer to the user
// is then "try again in a moment" (503), not a server error.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrBusy) {
		return true
	}
	var liteErr *gosqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code() & 0xff
		return code == sqliteBusy || code == sqliteReadOnly || code == sqliteFull
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgUnavailable(pgErr.Code)
	}
	if connectionLost(err) {
		return true
	}
	// Last resort for errors that lost their type on the way (a library
	// that formats with %v): pgx reports a connection lost mid-query in
	// words only.
	msg := err.Error()
	for _, words := range []string{"unexpected EOF", "conn closed", "connection reset", "broken pipe", "failed to connect"} {
		if strings.Contains(msg, words) {
			return true
		}
	}
	return false
}

// pgUnavailable reports whether a PostgreSQL error code means the server
// cannot serve the request now, whatever the request: class 08 connection
// exceptions; 57P01-57P03 the server is shutting down, crashed or not
// accepting connections yet; class 53 insufficient resources (disk full,
// out of memory, too many connections); 25006 a write refused because the
// database is read-only (a standby, or a database an operator set
// read-only).
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"):
		return true
	}
	switch code {
	case "57P01", "57P02", "57P03", "25006":
		return true
	}
	return false
}

// connectionLost reports whether err is the connection to the database
// failing under a query: the server went away (the socket ended in the
// middle of a message, or was reset), pgx closed the connection after such
// a failure, or it could not connect at all. pgx's own connection errors
// are the ones that say whether a retry is safe.
func connectionLost(err error) bool {
	var connErr *pgconn.ConnectError
	var netErr net.Error
	var pgconnErr interface{ SafeToRetry() bool }
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr), errors.As(err, &pgconnErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed):
		return true
	}
	return false
}
