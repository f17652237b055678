package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/semaphore"
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
//
// The writes also queue for their turn, first come first served, before
// they ask the pool: database/sql hands a freed connection to a random
// waiter, and with one connection and dozens of writers that lottery
// makes the slowest waits many times the average (p99 went from 50 to
// 125–155 ms in bench/wechat). River's few goroutines ask the pool
// directly and meet at most the one write whose turn it is there.
type writer struct {
	db   *sql.DB
	wait time.Duration
	turn *semaphore.Weighted
}

func newWriter(db *sql.DB, wait time.Duration) *writer {
	return &writer{db: db, wait: wait, turn: semaphore.NewWeighted(1)}
}

// acquire waits for the write's turn and then the connection, together at
// most w.wait. The caller gives both back with release.
func (w *writer) acquire(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, w.wait)
	defer cancel()
	if err := w.turn.Acquire(wctx, 1); err != nil {
		return nil, w.waitError(ctx, err)
	}
	conn, err := w.db.Conn(wctx)
	if err != nil {
		w.turn.Release(1)
		return nil, w.waitError(ctx, err)
	}
	return conn, nil
}

// waitError is ErrBusy when the wait ran out, and the caller's own reason
// when it gave up first.
func (w *writer) waitError(ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("wait %s for the write connection: %w", w.wait, ErrBusy)
	}
	return fmt.Errorf("wait for the write connection: %w", err)
}

// release gives the connection back to the pool and the turn to the next
// write. Close waits until rows read on the connection are closed.
func (w *writer) release(conn *sql.Conn) {
	_ = conn.Close()
	w.turn.Release(1)
}

func (w *writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	conn, err := w.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer w.release(conn)
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
		w.release(conn)
		return nil, err
	}
	// The rows hold the connection until the caller closes them.
	go w.release(conn)
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
	go w.release(conn)
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
		w.release(conn)
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &writeTx{Tx: tx, end: func() { w.release(conn) }}, nil
}

// GetDBConn lets gorm's DB() find the pool.
func (w *writer) GetDBConn() (*sql.DB, error) { return w.db, nil }

// writeTx is a transaction on a connection taken from the pool for it: the
// connection goes back once the transaction ends.
type writeTx struct {
	*sql.Tx
	end   func()
	ended bool
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

// release runs once: gorm rolls back after a commit that failed.
func (t *writeTx) release() {
	if !t.ended {
		t.ended = true
		t.end()
	}
}

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
