package database_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plazahq/plaza/database"
)

// TestUnavailableClassifiesFaults: errors that mean the database cannot
// serve now (connection lost mid-query, server shutting down, disk full,
// read-only) are Unavailable, wrapped as models wrap them; errors in the
// query itself are not. Real connection losses are in handlers'
// TestPostgresLostConnectionIs503.
func TestUnavailableClassifiesFaults(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"socket ended mid-message", io.ErrUnexpectedEOF, true},
		{"pgx closed the connection", pgconn.ErrConnClosed, true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"disk full", &pgconn.PgError{Code: "53100"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"read-only database", &pgconn.PgError{Code: "25006"}, true},
		{"words only", errors.New("read: unexpected EOF"), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"bad byte sequence", &pgconn.PgError{Code: "22021"}, false},
		{"no such table", errors.New("no such table: rate_limit"), false},
		{"database busy", database.ErrBusy, true},
	} {
		if got := database.Unavailable(fmt.Errorf("create follower: %w", tt.err)); got != tt.want {
			t.Errorf("%s: Unavailable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
