package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrBusy is a write that could not get SQLite's write connection in
// time because other writes held it all along: a temporary condition
// (try again shortly), not a fault.
var ErrBusy = errors.New("the database is busy")

// DefaultWriteWait is how long a write waits for SQLite's write
// connection before it gives up with ErrBusy: as long as SQLite's own
// busy timeout, which still covers other processes on the same file.
const DefaultWriteWait = 10 * time.Second

// writer is gorm's connection pool on SQLite: the pool of the one write
// connection, with a bound on the wait for it. database/sql waits for a
// free connection until the context ends, and a request's context may
// never end; so each write takes the connection under its own deadline
// first, then runs under the caller's context, which a long transaction
// or a large INSERT … SELECT must keep.
type writer struct {
	db   *sql.DB
	wait time.Duration
}

func (w *writer) acquire(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, w.wait)
	defer cancel()
	conn, err := w.db.Conn(wctx)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("wait %s for the write connection: %w", w.wait, ErrBusy)
	}
	return nil, fmt.Errorf("wait for the write connection: %w", err)
}

func (w *writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	conn, err := w.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ExecContext(ctx, query, args...)
}

// QueryContext serves writes that return rows (INSERT … RETURNING), which
// is how gorm creates a row outside a transaction.
func (w *writer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	conn, err := w.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// The rows hold the connection until the caller closes them; Close
	// waits for that, then hands the connection to the next write.
	go conn.Close()
	return rows, nil
}

// QueryRowContext is reached by gorm's Row() on a statement that is not a
// SELECT, outside a transaction (Plaza has none), and when gorm opens.
func (w *writer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	conn, err := w.acquire(ctx)
	if err != nil {
		// A *sql.Row cannot be made to carry an error of ours; one from an
		// expired context reports context.DeadlineExceeded, which callers
		// treat as "busy" too (503).
		expired, cancel := context.WithDeadline(ctx, time.Time{})
		defer cancel()
		return w.db.QueryRowContext(expired, query, args...)
	}
	row := conn.QueryRowContext(ctx, query, args...)
	go conn.Close()
	return row
}

// PrepareContext is only used with gorm's PrepareStmt, which Plaza does not
// turn on; a statement prepared on the pool takes the connection each
// time it runs, waiting until ctx ends.
func (w *writer) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return w.db.PrepareContext(ctx, query)
}

// BeginTx starts a transaction on the write connection, which it keeps
// until commit or rollback. The transaction runs under ctx (database/sql
// rolls it back if ctx ends); only the wait for the connection is bounded.
func (w *writer) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	conn, err := w.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &writeTx{Tx: tx, conn: conn}, nil
}

// GetDBConn lets gorm's DB() find the pool.
func (w *writer) GetDBConn() (*sql.DB, error) { return w.db, nil }

// writeTx is a transaction on a connection taken from the pool for it: the
// connection goes back once the transaction ends.
type writeTx struct {
	*sql.Tx
	conn *sql.Conn
}

func (t *writeTx) Commit() error {
	err := t.Tx.Commit()
	t.release()
	return err
}

func (t *writeTx) Rollback() error {
	err := t.Tx.Rollback()
	t.release()
	return err
}

// release gives the connection back. gorm rolls back after a commit that
// failed, so it can run twice; the second Close only says sql.ErrConnDone.
func (t *writeTx) release() { _ = t.conn.Close() }

// SQLTx returns the *sql.Tx under a gorm transaction, so that work of
// other libraries (River's InsertTx) commits or rolls back with it.
func SQLTx(db *gorm.DB) (*sql.Tx, bool) {
	switch p := db.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p, true
	case *writeTx:
		return p.Tx, true
	}
	return nil, false
}
